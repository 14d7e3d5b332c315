// The series bound of a collector plugin's records (outside review 27, RT27-5): a record (an object below the
// group whose values are all objects, which Prometheus turns into `key` labels) keeps its first `maxRecordKeys`
// keys in its own key order (Object.keys: integer-like keys ascending, then insertion order); the keys left out
// are counted per record path in the group's `dropped_keys`. The user's objects are never changed: a record cut
// short, and the objects above it, are copies without a prototype.

/** Record keys kept per record by default, as custom metrics keep 100 label sets. */
export const DEFAULT_MAX_RECORD_KEYS = 100;
/** Deepest level walked, as the Prometheus walk. */
const MAX_DEPTH = 5;

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * `fields` with each record cut to `max` keys; `dropped` receives, per record path (`queues`, `queues.*.parts`
 * where `*` stands for the keys of the record above), how many keys were left out.
 */
export function boundRecords(fields: Plain, max: number, dropped: Map<string, number>): Plain {
  return bound(fields, 0, '', max, dropped) as Plain;
}

function bound(v: unknown, depth: number, path: string, max: number, dropped: Map<string, number>): unknown {
  if (depth > MAX_DEPTH || !isPlain(v)) return v;
  const keys = Object.keys(v);
  const record = depth > 0 && keys.length > 0 && keys.every((k) => isPlain(v[k]));
  const kept = record && keys.length > max ? keys.slice(0, max) : keys;
  if (kept.length < keys.length) dropped.set(path, (dropped.get(path) ?? 0) + keys.length - kept.length);
  let out: Plain | undefined = kept.length < keys.length ? Object.create(null) : undefined;
  for (const [i, k] of kept.entries()) {
    const child = v[k];
    const childPath = depth === 0 ? k : `${path}.${record ? '*' : k}`;
    const b = bound(child, depth + 1, childPath, max, dropped);
    if (b !== child && out === undefined) {
      out = Object.create(null) as Plain;
      for (const before of kept.slice(0, i)) out[before] = v[before];
    }
    if (out) out[k] = b;
  }
  return out ?? v;
}

/**
 * Why `group` cannot be served as JSON (a BigInt, a cycle, a throwing getter or toJSON), with the path of the first
 * figure at fault when it can be found; undefined when it can. The group is served in metrics/, history and the live
 * stream: one such figure made every metrics/ read a 500 (outside review 37, RT37-5).
 */
export function jsonProblem(group: Plain): string | undefined {
  try {
    JSON.stringify(group);
    return undefined;
  } catch (err) {
    const why = (err instanceof Error ? err.message : String(err)).split('\n')[0]; // V8's cycle message spans lines
    const path = faultPath(group, '', []);
    return path === undefined ? why : `${path}: ${why}`;
  }
}

function faultPath(v: unknown, path: string, above: unknown[]): string | undefined {
  if (typeof v === 'bigint') return path || '(the group)';
  if (v === null || typeof v !== 'object') return undefined;
  if (above.includes(v)) return `${path} (a cycle)`;
  above.push(v);
  try {
    for (const k of Object.keys(v)) {
      const p = faultPath((v as Plain)[k], path === '' ? k : `${path}.${k}`, above);
      if (p !== undefined) return p;
    }
  } catch {
    return path || '(the group)';
  } finally {
    above.pop();
  }
  return undefined;
}
