// Who may read the admin API: a bearer token, an authorize hook, or (with neither) loopback clients only;
// plus short-lived signed tokens for browser EventSource, which cannot send headers.

import type { IncomingMessage } from 'node:http';
import { nodeCrypto } from '../builtins.js';
import { invalidOption } from '../errors.js';
import type { AuthOptions } from '../monitor/websocket-port.js';
import type { Logger } from '../types.js';
import { clientAddress, forwardingChain, isLoopback, isLoopbackEntry } from './client-address.js';
import { isForwarded, isHttp10, remoteClientHeader } from './proxy-signals.js';
import { checkPresentableToken } from './token-shape.js';

export type { AuthOptions } from '../monitor/websocket-port.js';

export type AuthVia = 'token' | 'authorize' | 'loopback' | 'access_token';
/** How the admin API authenticates: a token, your `authorize` callback, both, or loopback callers only (no token). */
export type AuthMode = 'token' | 'authorize' | 'token+authorize' | 'loopback';

export type AuthDecision =
  | {
      ok: true;
      via: AuthVia;
      /** With `via: 'access_token'`: when the token expires (epoch ms); streams opened with it end then. */
      expiresAt?: number;
    }
  | {
      ok: false;
      status: 401 | 403;
      code: 'unauthorized' | 'token_expired' | 'forbidden';
      message: string;
      /**
       * Only a signed access token was compared (its signature or expiry refused it): nothing a guesser can
       * reach at any rate (a 256-bit key), so the refusal spends no budget (outside review E, F1).
       */
      unguessable?: true;
    };

export interface Authenticator<R> {
  readonly mode: AuthMode;
  /** `accessToken` is the `access_token` query parameter, when the route accepts one. */
  check(req: IncomingMessage, hookInput: R, accessToken: string | undefined): Promise<AuthDecision>;
  /**
   * For a client whose refusal budget is spent: the decision when it presents an unguessable credential
   * (a valid signed access token, or the bearer adminToken when that is at least
   * {@link LOCKOUT_BYPASS_MIN_TOKEN_LENGTH} characters), else undefined (the lock-out stands).
   */
  checkUnguessable(
    req: IncomingMessage,
    hookInput: R,
    accessToken: string | undefined,
  ): Promise<AuthDecision | undefined>;
  clientAddress(req: IncomingMessage): string;
  /**
   * Mints a token for `?access_token=`, signed with this authenticator's own key (see AccessTokens).
   * `bindToHook`: the caller was let in by the authorize hook, so the token opens nothing the hook refuses
   * (the hook runs again on every request that presents it).
   */
  issueAccessToken(now: number, ttlMs?: number, bindToHook?: boolean): AccessToken;
}

/** Sent with every 401 so that clients know to retry with a bearer token (RFC 6750). */
export const WWW_AUTHENTICATE = 'Bearer realm="sysvitals"';

/**
 * A right adminToken at least this long is served even from an address whose refusal budget is spent.
 * The budget is what slows an online guesser, and serving a right token while it is spent hands the guesser
 * an oracle (429 = wrong, 200 = right), so the bypass is only for tokens no guesser can reach at any rate:
 * 32 characters of `openssl rand -hex 16` are 128 bits. Shorter tokens keep the lock-out.
 */
export const LOCKOUT_BYPASS_MIN_TOKEN_LENGTH = 32;

/** Bearer values longer than this are refused without hashing (no configured token is this long). */
const MAX_CREDENTIAL_LENGTH = 4096;

