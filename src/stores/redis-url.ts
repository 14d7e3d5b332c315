// What is wrong with a Redis URL, said without its value: the URL may carry a password (outside review 39, RT39-1).

/**
 * Why `url` is not a usable redis:// or rediss:// URL, or undefined when it is. The reason names the part that is
 * wrong (the type, the scheme, the shape, the host) and never quotes the value, which may hold a password:
 * a mistyped scheme (`redis//user:pw@host`, `redis:/:pw@host`) must not print it where a masked URL would.
 */
export function redisUrlProblem(url: unknown): string | undefined {
  if (typeof url !== 'string') return 'it is not a string';
  if (url === '') return 'it is empty';
  if (/\s/.test(url)) return 'it contains whitespace';
  // A scheme is case-insensitive (RFC 3986 §3.1): `REDIS://` is redis:// (outside review 42, RT42-7).
  if (!/^rediss?:\/\//i.test(url)) {
    if (/^rediss?(:\/?(?!\/)|\/\/|:?\\)/i.test(url))
      return 'its scheme is misspelled (a ":" or "/" missing or wrong: write redis:// or rediss://)';
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return 'its scheme is not redis:// or rediss://';
    return 'it has no redis:// or rediss:// scheme';
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'it does not parse as a URL (a port that is not a number, or a password character to percent-encode)';
  }
  if (parsed.hostname === '') return 'it has no host';
  // ioredis decodes the user name and password with decodeURIComponent on every connect: a raw `%` there failed
  // each one with "URI malformed", for ever, after setup had passed (outside review 42, RT42-7).
  try {
    decodeURIComponent(parsed.username);
    decodeURIComponent(parsed.password);
  } catch {
    return 'its user name or password does not decode (a "%" not followed by two hex digits, or escapes that are not UTF-8): percent-encode the password (% as %25)';
  }
  // The path is the database number (redis://host:6379/<db-number>, the IANA redis URI scheme): ioredis SELECTs
  // parseInt of it, so `/sessions` sent SELECT NaN on every connect, whose rejection no listener can catch and which
  // killed the host process; `/1.5` selected database 1 (outside review 46, RT46-3). A `db` query parameter, read when
  // the path has none, likewise.
  if (parsed.pathname !== '' && parsed.pathname !== '/' && !isDatabaseIndex(parsed.pathname.slice(1)))
    return 'its database path is not a database number (write /0, /1, …, or no path for database 0)';
  const db = parsed.searchParams.getAll('db');
  if (db.length > 1 || (db.length === 1 && !isDatabaseIndex(db[0]!)))
    return 'its db query parameter is not one database number';
  return undefined;
}

/** A decimal non-negative integer that a Redis database index can be (Redis keeps it in a C int). */
function isDatabaseIndex(text: string): boolean {
  return /^[0-9]{1,10}$/.test(text) && Number(text) <= 2_147_483_647;
}

/**
 * The URL as ioredis must get it: the scheme in lower case, since ioredis turns TLS on only for a lower-case
 * `rediss://` (an upper-case `REDISS://` would connect in clear text). The rest is unchanged.
 */
export function lowerCaseRedisScheme(url: string): string {
  return url.replace(/^rediss?:/i, (scheme) => scheme.toLowerCase());
}
