import { describe, expect, it } from 'vitest';
import {
  type AlertRulesOptions,
  DEFAULT_MIN_REQUESTS,
  levelsOf,
  parseRules,
} from '../../src/alerts/rules.js';
import { DEFAULT_LEVELS, RULE_NAMES } from '../../src/alerts/thresholds.js';
import { SysvitalsError } from '../../src/errors.js';

function setupError(options: unknown): SysvitalsError {
  try {
    parseRules(options as AlertRulesOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(SysvitalsError);
    return err as SysvitalsError;
  }
  throw new Error('parseRules accepted invalid options');
}

describe('parseRules defaults', () => {
  it('uses the seed thresholds as warning levels and our critical levels', () => {
    const rules = parseRules();
    for (const name of RULE_NAMES) {
      expect(rules[name].warning).toBe(DEFAULT_LEVELS[name].warning);
      expect(rules[name].critical).toBe(DEFAULT_LEVELS[name].critical);
      expect(rules[name].enabled).toBe(true);
      expect(rules[name].for).toBe(0);
    }
    expect(rules.cpu.warning).toBe(80);
    expect(rules.memory.warning).toBe(85);
    expect(rules.disk.warning).toBe(90);
    expect(rules.db_latency.warning).toBe(1000);
    expect(rules.api_response_time.warning).toBe(2000);
    expect(rules.error_rate.minRequests).toBe(DEFAULT_MIN_REQUESTS);
    expect(rules.database).toEqual({ kind: 'availability', name: 'database', enabled: true, for: 0 });
  });

  it('puts the clear level 5 points (at most 10 %) under warning for percentages, 10 % under for milliseconds', () => {
    const rules = parseRules();
    expect(rules.cpu.clear).toBe(75);
    expect(rules.memory.clear).toBe(80);
    expect(rules.disk.clear).toBe(85);
    expect(rules.error_rate.clear).toBe(4.5);
    expect(rules.db_latency.clear).toBe(900);
    expect(rules.api_response_time.clear).toBe(1800);
  });

  it('derives the clear and de-escalation levels from a configured warning level', () => {
    const rules = parseRules({ cpu: { warning: 60, critical: 90 }, db_latency: { warning: 200 } });
    expect(rules.cpu.clear).toBe(55);
    expect(rules.cpu.deescalate).toBe(85);
    expect(rules.db_latency.clear).toBe(180);
    expect(rules.db_latency.deescalate).toBe(1480);
  });

  it('returns a frozen config, and accepts its own config back unchanged', () => {
    const rules = parseRules({ memory: { for: 30_000 } });
    expect(Object.isFrozen(rules)).toBe(true);
    expect(Object.isFrozen(rules.memory)).toBe(true);
    expect(rules.memory.for).toBe(30_000);
    expect(parseRules(rules)).toBe(rules);
  });

  it('exposes the warning/critical levels alone for the collector', () => {
    const levels = levelsOf(parseRules({ disk: { warning: 80, critical: 88 } }));
    expect(Object.keys(levels)).toEqual([...RULE_NAMES]);
    expect(levels.disk).toEqual({ warning: 80, critical: 88 });
    expect(levels.cpu).toEqual(DEFAULT_LEVELS.cpu);
  });

  it('allows millisecond levels above 100 and equal warning and critical levels', () => {
    const rules = parseRules({
      api_response_time: { warning: 5000, critical: 5000, clear: 5000 },
      cpu: { enabled: false },
    });
    expect(rules.api_response_time).toMatchObject({ warning: 5000, critical: 5000, clear: 5000 });
    expect(rules.cpu.enabled).toBe(false);
  });
});

describe('parseRules setup errors', () => {
  it.each([
    [{ cpu: { warning: 120 } }, /rules\.cpu\.warning.*between 0 and 100, got 120/],
    [{ memory: { critical: -1 } }, /rules\.memory\.critical.*between 0 and 100/],
    [{ disk: { clear: 101 } }, /rules\.disk\.clear.*between 0 and 100/],
    [{ error_rate: { warning: 150, critical: 200 } }, /rules\.error_rate\.warning/],
    [{ db_latency: { warning: -5 } }, /rules\.db_latency\.warning.*milliseconds.*≥ 0/],
    [{ cpu: { warning: Number.NaN } }, /rules\.cpu\.warning.*finite number/],
    [{ cpu: { warning: '80' } }, /rules\.cpu\.warning.*finite number, got "80"/],
  ])('rejects a bad level %j', (options, message) => {
    const err = setupError(options);
    expect(err.code).toBe('ERR_SYSVITALS_INVALID_RULE');
    expect(err.message).toMatch(message);
  });

  it('rejects warning above critical, naming the default it collides with', () => {
    const err = setupError({ cpu: { warning: 97 } });
    expect(err.code).toBe('ERR_SYSVITALS_INVALID_RULE');
    expect(err.message).toContain(
      '`rules.cpu.warning` (97%) is above `rules.cpu.critical` (95%, the default)',
    );
  });

  it('rejects a clear level above warning', () => {
    const err = setupError({ api_response_time: { warning: 1000, clear: 1500 } });
    expect(err.code).toBe('ERR_SYSVITALS_INVALID_RULE');
    expect(err.message).toMatch(/clear` \(1500 ms\) is above .*warning` \(1000 ms\)/);
  });

  it.each([[-1], [Number.POSITIVE_INFINITY], ['5s']])('rejects a pending time of %j', (value) => {
    const err = setupError({ cpu: { for: value } });
    expect(err.code).toBe('ERR_SYSVITALS_INVALID_RULE');
    expect(err.message).toMatch(/rules\.cpu\.for.*milliseconds/);
  });

  it('rejects an unknown rule name with a suggestion', () => {
    const err = setupError({ memroy: { warning: 80 } });
    expect(err.code).toBe('ERR_SYSVITALS_UNKNOWN_RULE');
    expect(err.message).toContain('Did you mean `memory`?');
    expect(setupError({ latency: {} }).message).toContain('Known rules: cpu, memory, disk');
    expect(setupError({ databse: {} }).message).toContain('Did you mean `database`?');
  });

  it('rejects an unknown property in a rule with a suggestion', () => {
    const err = setupError({ cpu: { warn: 70 } });
    expect(err.code).toBe('ERR_SYSVITALS_UNKNOWN_OPTION');
    expect(err.message).toContain('`rules.cpu` has an unsupported property, `warn`. Did you mean `warning`?');
    // minRequests belongs to error_rate only; availability rules have no levels.
    expect(setupError({ cpu: { minRequests: 5 } }).code).toBe('ERR_SYSVITALS_UNKNOWN_OPTION');
    expect(setupError({ database: { critical: 1 } }).code).toBe('ERR_SYSVITALS_UNKNOWN_OPTION');
  });

  it('rejects malformed rule objects, enabled flags and minRequests', () => {
    expect(setupError([]).code).toBe('ERR_SYSVITALS_INVALID_RULE');
    expect(setupError({ cpu: 80 }).message).toContain('`rules.cpu` must be an object');
    expect(setupError({ redis: { enabled: 'no' } }).message).toContain(
      '`rules.redis.enabled` must be true or false',
    );
    expect(setupError({ error_rate: { minRequests: 2.5 } }).message).toContain(
      'minRequests` must be an integer ≥ 0',
    );
    expect(setupError({ error_rate: { minRequests: -1 } }).code).toBe('ERR_SYSVITALS_INVALID_RULE');
  });
});
