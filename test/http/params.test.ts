import { describe, expect, it } from 'vitest';
import { booleanParam, enumParam, identifierParam, integerParam, parseQuery } from '../../src/http/params.js';

const alerts = { history: booleanParam(false), limit: integerParam(1, 1000, 100) };

describe('parseQuery', () => {
  it('fills defaults when a parameter is absent', () => {
    expect(parseQuery('', alerts)).toEqual({ ok: true, query: { history: false, limit: 100 } });
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['false', false],
    ['False', false],
    ['0', false],
  ])('reads the boolean %s', (raw, value) => {
    expect(parseQuery(`history=${raw}`, alerts)).toMatchObject({ ok: true, query: { history: value } });
  });

  it.each(['yes', '', '2', 'on', 'true '])(
    'refuses the boolean %j, naming the parameter and the allowed values',
    (raw) => {
      const r = parseQuery(`history=${encodeURIComponent(raw)}`, alerts);
      expect(r).toMatchObject({ ok: false, parameter: 'history' });
      if (!r.ok) expect(r.message).toContain('true, false, 1 or 0');
    },
  );

  it.each([
    ['1', 1],
    ['1000', 1000],
    ['050', 50],
  ])('reads the limit %s', (raw, value) => {
    expect(parseQuery(`limit=${raw}`, alerts)).toMatchObject({ ok: true, query: { limit: value } });
  });

  it.each(['0', '1001', '-1', '1.5', '1e3', '+5', ' 5', 'abc', '99999999999999999999', '0x10', ''])(
    'refuses the limit %j',
    (raw) => {
      const r = parseQuery(`limit=${encodeURIComponent(raw)}`, alerts);
      expect(r).toMatchObject({ ok: false, parameter: 'limit' });
      if (!r.ok) expect(r.message).toContain('an integer from 1 to 1000');
    },
  );

  it('refuses a repeated parameter', () => {
    const r = parseQuery('limit=5&limit=5', alerts);
    expect(r).toMatchObject({ ok: false, parameter: 'limit' });
    if (!r.ok) expect(r.message).toMatch(/more than once/);
  });

  it('refuses an unknown parameter and suggests the near one', () => {
    const r = parseQuery('limt=5', alerts);
    expect(r).toMatchObject({ ok: false, parameter: 'limt' });
    if (!r.ok)
      expect(r.message).toBe('unknown parameter "limt"; allowed: history, limit. Did you mean "limit"?');
  });

  it('does not treat prototype keys as parameters', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(parseQuery(`${name}=1`, alerts)).toMatchObject({ ok: false, parameter: name });
    }
  });

  it('accepts the extra names the caller handles itself, once', () => {
    expect(parseQuery('access_token=x', alerts, ['access_token'])).toMatchObject({ ok: true });
    expect(parseQuery('access_token=x&access_token=y', alerts, ['access_token'])).toMatchObject({
      ok: false,
    });
  });

  it('says so when an endpoint takes no parameters', () => {
    const r = parseQuery('x=1', {});
    if (r.ok) throw new Error('expected a refusal');
    expect(r.message).toContain('this endpoint takes no parameters');
  });

  it('cuts long hostile input in messages', () => {
    const r = parseQuery(`limit=${'9'.repeat(5000)}`, alerts);
    if (r.ok) throw new Error('expected a refusal');
    expect(r.message.length).toBeLessThan(200);
  });

  it('reads period and instance', () => {
    const spec = { period: enumParam(['1h', '24h', '7d'], '24h'), instance: identifierParam() };
    expect(parseQuery('', spec)).toEqual({ ok: true, query: { period: '24h', instance: undefined } });
    expect(parseQuery('period=7d&instance=all', spec)).toEqual({
      ok: true,
      query: { period: '7d', instance: 'all' },
    });
    expect(parseQuery('period=30d', spec)).toMatchObject({ ok: false, parameter: 'period' });
    expect(parseQuery('period=1H', spec)).toMatchObject({ ok: false, parameter: 'period' });
    expect(parseQuery('instance=a%20b', spec)).toMatchObject({ ok: false, parameter: 'instance' });
    expect(parseQuery(`instance=${'x'.repeat(257)}`, spec)).toMatchObject({
      ok: false,
      parameter: 'instance',
    });
  });
});
