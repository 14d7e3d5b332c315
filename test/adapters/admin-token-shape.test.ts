// adminToken values no client can present (a secret file's trailing newline, surrounding spaces) are refused at setup.

import { describe, expect, it } from 'vitest';
import { createMonitor as createExpressMonitor } from '../../src/adapters/express.js';
import { createMonitor as createFastifyMonitor } from '../../src/adapters/fastify.js';
import { createMonitor as createKoaMonitor } from '../../src/adapters/koa.js';
import { SysvitalsError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';

const TOKEN = 'tok_0123456789abcdef0123456789abcdef';
const adapters = {
  express: createExpressMonitor,
  fastify: createFastifyMonitor,
  koa: createKoaMonitor,
} as const;

// Oracle: RFC 9110 §5.5 (field values carry no leading/trailing whitespace, no CR/LF) and RFC 6750's token68
// (no spaces): a value outside printable ASCII without spaces can never arrive as `Bearer <token>`.
const unpresentable: [string, string, RegExp][] = [
  ['a trailing newline (readFileSync of a secret file)', `${TOKEN}\n`, /line break.*trim/is],
  ['a trailing CRLF', `${TOKEN}\r\n`, /line break.*trim/is],
  ['surrounding spaces', ` ${TOKEN} `, /whitespace.*trim/is],
  ['a space inside', 'tok_0123456789abcdef 0123456789abcdef', /space.*printable ASCII/is],
  ['a control character inside', 'tok_0123456789abcdef\u00000123456789abcdef', /control.*printable ASCII/is],
];

describe.each(Object.entries(adapters))('%s: adminToken a client cannot present', (_name, create) => {
  it.each(unpresentable)(
    'refuses %s with ERR_SYSVITALS_INVALID_OPTION saying what to fix',
    (_l, token, says) => {
      let error: unknown;
      try {
        create({ adminToken: token, sampleIntervalMs: 0, logger: silentLogger });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SysvitalsError);
      expect((error as SysvitalsError).code).toBe('ERR_SYSVITALS_INVALID_OPTION');
      expect((error as Error).message).toMatch(/adminToken/);
      expect((error as Error).message).toMatch(says);
      // Never echoes the secret.
      expect((error as Error).message).not.toContain('0123456789abcdef');
    },
  );

  it('accepts a printable token (the trimmed value)', async () => {
    const monitor = create({ adminToken: TOKEN, sampleIntervalMs: 0, logger: silentLogger });
    await monitor.close();
  });
});
