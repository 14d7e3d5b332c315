// The text of a thrown value, for error texts sysvitals shows (a plugin's or probe's failure, a job's last failure):
// an Error's message, a string as it is, an object's own `message`, else a short bounded rendering of the object
// (never `[object Object]`), without util.inspect's cost on a huge object (outside review 30, RT30-6/RT30-7).

/** Keys shown per object, items per array, characters per string, nesting levels. */
const MAX_KEYS = 8;
const MAX_STRING = 120;
const MAX_DEPTH = 2;
/** Stop adding once the rendering is this long (the callers cut to 200 after redaction). */
const MAX_TEXT = 400;

/**
 * The text of a thrown value without redaction: '' for `undefined` and `null` (nothing was given). Never throws
 * (a Proxy, a getter or a toString that throws reads `unknown error`), never calls a getter, and renders at most
 * MAX_KEYS keys an object (V8 still lists a huge object's keys once for `for...in`: a 500,000-key object took
 * 0.26 s against util.inspect's 0.85 s, 2026-12-06).
 */
export function thrownText(value: unknown): string {
  if (value === undefined || value === null) return '';
  try {
    if (value instanceof Error) return value.message || value.name;
    if (typeof value === 'string') return value;
    if (typeof value === 'object') {
      const message = ownValue(value, 'message');
      if (typeof message === 'string' && message !== '') return message;
      return render(value, MAX_DEPTH);
    }
    if (typeof value === 'function') return `[Function ${value.name || 'anonymous'}]`;
    return String(value);
  } catch {
    return 'unknown error';
  }
}

/** An own data property's value, or undefined (an accessor is not called). */
function ownValue(object: object, key: string): unknown {
  const d = Object.getOwnPropertyDescriptor(object, key);
  return d && 'value' in d ? d.value : undefined;
}

function quote(s: string): string {
  const cut = s.length > MAX_STRING ? `${s.slice(0, MAX_STRING)}…` : s;
  let out = '';
  for (let i = 0; i < cut.length; i++) {
    const c = cut.charCodeAt(i);
    // A control character (a line break) would split the one-line text: a space.
    out += c < 0x20 || c === 0x7f ? ' ' : c === 0x27 || c === 0x5c ? `\\${cut[i]}` : cut[i];
  }
  return `'${out}'`;
}

function render(value: unknown, depth: number): string {
  if (typeof value === 'string') return quote(value);
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'function') return `[Function ${value.name || 'anonymous'}]`;
    if (typeof value === 'symbol') return value.toString();
    return String(value);
  }
  if (value instanceof Error) return `[${value.name}: ${quote(value.message)}]`;
  if (depth === 0) return Array.isArray(value) ? '[Array]' : '[Object]';
  const parts: string[] = [];
  let length = 0;
  let more = false;
  if (Array.isArray(value)) {
    const n = value.length;
    for (let i = 0; i < n && i < MAX_KEYS; i++) {
      const part = render(ownValue(value, String(i)), depth - 1);
      parts.push(part);
      length += part.length + 2;
      if (length > MAX_TEXT) break;
    }
    more = n > parts.length;
    return `[ ${parts.join(', ')}${more ? ', …' : ''} ]`;
  }
  // for...in stops rendering at MAX_KEYS keys.
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (parts.length === MAX_KEYS || length > MAX_TEXT) {
      more = true;
      break;
    }
    const d = Object.getOwnPropertyDescriptor(value, key);
    const shown = d === undefined ? 'undefined' : 'value' in d ? render(d.value, depth - 1) : '[Getter]';
    const name = /^[A-Za-z_$][\w$]*$/.test(key) ? key : quote(key);
    const part = `${name}: ${shown}`;
    parts.push(part);
    length += part.length + 2;
  }
  const ctor = ownValue(Object.getPrototypeOf(value) ?? {}, 'constructor');
  const label =
    typeof ctor === 'function' && ctor.name !== 'Object' && ctor.name !== '' ? `${ctor.name} ` : '';
  if (parts.length === 0) return `${label}{}`;
  return `${label}{ ${parts.join(', ')}${more ? ', …' : ''} }`;
}
