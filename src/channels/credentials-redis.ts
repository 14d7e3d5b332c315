// Redis passwords in error texts (outside reviews 24, 28 and 30, and the gaps after them): an `AUTH` command where a
// command starts (`AUTH [username] password`), `AUTH` anywhere else before a value that looks like a credential
// (`ERR AUTH <pw> …`, `redis AUTH <pw>`), `AUTH` as an argument list, `HELLO … AUTH`, `MIGRATE … AUTH`/`AUTH2`,
// `CONFIG SET requirepass|masterauth`, `ACL SETUSER … >pw`. redactRedisCredentials replaces them by `[redacted]`;
// redactKeyCredentials (credentials-keys.ts) calls it. `AUTH` after redis-cli's options is the command-line scan's
// too (credentials-cli.ts), which reads any number of them.
//
// Linear: each pattern starts at `AUTH` (or a command's name), reads one or two arguments forward, and reads back
// only a bounded text where `AUTH` stands.

import { redactRedisArgs } from './credentials-redis-args.js';
import { redactEncodedRedis } from './credentials-redis-encoded.js';
import { redactRedisLines } from './credentials-redis-lines.js';
import { BARE_SECRET_VALUE, REDACTED } from './credentials-spellings.js';

/**
 * Words that follow `AUTH` in prose, never a Redis command's argument (`AUTH failed`, `AUTH required`), in lower case
 * or capitals (`(AUTH REQUIRED)`, outside review 25: a status in capitals is prose, a password of one of these words
 * would be no secret).
 */
const AUTH_PROSE_WORDS =
  'failed|failure|fails|error|errors|required|denied|rejected|refused|ok|called|timeout|timed|is|was|with|for|and|or|to|the|a|an|not|disabled|enabled|mechanism|method|command|plain|login|skipped|skipping|skip|needed|missing|pending|succeeded|success|successful';
const AUTH_PROSE = `(?:${AUTH_PROSE_WORDS}|${AUTH_PROSE_WORDS.toUpperCase()})`;

/** A Redis command's argument: quoted (closed, or open to the end of its line) or a word (its final dots end a sentence). */
const AUTH_QUOTED = String.raw`(?:'(?:[^'\r\n]|'')*(?:'|$)|"(?:[^"\r\n]|"")*(?:"|$))`;
const AUTH_WORD = String.raw`(?:\.*[^\s;|&)'",<.]+(?:\.+[^\s;|&)'",<.]+)*)`;

/**
 * Where a command starts (outside review 28: `redis AUTH blocked` lost `blocked`): a line's start, a shell's or
 * Redis pipeline's separator (`;`, `|`, `&`), an opening bracket or quote (`client.call("AUTH …")`, `(AUTH …)`), a
 * prompt's `>` (redis-cli's `127.0.0.1:6379> AUTH …`), a log line's label (`command: AUTH …`, `[redis] AUTH …`), or
 * a Redis client's command line and up to 8 of its options (`redis-cli -h db -p 6379 AUTH …`; any number: the
 * command-line scan's, credentials-cli.ts). After any other word, `AUTH` is REDIS_AUTH_WORDS' (`redis AUTH blocked`
 * stays). Bounded: read back only where `AUTH` stands.
 */
const COMMAND_START = String.raw`(?<=(?:^|[;|&(\[{>"'\`:\]]|(?<![\w-])(?:redis|valkey|keydb)-cli(?:[ \t]+[^\s;|&]{1,100}){0,8})[ \t]*)`;

/**
 * A Redis `AUTH <password>` or `AUTH <username> <password>` command (Redis's AUTH page: `AUTH [username] password`),
 * written as a command (COMMAND_START) in capitals, or in small letters after a prompt (`redis-cli> auth …`,
 * `127.0.0.1:6379> auth …`: Redis reads a command's name in any case), with one or two arguments, the last quoted or
 * followed by the end of its line (or a quote, `)`, `,`, `;`, `|`, `&`, a sentence's `. `): the password goes, the
 * user stays. `AUTH failed: …` and Redis's own `ERR AUTH <password> called without …` stay; `AUTH` after a word
 * (`redis AUTH blocked`) or with more words after it is REDIS_AUTH_WORDS'.
 */
