import { describe, expect, it } from 'vitest';
import { SysvitalsError } from '../../src/errors.js';
import {
  didYouMean,
  rejectUnknownKeys,
  rejectUnknownOptions,
  suggest,
} from '../../src/options/option-keys.js';

describe('suggest', () => {
  it('finds a typo or wrong casing within edit distance 2', () => {
    expect(suggest('maxRoute', ['maxRoutes', 'windowMs'])).toBe('maxRoutes');
    expect(suggest('MAXROUTES', ['maxRoutes'])).toBe('maxRoutes');
    expect(suggest('histroyLimit', ['historyLimit'])).toBe('historyLimit');
  });

  it('suggests nothing for an unrelated name or an empty list', () => {
    expect(suggest('zzz', ['cpu', 'memory'])).toBeUndefined();
    expect(suggest('cpu', [])).toBeUndefined();
  });

  it('gives a tie to the earlier known name', () => {
    expect(suggest('cat', ['bat', 'hat'])).toBe('bat');
    expect(suggest('cat', ['hat', 'bat'])).toBe('hat');
  });

  it('counts a prefix as distance 1 only when asked', () => {
    expect(suggest('warn', ['warning', 'critical'])).toBeUndefined();
    expect(suggest('warn', ['warning', 'critical'], { prefixes: true })).toBe('warning');
    // A one-character input is no prefix match.
    expect(suggest('w', ['warning'], { prefixes: true })).toBeUndefined();
  });

  it('allows a third of a long name as distance only when scaled', () => {
    expect(suggest('histLimit', ['historyLimit'])).toBeUndefined();
    expect(suggest('histLimit', ['historyLimit'], { scaled: true })).toBe('historyLimit');
    expect(suggest('abc', ['xyz'], { scaled: true })).toBeUndefined();
  });

  it('skips input longer than maxInputLength', () => {
    expect(suggest('limt', ['limit'], { maxInputLength: 4 })).toBe('limit');
    expect(suggest('limt', ['limit'], { maxInputLength: 3 })).toBeUndefined();
  });
});

describe('didYouMean', () => {
  it('is a sentence to append, or empty', () => {
    expect(didYouMean('cpuu', ['cpu'])).toBe(' Did you mean `cpu`?');
    expect(didYouMean('zzz', ['cpu'])).toBe('');
  });
});

describe('rejectUnknownKeys', () => {
  it('throws the given code and message for the first unknown key', () => {
    const run = () =>
      rejectUnknownKeys({ a: 1, b: 2, c: 3 }, ['a'], 'ERR_SYSVITALS_UNKNOWN_RULE', (k) => `no ${k}`);
    expect(run).toThrow(SysvitalsError);
    expect(run).toThrow(expect.objectContaining({ code: 'ERR_SYSVITALS_UNKNOWN_RULE', message: 'no b' }));
  });

  it('accepts an object with known keys only', () => {
    expect(() =>
      rejectUnknownKeys({ a: 1 }, ['a', 'b'], 'ERR_SYSVITALS_UNKNOWN_OPTION', () => 'x'),
    ).not.toThrow();
  });
});

describe('rejectUnknownOptions', () => {
  it('names the owner, the key, the suggestion and the known options', () => {
    expect(() => rejectUnknownOptions({ maxRoute: 5 }, ['maxRoutes', 'clock'], 'RequestStats')).toThrow(
      expect.objectContaining({
        code: 'ERR_SYSVITALS_UNKNOWN_OPTION',
        message:
          'RequestStats: unknown option `maxRoute`. Did you mean `maxRoutes`? Known options: maxRoutes, clock.',
      }),
    );
    expect(() => rejectUnknownOptions({ zzz: 5 }, ['clock'], 'X')).toThrow(
      'X: unknown option `zzz`. Known options: clock.',
    );
  });
  it('maxDistance widens or narrows the edits a suggestion may take', () => {
    expect(suggest('retntinM', ['retentionMs'])).toBeUndefined();
    expect(suggest('retntinM', ['retentionMs'], { maxDistance: 3 })).toBe('retentionMs');
    expect(suggest('retention', ['retentionMs'], { maxDistance: 1 })).toBeUndefined();
  });
});
