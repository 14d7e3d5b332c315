// Who is let in, and what it costs them: the admin API's auth decision wrapped in its two rate-limit budgets
// (refused and served requests) and the Host and Sec-Fetch-Site rules, in the order that keeps guessing slow
// and lets nobody else spend an administrator's budget.

import type { IncomingMessage } from 'node:http';
import { escapeControls } from '../logger.js';
import type { Logger } from '../types.js';
import type { AdminDecision } from './admin-api-options.js';
import { type AuthDecision, type Authenticator, type AuthVia, bearerToken } from './auth.js';
import { carriesCredential, credentialDigest, isNavigation } from './credential-signs.js';
import type { OriginGuard } from './origin-guard.js';
import type { RateLimiter, RateLimitVerdict } from './rate-limit.js';
import { rateLimitRefusal } from './refusals.js';
import type { AdminSource } from './route.js';

/**
 * A budget as admission spends it: this process's limiter, or in cluster mode the cluster's, counted by the
 * aggregator (cluster/admin-guesses.ts), whose answers are awaited.
 */
export interface AdmissionBudget {
  hit(key: string): RateLimitVerdict | Promise<RateLimitVerdict>;
  spent(key: string): RateLimitVerdict | Promise<RateLimitVerdict>;
}

/**
 * The admin API's two budgets (undefined with `rateLimit: false`). In cluster mode (a source that shares them)
 * each is the cluster's: the same settings, windows and client key, counted once for every worker (outside review
 * 20, F4: N workers gave a client N budgets). The served budget's count is not waited for (cluster/admin-guesses.ts).
 */
export function admissionBudgets(
  source: Pick<AdminSource, 'shareBudget'>,
  basePath: string,
  limiter: (name: 'refused' | 'served') => RateLimiter | undefined,
): { refused: AdmissionBudget | undefined; served: AdmissionBudget | undefined } {
  const budget = (name: 'refused' | 'served'): AdmissionBudget | undefined => {
    const local = limiter(name);
    const cluster = limiter(name);
    if (!local || !cluster || !source.shareBudget) return local;
    // Named alike on every worker: an admin API of other settings (a rolling deploy) counts apart.
    const api = `${basePath}\n${JSON.stringify(local.config)}`;
    const shared = source.shareBudget(api, name, { local, cluster, maxClients: local.config.maxClients });
    return name === 'served'
      ? { hit: (key) => shared.hitNow(key), spent: (key) => shared.spent(key) }
      : shared;
  };
  return { refused: budget('refused'), served: budget('served') };
}

/**
 * What a request presents for the authenticator to compare: `explicit`, a bearer token it compares with
 * adminToken or a `?access_token=`; `ambient`, only what a browser brings along unasked (the address in
 * loopback mode, the cookies or client certificate an authorize hook reads, whose strength is unknown);
 * `none`, nothing at all (token mode without a bearer token or an access token: nothing is compared).
 */
type PresentedCredential = 'explicit' | 'ambient' | 'none';

function presentedCredential<R>(
  auth: Authenticator<R>,
  req: IncomingMessage,
  accessToken: string | undefined,
): PresentedCredential {
  if (accessToken !== undefined) return 'explicit';
  const tokenMode = auth.mode === 'token' || auth.mode === 'token+authorize';
  // Another scheme (Basic from a proxy's own sign-in) is compared with nothing: no credential of ours.
  if (tokenMode && bearerToken(req) !== undefined) return 'explicit';
  if (auth.mode === 'token') return 'none';
  // An authorize hook reads what the request carries, or what it cannot choose (its address, a client
  // certificate): a request with no Authorization, no Cookie and no header of its own guesses nothing (outside
  // review E, F1: another site's <img> on plain HTTP carries no Sec-Fetch-*, nor a SameSite=Lax cookie).
  if (auth.mode !== 'loopback' && !carriesCredential(req)) return 'none';
  return 'ambient';
}

/**
 * The served budget's key of a request let in by what a browser brings along (the hook, the loopback rule): the
 * peer, the kind of request (a top-level navigation apart from the rest: another site's script navigating a
 * window it opened cannot fill the dashboard's budget, outside review E, F2, and G, F1, where over plain HTTP it
 * carries the admin's SameSite=Lax cookie and no Fetch Metadata), and the digest of its credential headers
 * (another site's requests without the admin's cookie or token count apart from the admin's, E, F1; in loopback
 * mode the dashboard's stream token, G, F3). The served limiter caps the digests one peer holds
 * (rate-limit.ts). A bearer or signed token counts on the peer alone.
 */
function servedKey(req: IncomingMessage, key: string, via: AuthVia): string {
  if (via !== 'authorize' && via !== 'loopback') return key;
  return `${key}\n${isNavigation(req) ? 'navigation' : 'fetch'}\n${credentialDigest(req)}`;
}

export type Decide<R> = (
  req: IncomingMessage,
  request: R,
  key: string,
  accessToken: string | undefined,
  /** False for a request answered 400 for its query once let in: it spends no served budget. */
  countServed?: boolean,
) => Promise<AdminDecision>;