const REDIS_AUTH = new RegExp(
  String.raw`(?<![\w-])(?=AUTH[ \t]|auth[ \t])${COMMAND_START}(AUTH[ \t]+|(?<=>[ \t]*)auth[ \t]+)(?![<\`]|${AUTH_PROSE}(?:[\s:;,!)]|\.(?:\s|$)|$))(?:(${AUTH_QUOTED}|${AUTH_WORD})[ \t]+)?(${AUTH_QUOTED}|${AUTH_WORD}(?=[ \t]*(?:$|[\r\n;|&)\]])|['",]|\.(?:\s|$)))`,
  'gm',
);

/**
 * A last word after `AUTH` that reads as prose, never as a password (outside review 30, RT30-5: `AUTH done`, `AUTH
 * Timeout`, `AUTH = none`, `AUTH mode`, `(AUTH default user)` lost their last word), in any letter case. A password
 * can be any word, but one of these is no secret: a dictionary word of a status, guessed first. Quoted, it goes.
 */
export const AUTH_PROSE_LAST = new RegExp(
  `^(?:${AUTH_PROSE_WORDS}|done|complete|completed|started|starting|mode|default|user|users|username|none|null|nil|off|on|ready|set|unset|configured|expired|invalid|again|retry|retrying|first|next|now|only|step|phase|stage|attempt)[.:!]*$`,
  'i',
);

/** One element of an argument list as util.inspect, JSON or code print it: quoted, escapes kept. */
const AUTH_ELEMENT = String.raw`(?:'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*")`;
/**
 * Redis `AUTH` as an argument list real clients print (outside review 30, RT30-5): `[ 'AUTH', '…' ]`, `"AUTH", "…"`
 * (`client.call("AUTH", "…")`), `["AUTH","default","…"]`, `sendCommand(['AUTH', 'default', '…'])`, `send_command('AUTH',
 * ['…'])`, the command's name in any case (an inspected ioredis command's `name: 'auth', args: [ '…' ]`), first in
 * its list or call or on its line (`[ 'GET', 'AUTH', 'x' ]` reads a key named AUTH): one or two elements after it, the last one
 * then closing the list or call or ending its line; its text goes, its quotes stay. The lookahead first: the blanks before are read back
 * only where a quoted `auth` stands.
 */
const REDIS_AUTH_LIST = new RegExp(
  String.raw`((?=['"]auth['"])(?<=(?:^|[[(]|name:)[ \t]{0,8})(['"])auth\2[ \t]*,\s*(?:args:[ \t]*)?(?:\[\s*)?(?:${AUTH_ELEMENT}[ \t]*,\s*)?)(['"])((?:[^'"\\\r\n]|\\.)*)\3(?=\s*(?:[\])]|$))`,
  'gim',
);
/** A Redis password argument: a word or a quoted string. */
const REDIS_ARG = String.raw`(?:${AUTH_QUOTED}|[^\s;|&)'"]+)`;
/**
 * Other Redis commands that carry a password (Redis's command pages): `HELLO <protover> AUTH <username> <password>`
 * (node-redis with RESP3), `MIGRATE … AUTH <password>` / `AUTH2 <username> <password>` (within 300 characters of
 * `MIGRATE`; `AUTH2 <username> <password>` anywhere: no other text has `AUTH2`); `CONFIG SET requirepass|masterauth
 * <password>` is credentials-redis-args.ts' (any case, after other parameters too, a prose word after it kept). A
 * placeholder stays (Redis's own `NOAUTH HELLO must be called …, otherwise the HELLO <proto> AUTH <user> <pass>
 * option can be used …`).
 */
const REDIS_PASSWORD_ARG = new RegExp(
  String.raw`((?<![\w-])(?:HELLO[ \t]+\S{1,20}[ \t]+AUTH[ \t]+${REDIS_ARG}[ \t]+|MIGRATE[ \t][^\r\n]{0,300}?[ \t](?:AUTH[ \t]+|AUTH2[ \t]+${REDIS_ARG}[ \t]+)|AUTH2[ \t]+(?![<\`])${REDIS_ARG}[ \t]+))(?![<\`])(${REDIS_ARG})`,
  'g',
);
/**
 * `ACL SETUSER <user> <rule> …` (Redis's ACL page): the rules `>password` (adds one) and `<password` (removes one) on
 * that line lose their password (`>[redacted]`); `#<sha256>` hashes and other rules stay. A rule redacted already
 * stays as it is (a text redacted twice read `>[redacted]]`; review 32, RT32-3).
 */
