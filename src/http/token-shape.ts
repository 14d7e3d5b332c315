// The adminToken's shape: what a client can present in `Authorization: Bearer <token>` (auth.ts).

import { invalidOption } from '../errors.js';

/**
 * A token a client can present as `Authorization: Bearer <token>`: printable ASCII without spaces. HTTP trims
 * header whitespace and forbids line breaks, so a token read from a secret file with its trailing newline could
 * never match. Refused rather than trimmed: quietly changing a secret would hide which value is the real one.
 */
export function checkPresentableToken(token: string): void {
  if (/^[\x21-\x7e]+$/.test(token)) return;
  const edge = /^\s|\s$/.test(token);
  const problem = edge
    ? /[\r\n]$/.test(token)
      ? 'ends with a line break (as `fs.readFileSync` of a secret file gives)'
      : 'starts or ends with whitespace'
    : 'holds a space, a control character or a non-ASCII character';
  throw invalidOption(
    `\`adminToken\` ${problem}, so no client could present it as \`Authorization: Bearer <token>\`. ` +
      (edge
        ? 'Trim it (`readFileSync(path, "utf8").trim()`).'
        : 'Use printable ASCII without spaces (for example 32 random bytes in hex or base64url).'),
  );
}
