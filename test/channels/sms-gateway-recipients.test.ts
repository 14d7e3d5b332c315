// An SMS gateway that echoes the request it refused must not put the recipient's number into `last_error`
// (channels/, health/) or the failure log, in any form the gateway may echo it in (as written, normalised to E.164,
// national, grouped): a recipient is shown masked (`+44…89`, the first 3 and last 2 characters as written). The
// credentials of the channel's template: sms-gateway-secrets.test.ts.

import { describe, expect, it } from 'vitest';
import { answeringReceiver, type ChannelRow, serveAlerted } from './admin-server.js';
import { decodings, expectNoneShown } from './gateway-echo.js';

const sms = { type: 'sms-gateway', retries: 0 } as const;

/** Recipients as written, and each one's number in E.164 as a gateway normalises it, and how it is shown. */
const WRITTEN: Array<[to: string, e164: string, shown: string]> = [
  ['+44 7911 123489', '+447911123489', '+44…89'],
  ['00447911123489', '+447911123489', '004…89'],
  ['+1 (555) 123-0001', '+15551230001', '+1 …01'],
  ['+49.151.1234.5678', '+4915112345678', '+49…78'],
];

describe('a recipient written with separators or 00 (outside review 15, F2)', () => {
  it('is shown masked when the gateway echoes it normalised, with or without the +', () =>
    expectNoneShown({
      channels: (o) => WRITTEN.map(([to], i) => ({ ...sms, name: `sms${i}`, url: `${o}/send`, to })),
      answer: (r) => {
        // The gateway normalises what it got (the JSON body's `to`, as written) to E.164 and echoes it three ways.
        const to = (r.json as { to: string }).to;
        const e164 = `+${to.replace(/^\s*00/, '').replace(/\D/g, '')}`;
        return `bad number ${e164} (${e164.slice(1)}, 00${e164.slice(1)}) from ${to} END`;
      },
      premise: (received) =>
        expect(received.map((r) => (r.json as { to: string }).to)).toEqual(WRITTEN.map(([to]) => to)),
      lastErrors: WRITTEN.map(([, , m]) => `HTTP 400: bad number ${m} (${m}, ${m}) from ${m} END`),
      secrets: [],
      digits: WRITTEN.flatMap(([to, e164]) => [to, e164, e164.slice(1)]),
    }));
});

describe("a Twilio channel's recipient", () => {
  it('is shown masked when Twilio names it in its refusal', async () => {
    const rx = await answeringReceiver(
      400,
      (r) => {
        const to = new URLSearchParams(r.raw).get('To');
        return JSON.stringify({ code: 21211, message: `The 'To' number ${to} is not a valid phone number.` });
      },
      'application/json',
    );
    const { logger, readChannels } = await serveAlerted([
      {
        type: 'twilio',
        accountSid: `AC${'a'.repeat(32)}`,
        authToken: 'tw-auth-token-0123456789',
        from: '+15005550006',
        to: '+447700900189',
        apiUrl: rx.origin,
        retries: 0,
      },
    ]);
    const [status] = await readChannels();
    const shown = `HTTP 400: {"code":21211,"message":"The 'To' number +44…89 is not a valid phone number."}`;
    expect(status?.last_error).toBe(shown);
    expect(logger.lines.filter((l) => l.includes('is failing'))[0]).toContain(shown);
  });
});

describe('a recipient echoed in a national or grouped form', () => {
  /**
   * Each recipient as configured, how it is shown (first 3 and last 2 characters as written), the digit strings it
   * is known by (international without `+`, national with its trunk 0), and the forms a gateway echoes it in.
   */
  const ECHOED: Array<[to: string, shown: string, digits: string[], echoed: string[]]> = [
    [
      '+447700900123',
      '+44…23',
      ['447700900123', '07700900123'],
      ['07700 900123', '07700-900-123', '(07700) 900123', '+44 (0)7700 900123', '0044 7700 900 123'],
    ],
    [
      '+442079460958',
      '+44…58',
      ['442079460958', '02079460958'],
      [
        '(020) 7946 0958',
        '+44 (0)20 7946 0958',
        '020-7946-0958',
        '+44 20 7946 0958',
        '20 7946 0958',
        encodeURIComponent('+44 (0)20 7946 0958'),
        '+44&#x20;20&#x20;7946&#x20;0958',
      ],
    ],
    [
      '+1 (415) 555-0132',
      '+1 …32',
      ['14155550132'],
      [
        '+1 (415) 555-0132',
        '415.555.0132',
        '(415) 555-0132',
        '1-415-555-0132',
        '+1.415.555.0132',
        '4155550132',
      ],
    ],
    [
      '07700 900123',
      '077…23',
      ['07700900123', '447700900123'],
      ['07700900123', '07700 900 123', '+44 7700 900123', '+44 (0)7700 900123', '447700900123'],
    ],
    [
      '+33 6 12 34 56 78',
      '+33…78',
      ['33612345678', '0612345678'],
      ['06 12 34 56 78', '06.12.34.56.78', '+33 (0)6 12 34 56 78', '0033 612345678'],
    ],
  ];
  const CASES = ECHOED.flatMap(([to, shown, digits, echoed]) =>
    echoed.map((e) => ({ to, shown, digits, e })),
  );

  /** The recipient's runs of 3 digits or more in `section` once `shown` is taken out (separators ignored). */
  function runsLeft(section: string, shown: string, digits: string[]): string[] {
    const left = section.split(shown).join('').replace(/\D/g, '');
    const runs = new Set<string>();
    for (const d of digits) for (let i = 0; i + 3 <= d.length; i++) runs.add(d.slice(i, i + 3));
    return [...runs].filter((r) => left.includes(r));
  }

  it('shows none of its digits but the masked form, in channels/, health/ and the log', async () => {
    const rx = await answeringReceiver(
      400,
      (r) => `no route to ${CASES[Number(r.url.split('/').at(-1))]?.e} END`,
    );
    const { call, logger, readChannels } = await serveAlerted(
      CASES.map(({ to }, i) => ({
        type: 'sms-gateway' as const,
        name: `sms-${'abcdefghijklmnopqrstuvwxyz'[i]}`,
        retries: 0,
        url: `${rx.origin}/send/${i}`,
        to,
      })),
    );
    expect(rx.received).toHaveLength(CASES.length);
    const channels = await readChannels();
    const health = (await call('health/?detailed=true')).body.data.channels as ChannelRow[];
    const failing = logger.lines.filter((l) => l.includes('is failing'));
    expect(failing).toHaveLength(CASES.length);
    const byName = (name: string) => [
      ...[...channels, ...health].filter((c) => c.name === name).map((c) => c.last_error),
      ...failing.filter((l) => l.includes(`"${name}"`) || l.includes(` ${name} `) || l.includes(`'${name}'`)),
    ];
    CASES.forEach(({ shown, digits, e }, i) => {
      const texts = byName(`sms-${'abcdefghijklmnopqrstuvwxyz'[i]}`);
      expect(texts.length, e).toBeGreaterThanOrEqual(3);
      for (const text of texts) {
        for (const decoded of decodings(text)) {
          const section = /no route to (.*) END/.exec(decoded)?.[1];
          expect(section, `${e}: ${decoded}`).toBeDefined();
          expect(section, e).toContain(shown);
          expect(runsLeft(section as string, shown, digits), `${e}: ${decoded}`).toEqual([]);
        }
      }
    });
  });
});
