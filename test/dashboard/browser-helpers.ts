// Shared setup of the dashboard's Chromium tests: Debian's Chromium through playwright-core, a tab that
// records page errors, and reading the admin API's JSON from Node for the oracle.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const MISSING = 'install chromium (apt-get install --no-install-recommends chromium)';
/** Missing chromium skips on a developer's machine (with the message) and fails in CI, where it must run. */
export const skipBrowser = !existsSync(CHROMIUM) && process.env.CI !== 'true';

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Playwright's own default viewport, which some tests were written against. */
export const DEFAULT_VIEWPORT = { width: 1280, height: 720 };

/** The page's locale and time zone: en-US in UTC unless a test reads the times of another. */
export interface Region {
  locale: string;
  timezoneId: string;
}

export async function launch(
  viewport = { width: 1366, height: 900 },
  region: Region = { locale: 'en-US', timezoneId: 'UTC' },
): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`chromium is missing at ${CHROMIUM}: ${MISSING}`);
  const profile = mkdtempSync(join(tmpdir(), 'sysvitals-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    locale: region.locale,
    timezoneId: region.timezoneId,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** What watchPage records of a tab. */
export interface Watched {
  errors: string[];
  failed: string[];
  pageErrors: string[];
}

/**
 * Records what a tab reports as errors: `errors` gets page errors and console errors; `failed` every response
 * with a status of 400 or more (`404 GET <url>`), since Chromium's console line for one ("Failed to load
 * resource: ... 404") does not say which URL it was. Put `failedNote(failed)` in the no-errors assertion.
 * `pageErrors` gets the uncaught page errors' messages alone, for the tests that check only those.
 */
export function watchPage(page: Page): Watched {
  const errors: string[] = [];
  const failed: string[] = [];
  const pageErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => {
    errors.push(`pageerror: ${e.message}`);
    pageErrors.push(e.message);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${r.request().method()} ${r.url()}`);
  });
  return { errors, failed, pageErrors };
}

/** The message of a no-console-errors assertion: which requests failed. */
export function failedNote(failed: readonly string[]): string {
  return `responses with status >= 400: ${failed.length > 0 ? failed.join(', ') : 'none'}`;
}

/** A new tab with the token in its sessionStorage; see watchPage for `errors`, `failed` and `pageErrors`. */
export async function openPage(context: BrowserContext, token?: string): Promise<{ page: Page } & Watched> {
  const page = await context.newPage();
  const watched = watchPage(page);
  if (token) await page.addInitScript((t) => window.sessionStorage.setItem('sysvitals.adminToken', t), token);
  return { page, ...watched };
}

/** GET an admin API route from Node; the `data` of the answer. */
export async function apiData<T>(url: string, token?: string): Promise<T> {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const body = (await res.json()) as { success: boolean; data: T };
  if (!body.success) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
  return body.data;
}

/** The value at a dotted path (`process.gc.minor.count`) of a JSON object. */
export function at(obj: unknown, path: string): unknown {
  let v: unknown = obj;
  for (const k of path.split('.'))
    v = v === null || v === undefined ? undefined : (v as Record<string, unknown>)[k];
  return v;
}
