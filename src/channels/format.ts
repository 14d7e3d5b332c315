// Words and colours shared by the channel formats: titles, one line per alert, values with units.

import type { Notification, NotifiedAlert } from './types.js';

/** Units of the built-in rules' values; other rules show the bare number. */
const UNITS: Readonly<Record<string, string>> = {
  cpu: '%',
  memory: '%',
  disk: '%',
  error_rate: '%',
  db_latency: ' ms',
  api_response_time: ' ms',
};

/** Availability rules measure 1 = answering, 0 = not. */
const AVAILABILITY = new Set(['database', 'redis']);

export const COLORS = Object.freeze({ critical: '#d7263d', warning: '#f5a623', resolved: '#2eb67d' });

/** The colour of a notification: resolved green, else the worst severity's. */
export function colorOf(n: Notification): string {
  if (n.status === 'resolved') return COLORS.resolved;
  return n.alerts.some((a) => a.severity === 'critical') ? COLORS.critical : COLORS.warning;
}

/**
 * `97.2%`, `850 ms`, `not answering`: an availability rule's value is whether the probe was answered, not a verdict
 * on the dependency (a pool held by long statements reads 0 too; its message says so: outside review 11, F3).
 */
export function valueText(a: NotifiedAlert): string {
  if (AVAILABILITY.has(a.rule)) return a.value === 0 ? 'not answering' : 'answering';
  return `${a.value}${UNITS[a.rule] ?? ''}`;
}

/** `≥ 90%`, or `must answer` for availability rules. */
export function thresholdText(a: NotifiedAlert): string {
  if (AVAILABILITY.has(a.rule)) return 'must answer';
  return `${a.threshold}${UNITS[a.rule] ?? ''}`;
}

/** `FIRING`, `FIRING (repeat)` or `RESOLVED`. */
export function stateText(n: Notification): string {
  if (n.status === 'resolved') return 'RESOLVED';
  return n.repeat ? 'FIRING (repeat)' : 'FIRING';
}

/** The rules of the group, distinct, in order. */
export function rulesOf(n: Notification): string[] {
  return [...new Set(n.alerts.map((a) => a.rule))];
}

/** `[FIRING] cpu critical on web-1` or `[RESOLVED:2] cpu, memory on web-1`: state, rules, host. */
export function titleOf(n: Notification): string {
  const count = n.alerts.length > 1 ? `:${n.alerts.length}` : '';
  const first = n.alerts[0];
  const what =
    n.alerts.length === 1 && first && n.status === 'firing'
      ? `${first.rule} ${first.severity}`
      : rulesOf(n).join(', ');
  return `[${stateText(n)}${count}] ${what} on ${n.host}`;
}

/**
 * A resolved alert's text: its value now, then the alert's last text, labelled as such. The message is what the
 * alert said while it fired ("custom.g is 25 (critical at or above 20)"), or its clear's own notice; sent bare
 * beside the value now, a resolved notice read "is 25, critical" (outside review 27, RT27-3).
 */
export function resolvedText(a: NotifiedAlert): string {
  // Cleared for lack of a reading (src/alerts/observations.ts noReading: "…: no reading (…)"): the message is the
  // clear's own and the value the last one read, not a value now (outside review 28, RT28-3).
  if (noReading(a)) return `${a.message}; last value read ${valueText(a)}`;
  return `now ${valueText(a)}; last reported: ${a.message}`;
}