export function createAdmission<R>(deps: {
  auth: Authenticator<R>;
  guard: OriginGuard;
  /** Undefined with `rateLimit: false`. */
  refusedLimiter: AdmissionBudget | undefined;
  servedLimiter: AdmissionBudget | undefined;
  logger: Logger;
  basePath: string;
}): Decide<R> {
  const { auth, guard, refusedLimiter, servedLimiter, logger, basePath } = deps;

  let hostWarned = false;
  /** Existing deployments with an authorize hook and a DNS name learn why their admins get 421, once. */
  function warnHostOnce(message: string): void {
    if (hostWarned) return;
    hostWarned = true;
    logger.warn({ basePath }, `sysvitals: refused with 421: ${escapeControls(message)}`);
  }

  /**
   * The rate limit around the auth decision. Another site's page (Sec-Fetch-Site) without a bearer or access
   * token is refused first, before anything is compared or counted. A request that presents no credential
   * guesses nothing: it is answered 401 and neither spends nor is refused by the refusal budget (outside
   * review G3: a foreign page's <img> tags spent it and locked the admin out). A right unguessable bearer token
   * is served whatever the budget (so it is compared first, and never waits on a cluster's aggregator). A client
   * that has spent its own budget of refusals is refused before any other credential is looked at (guessing
   * stays slow), unless it presents an unguessable one. A wrong credential is then counted on the client's
   * refusal budget, or on the overflow budget new clients share once maxClients are tracked; once that shared
   * budget is spent, a new client is locked out as a spent one is (only an unguessable credential is served). A served request is counted on the
   * served budget, which only clients that got in can fill.
   */
  return async function decide(req, request, key, accessToken, countServed = true) {
    const credential = presentedCredential(auth, req, accessToken);
    // A browser marks what another site's page sends (an <img>, a form, a fetch): without a token it could
    // only be let in by what the browser brings along, which does not serve other sites (checkFetchSite).
    // Refused before the hook or the loopback rule runs, so it tells a guesser nothing and spends nothing.
    // Only a bearer token in the header exempts it (a page cannot attach one to an <img> or a form): any page can
    // put `?access_token=` in a URL, which spent the budget and locked the admin out (outside review 4).
    const header = credential === 'explicit' && accessToken === undefined;
    const foreignPage = header ? undefined : guard.checkFetchSite(req);
    if (foreignPage) return foreignPage;
    // A right unguessable bearer token (32+ characters) is served whether or not the budget is spent, so it is
    // compared first: in cluster mode it then never waits for the aggregator's count (outside review 20, F4). The
    // decision is the one the spent branch below gives it, and the one auth.check() gives while the budget lasts.
    // Only a bearer token: an access token bound to the authorize hook would run the hook twice.
    const strongBearer = header ? await auth.checkUnguessable(req, request, undefined) : undefined;
    if (strongBearer?.ok) return serveUnguessable(req, key, strongBearer, countServed);
    const spent = credential === 'none' ? undefined : rateLimitRefusal(await refusedLimiter?.spent(key));
    if (spent) {
      // Wrong guesses from this address have spent its refusal budget. An unguessable credential (a long
      // adminToken, a signed access token) is still served: the budget slows guessing, and no guesser
      // reaches such a credential at any rate, so whoever shares the address cannot lock the admin out.
      // A short token or an authorize hook stays locked out (their strength is unknown).
      const strong = header ? undefined : await auth.checkUnguessable(req, request, accessToken);
      if (!strong?.ok) return spent;
      return serveUnguessable(req, key, strong, countServed);
    }
    const decision = await auth.check(req, request, accessToken);
    // Loopback mode lets a local client in by its address; a page whose DNS name was rebound to 127.0.0.1
    // is a local client too, but it names its own host in Host. Token-bearing requests too: in this mode
    // a token only adds to the loopback rule. An authorize hook is let in by what the admin's browser
    // brings along (its address for an IP allow-list, a client certificate), which a rebound page has too:
    // the same Host rule. A bearer or signed token is something the page cannot know: no Host rule.
    const ambient = decision.ok && decision.via === 'authorize';
    const misdirected = decision.ok ? guard.checkHost(req, ambient) : undefined;
    if (misdirected && ambient) warnHostOnce(misdirected.message);
    // Not counted: it guesses nothing, and the page runs in the local user's own browser, on their budget.
    // Nor is another site's page let in by the hook with a wrong bearer token beside it: refused unspent.
    // In loopback mode a browser's request over plain HTTP to a name (no Fetch Metadata) is refused unspent too:
    // another site's <img> cannot be told from the dashboard's fetch there (outside review G, F3).
    const refused =
      misdirected ??
      (decision.ok && (ambient || decision.via === 'loopback') ? guard.checkFetchSite(req) : undefined) ??
      (decision.ok && auth.mode === 'loopback' ? guard.checkUnmarkedBrowser(req) : undefined);
    if (refused) return refused;
    if (decision.ok) {
      const served = countServed ? servedLimiter?.hit(servedKey(req, key, decision.via)) : undefined;
      return rateLimitRefusal(await served) ?? { ...decision, clientKey: key };
    }
    // Nothing was compared (a 401 that asks for credentials, or a hook that refused a request carrying none), or
    // only a signed token no guesser reaches: no budget spent (none guessed).
    if (credential === 'none' || decision.unguessable) return decision;
    return rateLimitRefusal(await refusedLimiter?.hit(key)) ?? decision;
  };

  /** An unguessable credential: the Host rule and the served budget only. */
  async function serveUnguessable(
    req: IncomingMessage,
    key: string,
    strong: Extract<AuthDecision, { ok: true }>,
    countServed: boolean,
  ): Promise<AdminDecision> {
    const misdirected = guard.checkHost(req);
    if (misdirected) return misdirected;
    const served = countServed ? await servedLimiter?.hit(key) : undefined;
    return rateLimitRefusal(served) ?? { ...strong, clientKey: key };
  }
}
