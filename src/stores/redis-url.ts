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
  if (!/^rediss?:\/\//.test(url)) {
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
  return undefined;
}
