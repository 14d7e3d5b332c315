// A strict reader of the Prometheus text format (0.0.4) for tests: families, types and samples.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;
const SUFFIXES = ['_bucket', '_sum', '_count'];

function unescapeLabel(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseValue(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  const n = Number(text);
  if (Number.isNaN(n)) throw new Error(`bad value ${text}`);
  return n;
}

/** Throws on anything out of grammar: a sample before its TYPE, a family split in two, a bad label. */
export function parseExposition(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const families = new Map<string, Family>();
  let current: Family | undefined;
  let help = '';
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.startsWith('# HELP ')) {
      const [, , name, ...rest] = line.split(' ');
      help = rest.join(' ');
      if (families.has(name as string)) throw new Error(`family ${name} appears twice`);
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      if (families.has(name as string)) throw new Error(`family ${name} appears twice`);
      current = { name: name as string, type: type as string, help, samples: [] };
      families.set(current.name, current);
      help = '';
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`bad line: ${JSON.stringify(line)}`);
    const name = m[1] as string;
    const base =
      current && (current.type === 'histogram' || current.type === 'summary')
        ? SUFFIXES.reduce((n, s) => (n.endsWith(s) ? n.slice(0, -s.length) : n), name)
        : name;
    if (!current || base !== current.name) throw new Error(`sample ${name} outside its family`);
    const labels: Record<string, string> = {};
    const body = m[3] ?? '';
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < body.length) {
      const l = LABEL.exec(body);
      if (!l) throw new Error(`bad labels: ${body}`);
      labels[l[1] as string] = unescapeLabel(l[2] as string);
    }
    current.samples.push({ name, labels, value: parseValue(m[4] as string) });
  }
  return families;
}

/** The one sample of `name` whose labels include `labels`. */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name !== name) continue;
      if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
    }
  }
  return undefined;
}
