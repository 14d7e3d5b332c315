// SMS length by the GSM 03.38 rules carriers bill by: a text of the GSM-7 alphabet is one segment up to 160
// septets (153 a segment when concatenated; the extension table's characters take two); any other character
// makes the whole text UCS-2: 70 UTF-16 units in one segment, 67 a segment when concatenated.

const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const EXTENDED = '\f^{}\\[~]|€';

/** Septets of `text` in GSM-7, or null when a character is not in its alphabet (the text goes as UCS-2). */
export function gsm7Septets(text: string): number | null {
  let n = 0;
  for (const ch of text) {
    if (BASIC.includes(ch)) n += 1;
    else if (EXTENDED.includes(ch)) n += 2;
    else return null;
  }
  return n;
}

/**
 * `text` cut (with `...`, which is GSM-7) so that it is billed no more segments than `maxLength` GSM-7
 * characters would be: with a character outside GSM-7 the text is UCS-2, and its limit is 70 units for one
 * segment (67 a segment for more), not `maxLength`.
 */
export function fitSms(text: string, maxLength: number): string {
  const segments = maxLength <= 160 ? 1 : Math.ceil(maxLength / 153);
  const septets = gsm7Septets(text);
  if (septets !== null) {
    if (septets <= maxLength) return text;
    let out = '';
    let used = 0;
    for (const ch of text) {
      const w = EXTENDED.includes(ch) ? 2 : 1;
      if (used + w > maxLength - 3) break;
      out += ch;
      used += w;
    }
    return `${out}...`;
  }
  const units = Math.min(maxLength, segments === 1 ? 70 : segments * 67);
  if (text.length <= units) return text;
  let out = '';
  for (const ch of text) {
    if (out.length + ch.length > units - 3) break;
    out += ch;
  }
  return `${out}...`;
}
