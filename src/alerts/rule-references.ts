// Rule names that options refer to (a channel's `rules` filter, a maintenance window's `rule`) checked at setup
// against the monitor's rules (built-in and `alerts.rules`; none are added later): a typo would be a channel that
// never pages, or a window that holds nothing (outside review 37, RT37-4), as a silence naming no rule is refused.

import { invalidOption } from '../errors.js';
import { didYouMean } from '../options/option-keys.js';
import { ALERT_HINTS } from './rules.js';

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Throws ERR_SYSVITALS_INVALID_OPTION naming the first rule name in `channels[i].rules` or `maintenance[i].rule`
 * that no rule of `known` has, with a did-you-mean. Malformed options are left to their own parsers.
 */
export function checkRuleReferences(
  options: { channels?: unknown; maintenance?: unknown },
  known: readonly string[],
): void {
  const check = (name: unknown, at: string) => {
    if (typeof name !== 'string' || name === '' || known.includes(name)) return;
    const listed = known.slice(0, 20).join(', ');
    throw invalidOption(
      `sysvitals: \`${at}\` names the alert rule ${JSON.stringify(name)}, which no rule has: it would match no alert.` +
        `${didYouMean(name, known, ALERT_HINTS)} Known rules: ${listed}${known.length > 20 ? ` and ${known.length - 20} more` : ''}.`,
    );
  };
  if (Array.isArray(options.channels)) {
    options.channels.forEach((c, i) => {
      if (!isObject(c) || !Array.isArray(c.rules)) return;
      c.rules.forEach((r, j) => {
        check(r, `channels[${i}].rules[${j}]`);
      });
    });
  }
  if (Array.isArray(options.maintenance)) {
    options.maintenance.forEach((m, i) => {
      if (isObject(m)) check(m.rule, `maintenance[${i}].rule`);
    });
  }
}

/**
 * `alerts.anomaly.series` may name custom series that analytics.observe() opens at run time, so a name that is not
 * a built-in series cannot be refused at setup; one that is a near miss of a built-in name (`latency_p59`) is warned
 * about once, at setup, as it scores nothing until something observes a series of that name.
 */
export function nearMissSeries(series: readonly string[] | null, builtIn: readonly string[]): string[] {
  const out: string[] = [];
  for (const s of series ?? []) {
    if (builtIn.includes(s)) continue;
    const hint = didYouMean(s, builtIn, ALERT_HINTS);
    if (hint) out.push(`${JSON.stringify(s)} (${hint.trim()})`);
  }
  return out;
}