/** True when `a` was cleared with no reading: its message is the clear's notice (observations.ts noReading). */
export function noReading(a: NotifiedAlert): boolean {
  return /: no reading \(/.test(a.message);
}

/** `critical cpu: CPU usage critical, 97.2% (threshold 90%)` or `resolved cpu after 120 s, now 40%; last reported: …`. */
export function alertLine(a: NotifiedAlert, status: Notification['status']): string {
  if (status === 'resolved') {
    return `resolved ${a.rule} after ${a.duration_seconds} s, ${resolvedText(a)}`;
  }
  return `${a.severity} ${a.rule}: ${a.message}, ${valueText(a)} (threshold ${thresholdText(a)})`;
}

/** Plain text: the title, then one line per alert, then the dashboard link. */
export function plainText(n: Notification): string {
  const lines = [titleOf(n), '', ...n.alerts.map((a) => `- ${alertLine(a, n.status)}`)];
  if (n.dashboard_url) lines.push('', `Dashboard: ${n.dashboard_url}`);
  return lines.join('\n');
}

/**
 * Cuts to `max` characters (UTF-16 code units, never more code points) with an ellipsis, never between the two
 * halves of a surrogate pair (a lone half is not valid Unicode in the JSON a service receives).
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const last = text.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** The alerts, critical first, otherwise in their order: what a cut message keeps are the most severe. */
export function bySeverity<T extends { severity: string }>(alerts: readonly T[]): T[] {
  return [...alerts].sort(
    (a, b) => (b.severity === 'critical' ? 1 : 0) - (a.severity === 'critical' ? 1 : 0),
  );
}

/**
 * The largest cap in `[1, max]` for which `fits(cap)` holds (`fits` holds for smaller caps when it does for a larger
 * one), or 0 when none does: the common length every alert's text is cut to so that a message keeps within a
 * receiver's whole-message limit, each text shortened only as far as the others are (outside review 34, RT34-1).
 */
export function largestFit(max: number, fits: (cap: number) => boolean): number {
  if (fits(max)) return max;
  let lo = 0;
  let hi = max;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Escapes text for HTML bodies. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A number and a dot at the start of a line: a numbered list item in both markdowns. */
const NUMBERED = /^(\s*\d+)\./gm;

/**
 * Alert text as literal Discord markdown (embed descriptions render it: outside review 31, RT31-4, a masked link
 * `[label](url)` from a dependency's error). Discord's parser reads `\` before any character but a letter, a digit
 * or white space as that character: each markdown character (emphasis, code, spoiler, quote, heading, list, link,
 * `<…>` mentions and timestamps) is escaped, a line's leading `1.` too; an `https://` link is left as typed
 * (DISCORD_URL).
 */
export function escapeDiscordMarkdown(text: string): string {
  let out = '';
  let from = 0;
  DISCORD_URL.lastIndex = 0;
  for (let m = DISCORD_URL.exec(text); m !== null; m = DISCORD_URL.exec(text)) {
    out += escapeDiscordRun(text.slice(from, m.index));
    from = DISCORD_URL.lastIndex;
    // The link Discord takes is 2 characters or more after `//` and ends before a trailing `.,:;"')]`, which stays
    // bare too: a `)` or `]` escaped would give the link its backslash, and bare it closes nothing (every opener is
    // escaped). Before a `<` (whose escape's backslash the link would take, leaving `<@…>` bare) or without such an
    // end, the scheme's `:` is escaped (`https\://`: no link) and the rest as other text.
    const linked = text[from] !== '<' && /[^.,:;"')\]]/.test(m[0].slice(m[0].indexOf('//') + 3));
    out += linked ? m[0] : escapeDiscordRun(m[0]).replace(':', '\\:');
  }
  return out + escapeDiscordRun(text.slice(from));
}

/**
 * A link Discord shows as typed (review 32, RT32-8): its parser's url rule (simple-markdown's
 * `https?://[^\s<]+[^<.,:;"')\]\s]`, tried wherever a token ends) takes what follows `https://` as the link and reads
 * no markdown in it, so a backslash there became part of the link. The longest run, as the rule reads it.
 */
const DISCORD_URL = /https?:\/\/[^\s<]+/g;

/** Text outside links, escaped for Discord (escapeDiscordMarkdown). */
function escapeDiscordRun(text: string): string {
  return text.replace(/[\\*_~`|<>#\-[\]()]/g, '\\$&').replace(NUMBERED, '$1\\.');
}

/**
 * Alert text as literal Adaptive Card TextBlock markdown (Teams), a CommonMark subset: a `\` before ASCII
 * punctuation is that character (CommonMark §2.4). Emphasis, links, images, lists, headings, quotes, code, HTML and
 * entity references (`&`) are escaped.
 */
export function escapeCommonMark(text: string): string {
  return text.replace(/[\\`*_~[\]()<>#+\-!&|]/g, '\\$&').replace(NUMBERED, '$1\\.');
}
