// Duplicate keys in a JSON text: JSON.parse keeps the last, while a proxy or WAF in front may have judged the
// first ("rule":"cpu" checked, "rule":"disk" applied), so a body with one is refused rather than guessed at.

/**
 * The first duplicate key of a text that JSON.parse accepted, as its path (`labels.env`), or undefined.
 * Keys are compared decoded ("a" and "\u0061" are one key), per object at every depth.
 */
export function findDuplicateKey(text: string): string | undefined {
  // One frame per open container: an object's keys so far and whether the next string is a key.
  const stack: Array<{ keys: Set<string> | null; expectKey: boolean; path: string }> = [];
  let lastKey = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      let escaped = false;
      for (; j < text.length; j++) {
        const d = text.charCodeAt(j);
        if (d === 0x5c /* \ */) {
          escaped = true;
          j++;
        } else if (d === 0x22) break;
      }
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        // The text parsed, so the token is a valid JSON string; decode only when it holds an escape.
        const key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        const path = top.path === '' ? key : `${top.path}.${key}`;
        if (top.keys.has(key)) return path;
        top.keys.add(key);
        top.expectKey = false;
        lastKey = path;
      }
      i = j;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const top = stack[stack.length - 1];
      // A container's path: the key it is the value of, or its parent's path inside an array.
      const path = top === undefined ? '' : top.keys ? lastKey : `${top.path}[]`;
      stack.push({ keys: c === 0x7b ? new Set() : null, expectKey: true, path });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = true;
    }
  }
  return undefined;
}
