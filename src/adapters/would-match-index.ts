// The layers of a router stack a path's lookup has to try (outside review 30, RT30-9): an index of the stack, built
// once per change of the stack (its length or last layer), that groups the layers whose template starts with a
// literal segment by that segment (lower-cased: a superset for case-sensitive routers), and keeps every other
// layer (parameter, wildcard, RegExp or array templates, mounts, middleware) in a list tried for every path. A
// path whose first segment no template starts with tries only that list: a junk flood behind an auth middleware no
// longer walks 1,000 routes. Each candidate is still tested with the layer's own match, in stack order.

/** A first segment taken as a literal: the characters no path syntax (Express 4 and 5, @koa/router) gives a meaning. */
const LITERAL = /^[A-Za-z0-9_~.-]*$/;
/** The index pays from this many layers on; below it the stack is walked as it is. */
const MIN_LAYERS = 16;

interface Index {
  length: number;
  last: unknown;
  byFirst: Map<string, number[]>;
  others: number[];
}

const indexes = new WeakMap<object, Index>();

/**
 * The layers of `stack` that can match `path`, in stack order: the whole stack when it is short or the path's first
 * segment is not a plain literal (`//x`, `%`-escapes), else those indexed under its first segment and the others.
 * `templateOf` gives a layer's template when it is a string (undefined: always tried).
 */
export function candidateLayers(
  stack: unknown[],
  path: string,
  templateOf: (layer: unknown) => unknown,
): unknown[] {
  if (stack.length < MIN_LAYERS) return stack;
  const first = firstSegment(path);
  if (first === undefined || first === '') return stack;
  let index = indexes.get(stack);
  if (index === undefined || index.length !== stack.length || index.last !== stack[stack.length - 1]) {
    index = build(stack, templateOf);
    indexes.set(stack, index);
  }
  const own = index.byFirst.get(first.toLowerCase());
  const others = index.others;
  if (own === undefined) return others.map((i) => stack[i]);
  // Merge the two ascending lists of positions.
  const out: unknown[] = [];
  let a = 0;
  let b = 0;
  while (a < own.length || b < others.length) {
    const x = a < own.length ? (own[a] as number) : Number.POSITIVE_INFINITY;
    const y = b < others.length ? (others[b] as number) : Number.POSITIVE_INFINITY;
    if (x < y) {
      out.push(stack[x]);
      a++;
    } else {
      out.push(stack[y]);
      b++;
    }
  }
  return out;
}

/** `/users/42` -> `users`; undefined when not a plain literal. */
function firstSegment(path: string): string | undefined {
  if (path.charCodeAt(0) !== 47) return undefined;
  const end = path.indexOf('/', 1);
  const first = end < 0 ? path.slice(1) : path.slice(1, end);
  return LITERAL.test(first) ? first : undefined;
}

function build(stack: unknown[], templateOf: (layer: unknown) => unknown): Index {
  const byFirst = new Map<string, number[]>();
  const others: number[] = [];
  for (let i = 0; i < stack.length; i++) {
    let key: string | undefined;
    try {
      const template = templateOf(stack[i]);
      key = typeof template === 'string' ? firstSegment(template) : undefined;
    } catch {
      key = undefined;
    }
    // A template of `/` alone (or a literal that ends the path) still starts with its segment, `` for `/`.
    if (key === undefined || key === '') {
      others.push(i);
      continue;
    }
    const lower = key.toLowerCase();
    const list = byFirst.get(lower);
    if (list === undefined) byFirst.set(lower, [i]);
    else list.push(i);
  }
  return { length: stack.length, last: stack[stack.length - 1], byFirst, others };
}