export function createAuthenticator<R>(
  options: AuthOptions<R>,
  deps: {
    logger: Logger;
    now: () => number;
    basePath: string;
    /** Cluster mode: the secret shared by every worker (tokens then work on all of them). */
    sharedSecret?: () => Buffer | undefined;
  },
): Authenticator<R> {
  const { adminToken, authorize } = options;
  const trustProxy = options.trustProxy ?? false;
  if (adminToken !== undefined && (typeof adminToken !== 'string' || adminToken.length === 0)) {
    throw invalidOption(
      '`adminToken` must be a non-empty string (or undefined to serve loopback clients only).',
    );
  }
  if (adminToken !== undefined) checkPresentableToken(adminToken);
  if (authorize !== undefined && typeof authorize !== 'function') {
    throw invalidOption('`authorize` must be a function `(request) => boolean | Promise<boolean>`.');
  }
  if (
    typeof trustProxy !== 'boolean' &&
    !(typeof trustProxy === 'number' && Number.isInteger(trustProxy) && trustProxy >= 0)
  ) {
    throw invalidOption(
      '`trustProxy` must be true, false or the number of proxies in front of the app (0, 1, 2 …).',
    );
  }

  const tokenHash = adminToken === undefined ? undefined : sha256(adminToken);
  const mode: AuthMode =
    tokenHash && authorize ? 'token+authorize' : tokenHash ? 'token' : authorize ? 'authorize' : 'loopback';
  if (mode === 'loopback') {
    deps.logger.warn(
      { basePath: deps.basePath },
      `sysvitals: no adminToken or authorize configured; the admin API at ${deps.basePath} answers loopback clients only`,
    );
  }
  if (adminToken !== undefined && adminToken.length < LOCKOUT_BYPASS_MIN_TOKEN_LENGTH) {
    // Never the token itself: only its length, once per admin API, at setup.
    deps.logger.warn(
      { basePath: deps.basePath, adminTokenLength: adminToken.length },
      `sysvitals: adminToken is ${adminToken.length} characters; use at least ${LOCKOUT_BYPASS_MIN_TOKEN_LENGTH} random ones ` +
        '(openssl rand -hex 16): a short token can be guessed, and is refused once a client has spent its refusal budget',
    );
  }
  const addressOf = (req: IncomingMessage) => clientAddress(req, trustProxy);
  // One key per authenticator, so per admin API: a token minted by one API opens no other in the process.
  // In cluster mode the key is derived from the cluster's shared secret, the base path and the mode, so the
  // same admin API on every worker accepts it (outside review D4) and an API with another path or mode does not.
  const shared = deps.sharedSecret;
  const tokens = createAccessTokens(
    shared
      ? () => {
          const secret = shared();
          return secret
            ? nodeCrypto()
                .createHmac('sha256', secret)
                .update(`sysvitals access tokens\n${deps.basePath}\n${mode}`)
                .digest()
            : undefined;
        }
      : undefined,
  );

  const strongToken = adminToken !== undefined && adminToken.length >= LOCKOUT_BYPASS_MIN_TOKEN_LENGTH;

  async function checkUnguessable(
    req: IncomingMessage,
    hookInput: R,
    accessToken: string | undefined,
  ): Promise<AuthDecision | undefined> {
    // A token never widens who may connect: in loopback mode the loopback rule comes first.
    if (mode === 'loopback' && !loopbackRule(req).ok) return undefined;
    if (accessToken !== undefined) {
      const verdict = tokens.verify(accessToken, deps.now());
      if (typeof verdict !== 'object') return undefined;
      if (verdict.hook && !(await hookAllows(hookInput))) return undefined;
      return { ok: true, via: 'access_token', expiresAt: verdict.expires };
    }
    if (!strongToken || !tokenHash) return undefined;
    const bearer = bearerToken(req);
    if (bearer === undefined || bearer.length > MAX_CREDENTIAL_LENGTH) return undefined;
    return nodeCrypto().timingSafeEqual(sha256(bearer), tokenHash) ? { ok: true, via: 'token' } : undefined;
  }

  async function hookAllows(hookInput: R): Promise<boolean> {
    if (!authorize) return true;
    try {
      return (await authorize(hookInput)) === true;
    } catch (err) {
      // A hook that throws refuses the request; it is the usual way to say "not logged in".
      deps.logger.debug?.({ err }, 'sysvitals: authorize hook threw; refusing with 403');
      return false;
    }
  }

  async function check(
    req: IncomingMessage,
    hookInput: R,
    accessToken: string | undefined,
  ): Promise<AuthDecision> {
    // Loopback mode: every request, token or not, passes the loopback rule (address, proxy headers);
    // an access token is an extra requirement there (for EventSource), never a way around it.
    if (mode === 'loopback') {
      const rule = loopbackRule(req);
      if (!rule.ok || accessToken === undefined) return rule;
    }
    if (accessToken !== undefined) {
      const verdict = tokens.verify(accessToken, deps.now());
      if (typeof verdict === 'object') {
        // Minted for a caller the authorize hook let in: the hook still decides who may use it.
        if (verdict.hook && !(await hookAllows(hookInput))) {
          return {
            ok: false,
            status: 403,
            code: 'forbidden',
            message:
              'not authorized to read the admin API (an access_token minted through authorize is checked by it again)',
          };
        }
        return { ok: true, via: 'access_token', expiresAt: verdict.expires };
      }
      if (verdict === 'expired') {
        return {
          ok: false,
          status: 401,
          code: 'token_expired',
          message: 'access_token has expired; request a new one',
          unguessable: true,
        };
      }
      return {
        ok: false,
        status: 403,
        code: 'forbidden',
        message: 'access_token is not valid',
        unguessable: true,
      };
    }

    const bearer = tokenHash ? bearerToken(req) : undefined;
    if (tokenHash && bearer !== undefined && bearer.length <= MAX_CREDENTIAL_LENGTH) {
      if (nodeCrypto().timingSafeEqual(sha256(bearer), tokenHash)) return { ok: true, via: 'token' };
    }

    if (authorize) {
      const allowed = await hookAllows(hookInput);
      if (allowed) return { ok: true, via: 'authorize' };
      if (tokenHash && bearer === undefined) return missingCredentials();
      return { ok: false, status: 403, code: 'forbidden', message: 'not authorized to read the admin API' };
    }

    if (tokenHash) {
      return bearer === undefined
        ? missingCredentials()
        : { ok: false, status: 403, code: 'forbidden', message: 'the bearer token is not valid' };
    }

    return loopbackRule(req);
  }

  /** The loopback rule: a direct client on this machine (or, with trustProxy, a loopback forwarding chain). */
  function loopbackRule(req: IncomingMessage): AuthDecision {
    // Loopback mode. Behind a reverse proxy on the same host every client arrives from 127.0.0.1,
    // so a forwarded request is refused unless trustProxy says how to find the real client; and even
    // then only X-Forwarded-For is read, so a proxy that names the client some other way is refused.
    const readsForwardedFor = trustProxy !== false && trustProxy !== 0;
    // A proxy that names the client in a header of its own (X-Real-IP, Forwarded, CF-Connecting-IP, ...)
    // has said who the client is; if that is not this machine, no X-Forwarded-For can say otherwise: the
    // client writes it, and a proxy that does not append to it passes it through (outside review 29, RT29-1).
    const named = remoteClientHeader(req, isLoopbackEntry);
    if (named !== undefined) {
      return refusedRemote(
        `request came through a proxy whose ${named} header names a client that is not loopback; set adminToken or authorize to serve it`,
      );
    }
    // trustProxy N counts the proxies that each append one X-Forwarded-For entry: fewer entries mean one of
    // them did not append, so the left-most entry may be the client's own words.
    const header = req.headers['x-forwarded-for'];
    if (
      typeof trustProxy === 'number' &&
      readsForwardedFor &&
      typeof header === 'string' &&
      header.split(',').length < trustProxy
    ) {
      return refusedRemote(
        `X-Forwarded-For holds fewer entries than trustProxy (${trustProxy}) proxies append; set adminToken or authorize to serve requests through a proxy that does not append to it`,
      );
    }
    if (isForwarded(req) && !(readsForwardedFor && req.headers['x-forwarded-for'] !== undefined)) {
      return refusedRemote(
        readsForwardedFor
          ? 'request came through a proxy without X-Forwarded-For; set adminToken or authorize to serve it'
          : 'request came through a proxy; set trustProxy, adminToken or authorize to serve it',
      );
    }
    // A proxy that adds no header (nginx's default proxy_pass) still speaks HTTP/1.0 upstream: refused when
    // the socket alone would decide (proxy-signals.ts); a trusted X-Forwarded-For chain is judged below.
    // Without a Host header (nginx always sends one) the Host rule refuses it after this one (400).
    if (
      isHttp10(req) &&
      req.headers.host !== undefined &&
      !(readsForwardedFor && req.headers['x-forwarded-for'] !== undefined)
    ) {
      return refusedRemote(
        'HTTP/1.0 request, as a same-host proxy sends by default (nginx proxy_pass); set adminToken or authorize to serve requests through a proxy',
      );
    }
    // The client and every proxy between it and this server must be on this machine: every entry of
    // X-Forwarded-For, not only the last `trustProxy` ones (outside review 6, F9): an internet-facing agent on
    // this host (a tunnel: cloudflared, ngrok, ssh -R) names its internet client in the header and reaches a
    // local proxy that appends 127.0.0.1, so with the one proxy counted the internet client read as local.
    if (forwardingChain(req, readsForwardedFor).every(isLoopback)) return { ok: true, via: 'loopback' };
    return refusedRemote(
      'the admin API serves loopback clients only until adminToken or authorize is configured',
    );
  }

  // Whoever is refused here is not a loopback client (or came through a proxy): the answer says no more than
  // an authorize hook's refusal would, so a stranger cannot tell the API runs without a credential (and that
  // an SSRF in the app would read it). The operator reads the reason in the log (info), once per reason.
  const loggedReasons = new Set<string>();
  function refusedRemote(reason: string): AuthDecision {
    if (!loggedReasons.has(reason)) {
      loggedReasons.add(reason);
      deps.logger.info?.({ basePath: deps.basePath }, `sysvitals: refused a request with 403: ${reason}`);
    }
    return { ok: false, status: 403, code: 'forbidden', message: 'not authorized to read the admin API' };
  }

  return { mode, check, checkUnguessable, clientAddress: addressOf, issueAccessToken: tokens.issue };
}

