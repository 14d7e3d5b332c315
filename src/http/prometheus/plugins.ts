// Prometheus families of collector plugins: every numeric (or boolean) figure of `plugins.<name>` as a
// gauge `<prefix>plugin_<name>_<path>`, where an object whose values are all objects (a record such as
// `queues: { jobs: {…} }`) turns its keys into `key`, `key2`… labels; plus `<prefix>plugin_up`. Keys that sanitise
// to one name give that series once (the first key's), within a plugin as across plugins; so do keys that are one
// label value in UTF-8 (a lone surrogate and U+FFFD). A record holds at most the plugin's maxRecordKeys keys
// (src/collector/plugin-records.ts); the count left out is `<prefix>plugin_<name>_dropped_keys{key="<record path>"}`.

import {
  BUILTIN_FAMILIES as F,
  pluginFamilyPrefix,
  sanitizeNamePart,
} from '../../custom/builtin-families.js';
import { wellFormed } from '../../custom/well-formed.js';
import type { PluginGroup } from '../../types.js';

interface Sample {
  labels: string[];
  value: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** A group's samples by metric-name suffix; `taken` names each series once (suffix and record keys). */
interface Families {
  bySuffix: Map<string, Sample[]>;
  taken: Set<string>;
}

/**
 * Numeric leaves of a group by metric-name suffix, each with its record keys. Keys that sanitise alike (`a-b` and
 * `a_b`) would give one series twice, which a scrape must not hold: the first in the group's key order is kept.
 */
function collectSamples(v: unknown, name: string, labels: string[], out: Families, depth: number): void {
  if (depth > 5 || out.bySuffix.size > 200) return;
  if (typeof v === 'boolean') v = v ? 1 : 0;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return;
    // The suffix is `[a-zA-Z0-9_]*`: the separator cannot occur in it.
    const series = `${name}\u0000${JSON.stringify(labels)}`;
    if (out.taken.has(series)) return;
    out.taken.add(series);
    const list = out.bySuffix.get(name) ?? [];
    list.push({ labels, value: v });
    out.bySuffix.set(name, list);
    return;
  }
  if (!isRecord(v)) return;
  const entries = Object.entries(v).filter(([k]) => depth > 0 || (k !== 'status' && k !== 'error'));
  const record = depth > 0 && entries.length > 0 && entries.every(([, child]) => isRecord(child));
  for (const [k, child] of entries) {
    // The record keys a plugin's bound left out, by record path: `plugin_<name>_dropped_keys{key="queues"}`.
    if (depth === 0 && k === 'dropped_keys' && isRecord(child)) {
      for (const [path, n] of Object.entries(child))
        collectSamples(n, 'dropped_keys', [wellFormed(path)], out, 1);
      continue;
    }
    // A key that is not well-formed UTF-16 is the label value of its well-formed spelling (U+FFFD for a lone
    // surrogate), which the scrape's UTF-8 writes alike: `jobs\ud800` and `jobs\ufffd` are one series, the first's.
    if (record) collectSamples(child, name, [...labels, wellFormed(k)], out, depth + 1);
    else
      collectSamples(
        child,
        name === '' ? sanitizeNamePart(k) : `${name}_${sanitizeNamePart(k)}`,
        labels,
        out,
        depth + 1,
      );
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
  const up = prefix + F.plugin_up.name;
  out.push(`# HELP ${up} ${F.plugin_up.help}`, `# TYPE ${up} ${F.plugin_up.type}`);
  // Two plugins can still meet (`a` with figure `b_c`, `a_b` with `c`): the first keeps the family, as a
  // second HELP line for one name would make the whole scrape unparseable.
  const seen = new Set<string>();
  for (const [name, g] of entries)
    out.push(`${up}{plugin="${escapeLabelValue(name)}"} ${g.status === 'unknown' ? 0 : 1}`);
  for (const [name, group] of entries) {
    if (group.status === 'unknown') continue;
    const families: Families = { bySuffix: new Map(), taken: new Set() };
    collectSamples(group, '', [], families, 0);
    for (const [suffix, samples] of families.bySuffix) {
      const family = `${prefix}${pluginFamilyPrefix(name)}${suffix}`;
      if (seen.has(family)) continue;
      seen.add(family);
      out.push(`# HELP ${family} Collector plugin ${name}: ${suffix}.`, `# TYPE ${family} gauge`);
      for (const s of samples) {
        const labels = s.labels.map((k, i) => `${i === 0 ? 'key' : `key${i + 1}`}="${escapeLabelValue(k)}"`);
        out.push(`${family}${labels.length ? `{${labels.join(',')}}` : ''} ${formatValue(s.value)}`);
      }
    }
  }
}
