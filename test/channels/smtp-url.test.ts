// Regression (review 37, RT37-2 and RT37-3): a malformed `smtp` URL string is refused at setup with a coded error that
// carries no secret. A scheme-less 'alerts:PW@host:465' threw nodemailer's uncoded TypeError holding the password in
// its message and stack; 'smtps:/alerts:PW@host' (one slash) was accepted and nodemailer sent to localhost instead.
// Oracles: nodemailer itself (what host it would connect to) and a real SMTP server (smtp-server) for a good URL.

import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { NotificationRouter } from '../../src/channels/router.js';
import { silentLogger } from '../../src/logger.js';
import { createMonitor } from '../../src/monitor.js';
import { alert, event } from './alerts.js';

const PW = 'HUNTER2PW';
const MALFORMED = [
  `alerts:${PW}@smtp.example.com:465`,
  'htp:/x',
  `smtps:/alerts:${PW}@smtp.example.com`,
  `smtps//alerts%40example.com:${PW}@smtp.example.com`,
  `smtp:alerts:${PW}@smtp.example.com`,
  `smtp:///alerts:${PW}@smtp.example.com`,
  `smtp://alerts:${PW}@`,
  `smtps://alerts:${PW}@smtp.example.com:99999`,
  `https://alerts:${PW}@smtp.example.com`,
  `mailto:alerts:${PW}@smtp.example.com`,
  `alerts@example.com:${PW}`,
  `//alerts:${PW}@smtp.example.com`,
];

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function thrown(fn: () => unknown): { code?: string; message: string; stack?: string } {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; message: string; stack?: string };
  }
  throw new Error('expected a throw');
}

function router(smtp: string) {
  return new NotificationRouter({
    host: 'h',
    instance: 'i',
    logger: silentLogger,
    routing: { groupWaitMs: 0 },
    channels: [{ type: 'email', smtp, from: 'a@example.com', to: 'b@example.com', retries: 0 }],
  });
}

describe('a malformed smtp URL string', () => {
  it.each(MALFORMED)('%s is refused at setup, coded, without the password', (smtp) => {
    const e = thrown(() => router(smtp));
    expect(e.code).toBe('ERR_SYSVITALS_INVALID_OPTION');
    expect(e.message).toMatch(/channels\[0\] \(email\)\.smtp/);
    expect(e.message).not.toContain(PW);
    expect(String(e.stack)).not.toContain(PW);
  });

  it('createMonitor refuses the scheme-less URL the same way', () => {
    const e = thrown(() =>
      createMonitor({
        sampleIntervalMs: 0,
        logger: silentLogger,
        channels: [{ type: 'email', smtp: MALFORMED[0]!, from: 'a@example.com', to: 'b@example.com' }],
      }),
    );
    expect(e.code).toBe('ERR_SYSVITALS_INVALID_OPTION');
    expect(`${e.message}\n${e.stack}`).not.toContain(PW);
  });

  it('nodemailer reads no host from the one-slash form (it would connect to localhost)', () => {
    const nodemailer = createRequire(import.meta.url)('nodemailer') as {
      createTransport(o: unknown): { options: { host?: string }; close(): void };
    };
    const t = nodemailer.createTransport(`smtps:/alerts:${PW}@smtp.example.com`);
    expect(t.options.host ?? '').not.toBe('smtp.example.com');
    t.close();
  });

  it('a well-formed URL still delivers to a real SMTP server', async () => {
    const got: string[] = [];
    let done!: () => void;
    const arrived = new Promise<void>((r) => {
      done = r;
    });
    const server = new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth(auth, _s, cb) {
        if (auth.username === 'alerts' && auth.password === PW) cb(null, { user: 'alerts' });
        else cb(new Error('Invalid username or password'));
      },
      onData(stream, session, cb) {
        stream.resume();
        stream.on('end', () => {
          got.push(session.envelope.rcptTo.map((r) => r.address).join(','));
          cb();
          done();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.server.address() as AddressInfo).port;
    const r = router(`SMTP://alerts:${PW}@127.0.0.1:${port}/?ignoreTLS=true`);
    cleanups.push(() => r.close());
    r.notify(event('raised', alert('a')));
    await arrived;
    await r.idle();
    expect(got).toEqual(['b@example.com']);
    expect(r.status()[0]).toMatchObject({ sent: 1, failed: 0 });
  });
});
