// Helpers for the issue-12 door tests: a WebSocket upgrade that reports the server's answer, and a real
// Chromium (fails in CI when missing, skips with a message elsewhere).

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import WebSocket from 'ws';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_MISSING = 'install chromium (apt-get install --no-install-recommends chromium)';
/** Missing chromium skips on a developer's machine (with the message) and fails in CI, where it must run. */
export const skipBrowser = !existsSync(CHROMIUM) && process.env.CI !== 'true';

export interface UpgradeAnswer {
  status: number;
  /** `error.code` of a refusal's envelope. */
  code?: string;
  /** The first message of an accepted connection. */
  first?: string;
}

/** Opens a WebSocket; resolves with 101 and the first message, or the refusal's status and error code. */
export function upgrade(
  url: string,
  options: { headers?: Record<string, string>; origin?: string; localAddress?: string } = {},
): Promise<UpgradeAnswer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.on('message', (data) => {
      resolve({ status: 101, first: String(data) });
      ws.terminate();
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => {
        let code: string | undefined;
        try {
          code = JSON.parse(body).error?.code;
        } catch {
          code = undefined;
        }
        resolve({ status: res.statusCode ?? 0, code });
        ws.terminate();
      });
    });
    ws.on('error', reject);
  });
}

/** A headless Chromium with a fresh profile; `args` are added to the usual flags. */
export async function launchChromium(args: string[] = []): Promise<{
  context: BrowserContext;
  close(): Promise<void>;
}> {
  if (!existsSync(CHROMIUM)) throw new Error(`chromium is missing at ${CHROMIUM}: ${CHROMIUM_MISSING}`);
  const profile = mkdtempSync(join(tmpdir(), 'sysvitals-doors-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...args,
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
