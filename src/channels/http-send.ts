// The HTTP request every HTTP channel makes: one attempt, aborted by the queue's signal, failures classified for retry.

import type { SendContext } from './types.js';

/** A failed attempt; `retry` says whether another attempt may succeed (network error, timeout, 408, 429, 5xx). */
export class DeliveryError extends Error {
  readonly retry: boolean;
  /** How long the receiver asked to wait before the next attempt (a 429's or 503's `Retry-After`), in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, retry: boolean, retryAfterMs?: number) {
    super(message);
    this.name = 'DeliveryError';
    this.retry = retry;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * The wait a 429 or 503 asks for: `Retry-After` in seconds or as an HTTP date (RFC 9110 §10.2.3), else a
 * JSON body's `retry_after` in seconds (Discord, Slack's Web API answers). Undefined when none is given.
 */
export function retryAfterMs(res: Response, text: string, nowMs: number): number | undefined {
  if (res.status !== 429 && res.status !== 503) return undefined;
  const header = res.headers.get('retry-after')?.trim();
  if (header) {
    if (/^\d+$/.test(header)) return Number(header) * 1000;
    const at = Date.parse(header);
    if (Number.isFinite(at)) return Math.max(0, at - nowMs);
  }
  try {
    const v = (JSON.parse(text) as { retry_after?: unknown } | null)?.retry_after;
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v * 1000;
  } catch {
    // not JSON
  }
  return undefined;
}

/**
 * How much of a receiver's answer is read: enough for an error excerpt, Slack's `ok`, a `retry_after`. The rest is
 * never read: the body is cancelled, so a receiver answering with a download (or a hostile one) costs no memory.
 */
export const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * The first `max` bytes of `res`'s body as text (a cut UTF-8 character becomes U+FFFD); the body is cancelled when
 * longer, which closes the connection instead of downloading the rest.
 */
export async function readBounded(res: Response, max: number = MAX_ANSWER_BYTES): Promise<string> {
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let cut = false;
  while (size < max) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  if (size >= max) {
    cut = true;
    await reader.cancel().catch(() => undefined);
  }
  const all = Buffer.concat(chunks, size);
  return new TextDecoder().decode(cut ? all.subarray(0, max) : all);
}

export interface HttpRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** The most of the answer read (MAX_ANSWER_BYTES unless a channel needs more of a 2xx answer). */
  maxAnswerBytes?: number;
}

/**
 * Sends one request and resolves with the response body text on 2xx. The error message names the
 * status or the network cause, never the URL (webhook URLs carry their secret in the path).
 */
export async function httpSend(req: HttpRequest, ctx: SendContext): Promise<string> {
  const { url, headers } = withUrlCredentials(req.url, req.headers);
  let res: Response;
  try {
    res = await fetch(url, {
      method: req.method ?? 'POST',
      headers,
      body: req.body,
      signal: ctx.signal,
      redirect: 'error',
    });
  } catch (err) {
    throw new DeliveryError(networkMessage(err, ctx.signal), true);
  }
  let text = '';
  try {
    text = await readBounded(res, req.maxAnswerBytes ?? MAX_ANSWER_BYTES);
  } catch (err) {
    throw new DeliveryError(networkMessage(err, ctx.signal), true);
  }
  if (res.ok) return text;
  const retry = res.status >= 500 || res.status === 429 || res.status === 408;
  throw new DeliveryError(`HTTP ${res.status}${detail(text)}`, retry, retryAfterMs(res, text, Date.now()));
}

/**
 * fetch refuses URLs with `user:password@`: they become an `Authorization: Basic` header (unless the
 * channel sets its own Authorization header) and leave the URL, as curl and Prometheus do.
 */
export function withUrlCredentials(
  href: string,
  headers: Record<string, string> | undefined,
): { url: string; headers: Record<string, string> | undefined } {
  const url = new URL(href);
  if (url.username === '' && url.password === '') return { url: href, headers };
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  const own = headers !== undefined && Object.keys(headers).some((k) => k.toLowerCase() === 'authorization');
  if (own) return { url: url.href, headers };
  const basic = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  return { url: url.href, headers: { ...headers, authorization: basic } };
}

/** Sends JSON; the parsed answer (or undefined when it is not JSON). */
export async function postJson(
  url: string,
  body: unknown,
  ctx: SendContext,
  headers: Record<string, string> = {},
  maxAnswerBytes: number = MAX_ANSWER_BYTES,
): Promise<unknown> {
  const text = await httpSend(
    {
      url,
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      maxAnswerBytes,
    },
    ctx,
  );
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

function networkMessage(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) {
    const reason = signal.reason as { name?: string } | undefined;
    return reason?.name === 'TimeoutError' ? 'timed out' : 'aborted';
  }
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `network error: ${cause}` : `network error: ${e?.message ?? String(err)}`;
}

/**
 * An excerpt of an error answer (receivers explain refusals there: Slack `invalid_payload`). Long enough to hold a
 * secret it echoes whole: the channel's queue redacts it, then cuts what it shows (redact.ts, MAX_SHOWN), so a cut
 * here never leaves part of a secret for redaction to miss.
 */
function detail(text: string): string {
  const t = text.trim().replace(/\s+/g, ' ');
  if (t === '') return '';
  return `: ${t.length > 4000 ? `${t.slice(0, 4000)}…` : t}`;
}
