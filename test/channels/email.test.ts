// Email against a real SMTP server started by the test (the `smtp-server` package), each message parsed by
// Python's standard `email` package as an independent MIME parser.

import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { NotificationRouter } from '../../src/channels/router.js';
import { silentLogger } from '../../src/logger.js';
import { testClock } from '../alerts/snapshot.js';
import { alert, event } from './alerts.js';

const PYTHON = '/usr/bin/python3';

interface Parsed {
  from: string;
  to: string;
  subject: string;
  content_type: string;
  text: string;
  html: string;
  status: string;
}

/** Python's email package parses the raw message: headers decoded, parts decoded from their transfer encoding. */
function parseMime(raw: string): Parsed {
  const script = `
import email, json, sys
from email import policy
m = email.message_from_bytes(sys.stdin.buffer.read(), policy=policy.default)
t = m.get_body(preferencelist=('plain',))
h = m.get_body(preferencelist=('html',))
print(json.dumps({"from": str(m["from"]), "to": str(m["to"]), "subject": str(m["subject"]),
  "content_type": m.get_content_type(), "text": t.get_content() if t else "", "html": h.get_content() if h else "",
  "status": str(m["x-sysvitals-status"])}))
`;
  const r = spawnSync(PYTHON, ['-c', script], { input: raw, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python email parser failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Parsed;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function smtp() {
  const mails: Array<{ from: string; to: string[]; raw: string; user: string | undefined }> = [];
  const waiters: Array<() => void> = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: false,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === 'alerts' && auth.password === 'smtp-pass') cb(null, { user: 'alerts' });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (c: string) => {
        raw += c;
      });
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          user: session.user as string | undefined,
        });
        for (const w of waiters.splice(0)) w();
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port, mails };
}

describe('email channel', () => {
  it('sends one message per group with text and HTML, and a subject naming state, rule and host', async () => {
    const { port, mails } = await smtp();
    const clock = testClock();
    const router = new NotificationRouter({
      host: 'web-1',
      instance: 'web-1:42',
      clock,
      logger: silentLogger,
      routing: { groupWaitMs: 30_000, dashboardUrl: 'https://ops.example.com/dash/' },
      channels: [
        {
          type: 'email',
          smtp: {
            host: '127.0.0.1',
            port,
            secure: false,
            ignoreTLS: true,
            auth: { user: 'alerts', pass: 'smtp-pass' },
          },
          from: 'sysvitals <alerts@example.com>',
          to: ['ops@example.com', 'oncall@example.com'],
        },
      ],
    });
    cleanups.push(() => router.close());
    router.notify(
      event(
        'raised',
        alert('a', {
          severity: 'critical',
          value: 97.2,
          threshold: 90,
          message: 'CPU usage <b>critical</b>',
        }),
      ),
    );
    router.notify(
      event(
        'raised',
        alert('b', {
          rule: 'memory',
          component: 'memory',
          message: 'Memory usage warning',
          value: 88,
          threshold: 85,
        }),
      ),
    );
    clock.advance(30_000);
    router.tick();
    await router.idle();
    expect(mails).toHaveLength(1);
    expect(mails[0]!.user).toBe('alerts');
    expect(mails[0]!.to).toEqual(['ops@example.com', 'oncall@example.com']);
    const m = parseMime(mails[0]!.raw);
    expect(m.subject).toBe('[sysvitals] [FIRING:2] cpu, memory on web-1');
    expect(m.from).toBe('sysvitals <alerts@example.com>');
    expect(m.content_type).toBe('multipart/alternative');
    expect(m.status).toBe('firing');
    expect(m.text).toContain('- critical cpu: CPU usage <b>critical</b>, 97.2% (threshold 90%)');
    expect(m.text).toContain('- warning memory: Memory usage warning, 88% (threshold 85%)');
    expect(m.text).toContain('Dashboard: https://ops.example.com/dash/');
    // Alert text is escaped in HTML; the heading has the critical colour.
    expect(m.html).toContain('CPU usage &#60;b&#62;critical&#60;/b&#62;');
    expect(m.html).not.toContain('<b>critical</b>');
    expect(m.html).toContain('color:#d7263d');
    expect(m.html).toContain('<a href="https://ops.example.com/dash/">');

    router.notify(event('cleared', alert('a', { severity: 'critical', duration_seconds: 300 })));
    clock.advance(30_000);
    router.tick();
    await router.idle();
    expect(mails).toHaveLength(2);
    const resolved = parseMime(mails[1]!.raw);
    expect(resolved.subject).toBe('[sysvitals] [RESOLVED] cpu on web-1');
    expect(resolved.text).toContain('resolved cpu');
    expect(resolved.html).toContain('color:#2eb67d');
  });

  it('a refused login is a failure with the SMTP answer, and the password is not in it', async () => {
    const { port } = await smtp();
    const router = new NotificationRouter({
      host: 'h',
      instance: 'i',
      logger: silentLogger,
      routing: { groupWaitMs: 0 },
      channels: [
        {
          type: 'email',
          smtp: `smtp://alerts:wrong-pass@127.0.0.1:${port}/?ignoreTLS=true`,
          from: 'a@example.com',
          to: 'b@example.com',
          retries: 0,
        },
      ],
    });
    cleanups.push(() => router.close());
    router.notify(event('raised', alert('a')));
    await router.idle();
    const s = router.status()[0]!;
    expect(s).toMatchObject({ status: 'failing', failed: 1 });
    expect(s.last_error).toMatch(/Invalid username or password|535/);
    expect(s.last_error).not.toContain('wrong-pass');
  });
});
