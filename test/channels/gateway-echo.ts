// Test helper of sms-gateway-secrets.test.ts: how a gateway reads a request (fieldsOf, xmlValues), how an echo is
// searched for a secret (decodings, shows), and the run its echo cases share (expectNoneShown): a real monitor whose
// channels send to a gateway that refuses each request and echoes it, then channels/, health/ and the failure log
// read for what must not show.

import { expect } from 'vitest';
import type { ChannelOptions } from '../../src/channels/index.js';
import { answeringReceiver, type ChannelRow, serveAlerted } from './admin-server.js';
import { htmlDecoded } from './html-decode.js';
import type { Received } from './receiver.js';

/** The values the gateway read from the request (query, then form, JSON leaves or XML element texts). */
export function fieldsOf(r: Received): string[] {
  const out = [...new URL(r.url, 'http://x').searchParams.values()];
  const leaves = (v: unknown): string[] =>
    typeof v === 'string' ? [v] : v && typeof v === 'object' ? Object.values(v).flatMap(leaves) : [];
  if (r.json !== undefined) out.push(...leaves(r.json));
  else if (r.raw.startsWith('<')) out.push(...[...r.raw.matchAll(/>([^<]+)</g)].map((m) => m[1]!));
  else out.push(...new URLSearchParams(r.raw).values());
  return out;
}

/** XML 1.0's references (its five named entities, decimal and hex character references): how a gateway reads a value. */
const xmlDecoded = (s: string) =>
  s.replace(/&(?:#[xX]([0-9A-Fa-f]+)|#(\d+)|(amp|lt|gt|quot|apos));/g, (_, hex, dec, name) =>
    name !== undefined
      ? ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[name as string]!
      : String.fromCodePoint(Number.parseInt((hex ?? dec) as string, hex !== undefined ? 16 : 10)),
  );

/** What an XML gateway reads of a request: its attribute values and element texts resolved, CDATA as it stands. */
export function xmlValues(raw: string): string[] {
  return [...raw.matchAll(/<!\[CDATA\[([\s\S]*?)\]\]>|="([^"]*)"|>([^<]+)</g)].map(
    (m) => m[1] ?? xmlDecoded((m[2] ?? m[3]) as string),
  );
}

/** `text` with JSON escapes, HTML entities and percent-encoding undone, in any order, up to three steps. */
export function decodings(text: string): string[] {
  const json = (s: string) =>
    s.replace(
      /\\u([0-9a-f]{4})|\\(["\\/])/gi,
      (_, u: string, c: string | undefined) => c ?? String.fromCharCode(Number.parseInt(u, 16)),
    );
  const entities = (s: string) =>
    s.replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
  const pct = (s: string) =>
    s.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
  let all = new Set([text]);
  for (let step = 0; step < 3; step++) {
    all = new Set([...all].flatMap((s) => [s, json(s), entities(s), pct(s)]));
  }
  return [...all];
}

/** Whether `secret` shows in `text`: anywhere (any case) from 8 characters, as a whole word when shorter. */
export function shows(text: string, secret: string): boolean {
  if (secret.length >= 8) return text.toUpperCase().includes(secret.toUpperCase());
  return new RegExp(`(?<![A-Za-z0-9])${secret}(?![A-Za-z0-9])`).test(text);
}

/** One echo case: channels sending to a gateway that refuses every request and echoes what it got. */
export interface Echo {
  /** The channels, each sending to the gateway at `origin`. */
  channels: (origin: string) => ChannelOptions[];
  /** The gateway's refusal: its status (400 unless given; or the n-th request's, from 1) and its text. */
  status?: number | ((n: number) => number);
  answer: (r: Received) => string;
  /** The oracle's premise: the gateway got (and echoed) what must not show. */
  premise: (received: Received[]) => void;
  /** Each channel's last_error in channels/: exactly (in order), or the pattern each matches. */
  lastErrors: string[] | RegExp;
  /** Not to show in any decoding of any output: secrets as `shows` finds them, digit strings anywhere. */
  secrets: string[];
  digits?: string[];
}

/**
 * Runs `c`: every channel alerted once, each one's failure in channels/ (its last_error), health/ (the same) and the
 * log (one "is failing" line each). None of these, nor any admin API body or log line, shows a secret or a digit
 * string of `c`, read as is, with JSON escapes, entities and percent-encoding undone (decodings) or as HTML reads it.
 */
export async function expectNoneShown(c: Echo): Promise<void> {
  const rx = await answeringReceiver(c.status ?? 400, c.answer);
  const configured = c.channels(rx.origin);
  const { call, logger, readChannels, bodies } = await serveAlerted(configured);
  c.premise(rx.received);
  const channels = await readChannels();
  const health = (await call('health/?detailed=true')).body.data.channels as ChannelRow[];
  const failing = logger.lines.filter((l) => l.includes('is failing'));
  expect(failing).toHaveLength(configured.length);
  if (Array.isArray(c.lastErrors)) expect(channels.map((ch) => ch.last_error)).toEqual(c.lastErrors);
  else for (const ch of channels) expect(ch.last_error, ch.name).toMatch(c.lastErrors);
  const outputs = [...channels, ...health].map((ch) => ch.last_error).concat(failing);
  for (const text of [...outputs, ...bodies, ...logger.lines]) {
    for (const decoded of [...decodings(text), htmlDecoded(text)]) {
      for (const s of c.secrets) expect(shows(decoded, s), `${s} in ${decoded}`).toBe(false);
      for (const d of c.digits ?? []) expect(decoded, d).not.toContain(d);
    }
  }
}