function missingCredentials(): AuthDecision {
  return {
    ok: false,
    status: 401,
    code: 'unauthorized',
    message: 'credentials required: send Authorization: Bearer <token>',
  };
}

function sha256(value: string): Buffer {
  return nodeCrypto().createHash('sha256').update(value).digest();
}

/** The token of an `Authorization: Bearer <token>` header, or undefined for no or another scheme. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer +(\S+) *$/i.exec(header);
  return match ? match[1] : undefined;
}

// Signed access tokens. The key is random per admin API, so a token works only on the API (and its
// WebSocket) that issued it, in the process that issued it, and dies with it; in cluster mode it is derived
// from the cluster's shared secret, so it works on that API of every worker. The short TTL limits what a
// token leaked through a URL (logs) can do.

/** @defaultValue 5 minutes */
export const DEFAULT_ACCESS_TOKEN_TTL_MS = 5 * 60_000;
const TOKEN_PREFIX = 'sv1';

export interface AccessToken {
  token: string;
  /** ISO time after which the token is refused. */
  expires_at: string;
}

/** Issues and checks tokens signed with one random key. */
export interface AccessTokens {
  /** `bindToHook`: the token carries (signed) that the authorize hook must let each of its requests in. */
  issue(now: number, ttlMs?: number, bindToHook?: boolean): AccessToken;
  /** The expiry time (epoch ms) of a valid token and whether it is bound to the hook, or why it is refused. */
  verify(token: string, now: number): { expires: number; hook: boolean } | 'expired' | 'invalid';
}

