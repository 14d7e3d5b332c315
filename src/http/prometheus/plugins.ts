// Prometheus families of collector plugins: every numeric (or boolean) figure of `plugins.<name>` as a
// gauge `<prefix>plugin_<name>_<path>`, where an object whose values are all objects (a record such as
// `queues: { jobs: {…} }`) turns its keys into `key`, `key2`… labels; plus `<prefix>plugin_up`.

import type { PluginGroup } from '../../types.js';

interface Sample {
  labels: string[];
  value: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function sanitize(part: string): string {
  const s = part.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

/** Numeric leaves of a group by metric-name suffix, each with its record keys. */
function collectSamples(
  v: unknown,
  name: string,
  labels: string[],
  out: Map<string, Sample[]>,
  depth: number,
): void {
  if (depth > 5 || out.size > 200) return;
  if (typeof v === 'boolean') v = v ? 1 : 0;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return;
    const list = out.get(name) ?? [];
    list.push({ labels, value: v });
    out.set(name, list);
    return;
  }
  if (!isRecord(v)) return;
  const entries = Object.entries(v).filter(([k]) => depth > 0 || (k !== 'status' && k !== 'error'));
  const record = depth > 0 && entries.length > 0 && entries.every(([, child]) => isRecord(child));
  for (const [k, child] of entries) {
    if (record) collectSamples(child, name, [...labels, k], out, depth + 1);
    else collectSamples(child, name === '' ? sanitize(k) : `${name}_${sanitize(k)}`, labels, out, depth + 1);
  }
}

/** Appends the plugin families to `out`. */
export function renderPlugins(
  out: string[],
  plugins: Record<string, PluginGroup> | undefined,
  prefix: string,
  escapeLabelValue: (v: string) => string,
  formatValue: (v: number) => string,
): void {
  const entries = Object.entries(plugins ?? {});
  if (entries.length === 0) return;
  const up = `${prefix}plugin_up`;
  out.push(
    `# HELP ${up} Whether the collector plugin's last collection succeeded (1) or not (0).`,
    `# TYPE ${up} gauge`,
  );
  for (const [name, g] of entries)
    out.push(`${up}{plugin="${escapeLabelValue(name)}"} ${g.status === 'unknown' ? 0 : 1}`);
  for (const [name, group] of entries) {
    if (group.status === 'unknown') continue;
    const families = new Map<string, Sample[]>();
    collectSamples(group, '', [], families, 0);
    for (const [suffix, samples] of families) {
      const family = `${prefix}plugin_${sanitize(name)}_${suffix}`;
      out.push(`# HELP ${family} Collector plugin ${name}: ${suffix}.`, `# TYPE ${family} gauge`);
      for (const s of samples) {
        const labels = s.labels.map((k, i) => `${i === 0 ? 'key' : `key${i + 1}`}="${escapeLabelValue(k)}"`);
        out.push(`${family}${labels.length ? `{${labels.join(',')}}` : ''} ${formatValue(s.value)}`);
      }
    }
  }
}
