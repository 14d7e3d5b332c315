// Prometheus families of custom metrics: counters (`_total`), gauges, and histograms with cumulative
// buckets counted against the bounds as values are observed, each with the metric's help text.

import { exposedFamily } from '../../custom/builtin-families.js';
import type { CustomMetric } from '../../custom/registry.js';

/** The text-format helpers of prometheus.ts, passed in so that this file does not import it back. */
export interface TextHelpers {
  escapeLabelValue(value: string): string;
  formatValue(value: number): string;
}

function labelText(
  escapeLabelValue: (v: string) => string,
  labels: Record<string, string>,
  extra?: string,
): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  if (extra) parts.push(extra);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Appends every custom metric's family to `out`. `now` drains histograms before they are read. */
export function renderCustom(
  out: string[],
  metrics: Iterable<CustomMetric>,
  prefix: string,
  now: number,
  text: TextHelpers,
): void {
  const { formatValue } = text;
  const labels = (l: Record<string, string>, extra?: string) => labelText(text.escapeLabelValue, l, extra);
  for (const m of metrics) {
    const help = escapeHelp(m.config.help);
    if (m.type === 'counter') {
      const name = prefix + exposedFamily(m.name, 'counter');
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const s of m.totals()) out.push(`${name}${labels(s.labels)} ${formatValue(s.value)}`);
    } else if (m.type === 'gauge') {
      const name = `${prefix}${m.name}`;
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
      // As last set or sampled: a scrape is a read, it runs no collect() of yours (README "Reads change nothing").
      for (const s of m.snapshot(false).series)
        out.push(`${name}${labels(s.labels)} ${formatValue(s.value)}`);
    } else {
      const name = `${prefix}${m.name}`;
      const le = [...m.config.buckets.map((b) => `le="${formatValue(b)}"`), 'le="+Inf"'];
      const counts: number[] = new Array(le.length);
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
      for (const s of m.totals(now)) {
        // Counted at observe() against the bounds themselves: a value just above a bound (1000.1 for
        // le="1000") is not in it, as its HDR slot (which starts below the bound) would put it.
        let acc = 0;
        for (let i = 0; i < le.length; i++) {
          acc += s.buckets[i] as number;
          counts[i] = acc;
        }
        for (let i = 0; i < le.length; i++) out.push(`${name}_bucket${labels(s.labels, le[i])} ${counts[i]}`);
        out.push(
          // The exact float sum, unrounded (outside review 31, RT31-1: a quantum of 1e-6 scraped observe(4e-7) as 0).
          `${name}_sum${labels(s.labels)} ${formatValue(s.sum)}`,
          `${name}_count${labels(s.labels)} ${s.histogram.totalCount}`,
        );
      }
    }
  }
}