/**
 * Tokens signed with `given` (a key, or a function giving one; random when none): each admin API makes its
 * own, so tokens do not cross APIs.
 */
export function createAccessTokens(given?: Buffer | (() => Buffer | undefined)): AccessTokens {
  // The key is drawn (or read) on the first token issued or checked, so an admin API that never sees one
  // does not load node:crypto.
  let key = typeof given === 'function' ? undefined : given;
  const sign = (payload: string): Buffer => {
    key ??= (typeof given === 'function' ? given() : undefined) ?? nodeCrypto().randomBytes(32);
    return nodeCrypto().createHmac('sha256', key).update(payload).digest();
  };

  function issue(now: number, ttlMs: number = DEFAULT_ACCESS_TOKEN_TTL_MS, bindToHook = false): AccessToken {
    const expires = Math.floor(now + ttlMs);
    // `sv1.<expiry>` or, bound to the authorize hook, `sv1.<expiry>.h`; the signature covers the binding.
    const payload = `${TOKEN_PREFIX}.${expires.toString(36)}${bindToHook ? '.h' : ''}`;
    return {
      token: `${payload}.${sign(payload).toString('base64url')}`,
      expires_at: new Date(expires).toISOString(),
    };
  }

  function verify(token: string, now: number): { expires: number; hook: boolean } | 'expired' | 'invalid' {
    if (token.length > 128) return 'invalid';
    const parts = token.split('.');
    const hook = parts.length === 4 && parts[2] === 'h';
    if (
      (parts.length !== 3 && !hook) ||
      parts[0] !== TOKEN_PREFIX ||
      !/^[0-9a-z]{1,12}$/.test(parts[1] as string)
    )
      return 'invalid';
    const given = Buffer.from(parts[parts.length - 1] as string, 'base64url');
    const expected = sign(parts.slice(0, -1).join('.'));
    if (given.length !== expected.length || !nodeCrypto().timingSafeEqual(given, expected)) return 'invalid';
    const expires = Number.parseInt(parts[1] as string, 36);
    return expires > now ? { expires, hook } : 'expired';
  }

  return { issue, verify };
}