const ACL_SETUSER = /(?<![\w-])(?:ACL|acl)[ \t]+(?:SETUSER|setuser)[ \t]+[^\r\n]*/g;
const ACL_PASSWORD_RULE = /(?<=[ \t'"])([<>])(?!\[redacted\])[^\s'",\]]+/g;

/**
 * A redis.conf line `requirepass <password>` or `masterauth <password>` (review 32, RT32-3; redis-server echoes it in
 * its config error; also the TLS key pass phrases `tls-key-file-pass`, `tls-client-key-file-pass`,
 * its `FATAL CONFIG FILE ERROR >>> 'requirepass …'`): the directive where a command starts (COMMAND_START), then one
 * argument ending its line or quote. Prose (`requirepass is not set`: more words) and a status word stay.
 */
const REDIS_CONF_LINE = new RegExp(
  String.raw`(?<![\w-])(?=requirepass|masterauth|tls-|REQUIREPASS|MASTERAUTH|TLS-)${COMMAND_START}((?:requirepass|masterauth|tls-key-file-pass|tls-client-key-file-pass)[ \t]+)(?![<\`])(${AUTH_QUOTED}|[^\s'"<]+)(?=[ \t]*(?:$|['"]))`,
  'gim',
);
/**
 * The names of Redis's passwords written as a key: redis.conf's password directives (`requirepass`, `masterauth`, the
 * TLS key pass phrases), also as an environment variable's or a prefixed key's last part (after review 38:
 * `REDIS_MASTERAUTH=…`, `REDIS_REQUIREPASS=…`, `MASTER_AUTH=…`, `app.redis.masterauth: …`), and a password variable
 * of a Redis, Valkey, KeyDB or Sentinel client or image (`REDIS_PASSWORD`, `REDIS_AUTH`, `REDISCLI_AUTH`,
 * `VALKEY_PASSWORD`, `REDIS_SENTINEL_PASSWORD`, `SENTINEL_AUTH_PASS`): one family, read alike with `=` and `:`.
 * Bounded: at most 4 name parts before and between.
 */
const REDIS_KEY_NAME =
  '(?:(?:[A-Za-z0-9]{1,30}[_.-]){0,4}?(?:requirepass|masterauth|master[_-]auth|tls-key-file-pass|tls-client-key-file-pass)|(?:[A-Za-z0-9]{1,30}[_.-]){0,4}?(?:redis|valkey|keydb|sentinel)(?:cli)?(?:[_-][A-Za-z0-9]{1,30}){0,4}?[_-](?:password|passwd|pass|pwd|auth|auth[_-]pass))';
/**
 * A redis.conf directive written as a key (a YAML or .env file's `requirepass: <pw>`, `masterauth=<pw>`, a JSON or
 * object key `'masterauth': '<pw>'`; redis-server's own `FATAL CONFIG FILE ERROR … >>> 'requirepass: <pw>'` echoes
 * the line), and the rest of REDIS_KEY_NAME's family: these names are Redis's passwords and nothing else, so the value
 * goes whatever its length (`requirepass: pw`, `REDIS_PASSWORD: pw`). A placeholder or reference (`<password>`,
 * `${REDIS_PASSWORD}`), `[redacted]`, an empty value, a status word (AUTH_PROSE_LAST: `requirepass: none`) and a
 * boolean (`REDIS_AUTH=true`) stay; a YAML comment after the value stays.
 */
const REDIS_CONF_KEY = new RegExp(
  String.raw`(?<![\w.-])(["']?)(${REDIS_KEY_NAME})\1([ \t]*[:=][ \t]*)(?![<\[$\`{]|[>|][+-]?[1-9]?[+-]?[ \t]*(?:#|\r?\n|$))(${AUTH_QUOTED}|[^\s'",;#}\]]+)`,
  'gi',
);
/** A boolean where a Redis password key's value stands (`REDIS_AUTH=true`, `requirepass: no`): no password. */
const BOOLEAN_VALUE = /^(?:true|false|yes|no)$/i;
/**
 * A redis.conf directive as a YAML key whose value is a block scalar (RT38-6: `requirepass: >-` then the password on
 * the next, more indented lines): the block indicator stays, the block's lines go.
 */
const REDIS_CONF_BLOCK =
  /(?<![\w-])((["']?)(?:requirepass|masterauth|tls-key-file-pass|tls-client-key-file-pass)\2[ \t]*:[ \t]*[>|][+-]?[1-9]?[+-]?[ \t]*(?:#[^\r\n]*)?\r?\n([ \t]+))([^\s#][^\r\n]*(?:\r?\n\3[^\r\n]+)*)/gi;
/**
 * A Redis AUTH command's password given as a Buffer (RT38-6; ioredis takes Buffer arguments): util.inspect's
 * `<Buffer 68 75 …>` and JSON's `{"type":"Buffer","data":[104,117,…]}` or a bare byte list, as the last element of an
 * AUTH argument list (`name: 'auth', args: [ 'default', <Buffer …> ]`, `"name":"auth","args":["default",{…}]`): the
 * bytes go.
 */
const REDIS_AUTH_BUFFER = new RegExp(
  String.raw`((?=['"]auth['"])(?<=(?:^|[[(]|name"?:)[ \t]{0,8})(['"])auth\2[ \t]*,\s*(?:"?args"?:[ \t]*)?(?:\[\s*)?(?:${AUTH_ELEMENT}[ \t]*,\s*)?)(?:(<Buffer)(?:[ \t][0-9a-f]{2}){0,50}(?:[ \t]\.\.\.[ \t]\d{1,10}[ \t]more[ \t]bytes?)?>|(\{[ \t]*"type"[ \t]*:[ \t]*"Buffer"[ \t]*,[ \t]*"data"[ \t]*:[ \t]*)\[[\d, \t]{0,20000}\][ \t]*\}|\[[\d, \t]{1,20000}\])(?=\s*[\])])`,
  'gi',
);
/**
 * A client's `auth` call with the password last (review 32, RT32-3: node-redis v3's `client.auth('…')`,
 * `redis.auth("default", "…")`; its documented `client.auth('…', callback)` too): a quoted element closing the call
 * or followed by a callback or an options object (superagent's `.auth(user, pw, { type })`); its text goes, its
 * quotes stay; the first argument may be a name (`db.auth(user, "…")`). `.authenticate(…)` is read alike (after
 * review 38: a Mongo driver's `db.authenticate(user, pw)`, an LDAP or SASL client's). `prev` is the argument before
 * the value and `sep` what joins them (`,`: the value is the second argument; `||`/`??`: a fallback, the first);
 * `opts` an options object after the value. Which values stay: authCallValue (gaps after review 35: `conn.auth('pw')`,
 * `r.auth('hunter2')` were shown).
 */
const AUTH_CALL = new RegExp(
  String.raw`(?<head>(?:\.auth(?:enticate)?|\[[ \t]*(?<nq>['"])auth(?:enticate)?\k<nq>[ \t]*\]|(?<bare>(?<![\w$.])auth(?:enticate)?))[ \t]*(?:\?\.[ \t]*)?(?:\(|\.call\([ \t]*[\w$.]{1,100}[ \t]*,|\.apply\([ \t]*[\w$.]{1,100}[ \t]*,[ \t]*\[)\s*(?:(?<prev>${AUTH_ELEMENT}|\\"[^"\\\r\n]*\\"|[\w$.]{1,100})\s*(?<sep>,|\|\||\?\?)\s*)?)(?:(?<q1>['"\`])(?<v1>(?:[^'"\`\\\r\n]|\\[^\r\n])*)\k<q1>|(?<q2>\\")(?<v2>[^'"\`\\\r\n]*)\\")(?=\s*(?:[)\]]|,\s*(?:function\b|async\b|\(|(?<opts>\{)|[\w$]+\s*(?:=>|\)))))`,
  'gi',
);
/**
 * One operand of a concatenation: a quoted string or template literal (at most 1,000 characters), or a name
 * (`prefix`, `process.env.PW`).
 */
const CONCAT_OPERAND = String.raw`(?:'(?:[^'\\\r\n]|\\.){0,1000}'|"(?:[^"\\\r\n]|\\.){0,1000}"|\`(?:[^\`\\]|\\[^]){0,1000}\`|[\w$.]{1,100})`;
/**
 * An `auth`/`authenticate` call whose last argument is a concatenation (after review 38: `client.auth('hun' +
 * 'ter2')`, `auth(prefix + secret)`, `db.auth(user, 'S3' + suffix)`): the whole expression goes, whatever its pieces
 * (a piece alone may not look like a password, and the pieces together are one). Also a plain `auth(…)` without a
 * receiver (a destructured method), here only: a single quoted argument of a bare `auth(` reads as any function's.
 */
const AUTH_CONCAT = new RegExp(
  String.raw`(?<head>(?:\.|(?<![\w$.]))auth(?:enticate)?[ \t]*(?:\?\.[ \t]*)?\(\s*(?:(?<prev>${AUTH_ELEMENT}|[\w$.]{1,100})\s*,\s*)?)(?<expr>${CONCAT_OPERAND}(?:\s*\+\s*${CONCAT_OPERAND}){1,20}|\(\s*${CONCAT_OPERAND}(?:\s*\+\s*${CONCAT_OPERAND}){1,20}\s*\))(?=\s*(?:\)|,\s*(?:function\b|async\b|\(|\{|[\w$]+\s*(?:=>|\)))))`,
  'gi',
);
/**
 * A placeholder, a reference or an ellipsis where a password is written, no secret (RT38-2): `${REDIS_PASSWORD}`,
 * `<password>`, `...`, an ellipsis character, `%s`.
 */
const AUTH_PLACEHOLDER = /^(?:\$\{[\w.]{1,100}\}|<[^<>]{1,100}>|\.{2,}|\u2026|%s)$/;
/**
 * The last name of a receiver whose `.auth(…)` takes a strategy's, a scheme's or a role's name as its first
 * argument, never a password (`passport.auth("local")`, `this.passport.auth('jwt')`, `strategies.auth('google')`,
 * `app.auth('basic')`: an authentication framework, an app or router that picks one; after review 38, a request's
 * context: Koa's `ctx.auth('editor')`, `req.auth('admin')`, role checks of authorisation middleware).
 */
const STRATEGY_RECEIVER =
  /^(?:app|api|router|server|fastify|ctx|context|req|request)$|(?:passport|strateg(?:y|ies)|authenticator)$/i;
/**
 * The last name of a receiver named as a Redis client (after review 38: `redis.auth('local')` was kept as a strategy's
 * name): `redis`, `redisClient`, `ioredis`, `pubRedis`, `valkey`, `keydbConn`. A Redis client's `auth` takes a
 * password (and a user's name) only, so no word there is a strategy's or a scheme's.
 */
const REDIS_RECEIVER = /redis|valkey|keydb/i;
/**
 * A strategy's or a scheme's name (`local`, `basic`, `oauth2`, `google-oauth20`, `azuread-openidconnect`): small
 * letters and `-`, up to 2 digits at the end. Kept only on a STRATEGY_RECEIVER (a password can have this shape too:
 * `hunter2`).
 */
const STRATEGY_NAME = /^[a-z]+(?:-[a-z]+)*\d{0,2}$/;
/**
 * The names `.auth(…)` takes on any receiver that are no password: HTTP authentication schemes (IANA's registry),
 * SASL mechanisms, and the well-known strategies of passport (`local`, `jwt`, `oauth2`, `google`, …).
 */
const AUTH_SCHEME_NAME =
  /^(?:basic|bearer|digest|dpop|hoba|mutual|negotiate|ntlm|oauth|oauth2|privatetoken|scram-sha-1|scram-sha-256|vapid|token|apikey|api-key|aws4-hmac-sha256|local|jwt|session|cookie|anonymous|saml|ldap|ldapauth|openidconnect|oidc|google|google-oauth20|github|github2|gitlab|facebook|twitter|microsoft|azuread-openidconnect|azure-ad|auth0|okta|apple|discord|slack|linkedin|hash|header|headers|query|custom|none|plain|login|xoauth2|oauthbearer|cram-md5|gssapi|external|kerberos|mtls|tls|cert|x509|hmac)$/i;
/** superagent's (supertest's) options naming a bearer token: `.auth(token, { type: 'bearer' })`. */
const BEARER_OPTIONS = /^\{[^{}]{0,200}?\btype\s*:\s*(['"])bearer\1/i;

/** The last name of the receiver before `offset` (`redis` of `this.redis.auth(`), read back at most 100 characters. */
function receiverAt(text: string, offset: number): string {
  return /[\w$]*$/.exec(text.slice(Math.max(0, offset - 100), offset))?.[0] ?? '';
}

/**
 * Whether an `.auth(…)` call's quoted value at `offset` in `text` is a password (AUTH_CALL). The rule: an `.auth`
 * call's last quoted argument is a password (Redis's `client.auth(pw)`, a Mongo shell's `db.auth(user, pw)`,
 * superagent's `.auth(user, pw)`, any receiver `conn.auth('pw')`, `this.cache.auth("pw")`, `r.auth('hunter2')`), at
 * any length, unless it is blank, a placeholder or redacted already; on a receiver named as a Redis client
 * (REDIS_RECEIVER) nothing else stays. Elsewhere a status word (AUTH_PROSE_LAST) and a scheme's, mechanism's or
 * well-known strategy's name (AUTH_SCHEME_NAME) stay, and so does, as the first argument, a strategy-shaped name
 * (STRATEGY_NAME) on a receiver that takes strategies (STRATEGY_RECEIVER: `passport.auth("local")`, `ctx.auth('editor')`)
 * and a user's name before superagent's options object (`.auth('alice', { type: 'basic' })`: no password; with `type:
 * 'bearer'` the first argument is the token, which goes).
 */
function authCallValue(
  text: string,
  offset: number,
  value: string,
  first: boolean,
  optionsAt: number | undefined,
  bare: boolean,
): boolean {
  if (value.trim() === '' || value.includes(REDACTED) || AUTH_PLACEHOLDER.test(value)) return false;
  const receiver = bare ? '' : receiverAt(text, offset);
  if (REDIS_RECEIVER.test(receiver)) return true;
  if (AUTH_PROSE_LAST.test(value) || AUTH_SCHEME_NAME.test(value)) return false;
  if (!first) return true;
  if (optionsAt !== undefined && !BEARER_OPTIONS.test(text.slice(optionsAt, optionsAt + 220))) return false;
  const before = text.slice(Math.max(0, offset - 100), offset);
  return !(
    (bare ? MIDDLEWARE_POSITION.test(before) : STRATEGY_RECEIVER.test(receiver)) && STRATEGY_NAME.test(value)
  );
}

/**
 * A bare `auth(…)` (review 42: `auth('pw')` was shown) handed on as a value, read back 100 characters: an argument, an
 * element, an option's value or an assignment (`app.use(auth('admin'))`, `const mw = auth('admin')`) makes middleware
 * that takes a role's or strategy's name, as on a STRATEGY_RECEIVER; elsewhere (a statement, after `await`) a password.
 * `Auth('…')` is read alike (gaps after review 46: not read before), and `new Auth('…')` as a value handed on.
 */
const MIDDLEWARE_POSITION = /(?:[(,[:]|(?<![=!<>])=|(?<![\w$.])new)\s*$/;

/** A Redis argument as `[redacted]`, in the quotes it was written in. */
function quotedAuth(value: string): string {
  const q = value[0] === "'" || value[0] === '"' ? value[0] : '';
  return `${q}${REDACTED}${q !== '' && value.length > 1 && value.endsWith(q) ? q : ''}`;
}

/** A Redis argument as `[redacted]`: in its quotes, or before a final `:`, `!`, `,` or a sentence's dots (`AUTH2 u pw:`). */
function shownArg(value: string): string {
  if (value[0] === "'" || value[0] === '"') return quotedAuth(value);
  const body = value.replace(/[:!,]+$|\.+$/, '');
  return `${REDACTED}${value.slice(body.length === 0 ? value.length : body.length)}`;
}

/**
 * SASL mechanisms' names (IANA's SASL registry: SMTP's, IMAP's and others' `AUTH <mechanism> …`): no password.
 */
const SASL_MECHANISM =
  /^(?:PLAIN|LOGIN|XOAUTH2?|OAUTHBEARER|CRAM-MD5|DIGEST-MD5|SCRAM-SHA-(?:1|224|256|384|512)(?:-PLUS)?|GSSAPI|GS2-KRB5|NTLM|EXTERNAL|ANONYMOUS)$/i;
/** An address, a host's port or a version (`10.0.0.5:6379`, `6.2.14`): digits with dots or colons, no password. */
const ADDRESS = /^v?(?=[\d.:]*[.:])[\d.:]+$/;
/** A word that can be a Redis user's name before its password (`AUTH default …`, `AUTH app_user …`), but prose. */
const USER_NAME = /^[\w.@-]+$/;
const PROSE_WORD = new RegExp(
  `^(?:${AUTH_PROSE_WORDS}|step|phase|stage|attempt|mode|now|again|first|next|only)$`,
  'i',
);

/**
 * `AUTH` in capitals anywhere else (outside review 30's gaps: `ERR AUTH <pw> called without …`, `redis AUTH <pw>`, a
 * command word before it), or `auth` in small letters where a command starts (`auth <pw>` on its own line,
 * `command: auth <pw>`) or after `redis`, `valkey`, `keydb` or `ERR` (review 32: `redis auth default <pw>`, `ERR auth
 * <pw> failed`; after other words, `auth` in small letters is prose: `basic auth plugin v2Beta` stays), then one or two words: a word goes where it looks like a credential as a bare
 * `password: <value>` must (BARE_SECRET_VALUE: a digit, a symbol or camel case in 6 characters or more, or 20 or
 * more), quoted it goes whole; the second word only after a user's name (Redis's `AUTH [username] password`). Prose
 * stays (`redis AUTH blocked`, `AUTH failed for app`, `the AUTH step`), as do a placeholder (`<password>`), a SASL
 * mechanism (`SMTP AUTH XOAUTH2`), an address (`AUTH 10.0.0.5:6379 failed`) and `[redacted]`. A password that reads
 * as a word (`redis AUTH hunter`) stays: after a word, `AUTH` is as likely prose.
 */
const REDIS_AUTH_WORDS = new RegExp(
  String.raw`(?<![\w-])(AUTH[ \t]+|(?=auth[ \t])(?:${COMMAND_START}|(?<=(?<![\w-])(?:redis|valkey|keydb|ERR)[ \t]+))auth[ \t]+)(${AUTH_QUOTED}|${AUTH_WORD})(?:([ \t]+)(?![Aa][Uu][Tt][Hh][ \t])(${AUTH_QUOTED}|${AUTH_WORD}))?`,
  'gm',
);

/** The part of an unquoted word before its final `:` or `!` (`S3cretPw1:` of `AUTH S3cretPw1: denied`). */
const bodyOf = (word: string) => word.replace(/[:!]+$/, '');

/** Whether a word after `AUTH` looks like a password (REDIS_AUTH_WORDS). */
function looksSecret(word: string): boolean {
  // Quoted: closed and not blank (an open quote after `AUTH PLAIN ` closes a string: `'AUTH PLAIN ' +`).
  if (word[0] === "'" || word[0] === '"') return /^(['"])(?=.*\S.*\1$).+\1$/.test(word);
  const body = bodyOf(word);
  return (
    BARE_SECRET_VALUE.test(body) &&
    !/^`/.test(body) &&
    !SASL_MECHANISM.test(body) &&
    !ADDRESS.test(body) &&
    !AUTH_PROSE_LAST.test(body)
  );
}

/** A word after `AUTH` as `[redacted]`: in its quotes, or before its final `:`/`!`. */
function shownWord(word: string): string {
  if (word[0] === "'" || word[0] === '"') return quotedAuth(word);
  return `${REDACTED}${word.slice(bodyOf(word).length)}`;
}

/** One REDIS_AUTH_WORDS match: the words that look like a password redacted. */
function redactAuthWords(
  all: string,
  head: string,
  first: string,
  gap: string | undefined,
  second: string | undefined,
): string {
  // Redacted already (REDIS_AUTH's command): nothing more to take.
  if (first.includes(REDACTED) || second?.includes(REDACTED)) return all;
  const firstGoes = looksSecret(first);
  // A user's name (`default`, `app`), or a SASL mechanism before its credentials (`AUTH PLAIN <base64>`).
  const user = (USER_NAME.test(first) && !PROSE_WORD.test(first)) || SASL_MECHANISM.test(first);
  const secondGoes = second !== undefined && (firstGoes || user) && looksSecret(second);
  if (!firstGoes && !secondGoes) return all;
  const rest = second === undefined ? '' : `${gap}${secondGoes ? shownWord(second) : second}`;
  return `${head}${firstGoes ? shownWord(first) : first}${rest}`;
}

/** `text` with the Redis passwords above replaced by `[redacted]`. */
export function redactRedisCredentials(text: string): string {
  return redactPlainRedis(redactEncodedRedis(text, redactPlainRedis));
}

/** `text` with the Redis passwords written as plain text (not percent-encoded) replaced by `[redacted]`. */
function redactPlainRedis(text: string): string {
  return redactRedisLines(redactRedisArgs(text))
    .replace(REDIS_AUTH_LIST, (_, head: string, _q: string, q: string) => `${head}${q}${REDACTED}${q}`)
    .replace(REDIS_PASSWORD_ARG, (_, head: string, password: string) => `${head}${shownArg(password)}`)
    .replace(REDIS_CONF_LINE, (all: string, head: string, password: string) =>
      AUTH_PROSE_LAST.test(password) ? all : `${head}${quotedAuth(password)}`,
    )
    .replace(REDIS_CONF_BLOCK, (_, head: string) => `${head}${REDACTED}`)
    .replace(REDIS_AUTH_BUFFER, (_, head: string, _q: string, inspected?: string, json?: string) =>
      inspected !== undefined
        ? `${head}${inspected} ${REDACTED}>`
        : json !== undefined
          ? `${head}${json}"${REDACTED}"}`
          : `${head}${REDACTED}`,
    )
    .replace(REDIS_CONF_KEY, (all: string, q: string, name: string, sep: string, password: string) =>
      AUTH_PROSE_LAST.test(password) || BOOLEAN_VALUE.test(password) || /^(['"])\1$/.test(password)
        ? all
        : `${q}${name}${q}${sep}${quotedAuth(password)}`,
    )
    .replace(AUTH_CALL, (...args: unknown[]) => {
      const all = args[0] as string;
      const g = args[args.length - 1] as Record<string, string | undefined>;
      const offset = args[args.length - 3] as number;
      const whole = args[args.length - 2] as string;
      // A JSON-escaped quote (`\"pw\"` inside a JSON string) holds no escape: each try stops at the next `\`.
      const q = g.q1 ?? g.q2 ?? '';
      const first = g.sep === undefined || g.sep !== ',';
      const optionsAt = g.opts === undefined ? undefined : whole.indexOf('{', offset + all.length);
      return authCallValue(whole, offset, g.v1 ?? g.v2 ?? '', first, optionsAt, g.bare !== undefined)
        ? `${g.head}${q}${REDACTED}${q}`
        : all;
    })
    .replace(AUTH_CONCAT, (...args: unknown[]) => {
      const all = args[0] as string;
      const g = args[args.length - 1] as Record<string, string | undefined>;
      const offset = args[args.length - 3] as number;
      const whole = args[args.length - 2] as string;
      // A receiver that picks strategies holds no password (`passport.authenticate(prefix + name)`).
      const receiver = receiverAt(whole, offset);
      if ((g.expr ?? '').includes(REDACTED)) return all;
      if (g.prev === undefined && STRATEGY_RECEIVER.test(receiver) && !REDIS_RECEIVER.test(receiver))
        return all;
      return `${g.head}${REDACTED}`;
    })
    .replace(ACL_SETUSER, (line: string) =>
      line.replace(ACL_PASSWORD_RULE, (_, rule: string) => `${rule}${REDACTED}`),
    )
    .replace(REDIS_AUTH, (all: string, head: string, user: string | undefined, password: string) => {
      // A SASL mechanism alone is SMTP's (nodemailer's `command: 'AUTH CRAM-MD5'`), no password.
      if (AUTH_PROSE_LAST.test(password) || (user === undefined && SASL_MECHANISM.test(password))) return all;
      return user === undefined ? `${head}${quotedAuth(password)}` : `${head}${user} ${quotedAuth(password)}`;
    })
    .replace(REDIS_AUTH_WORDS, redactAuthWords);
}
