// The groups fed by the application's own callbacks (dependency probes' check() and poolSize(), collector
// plugins' collect()) as the last sample collected them: a read with sampling on reuses these rather than call
// the application again, so that how often anyone reads changes nothing (README "Reads change nothing").

import type { DatabaseMetrics, PluginGroup, RedisMetrics } from '../types.js';

/** The groups a sample's callbacks produced. */
export interface CallbackGroups {
  database: DatabaseMetrics;
  redis: RedisMetrics;
  plugins: Record<string, PluginGroup>;
}

/** Keeps the last sample's callback groups; hands out copies (a reader's changes never reach the next read). */
export class LastSampled {
  private groups: CallbackGroups | undefined;

  /** Called by a sample (collect()) with the groups it collected; keeps a copy (the sample's own are handed out). */
  keep(groups: CallbackGroups): void {
    this.groups = this.read([], groups.database.threshold, groups);
  }

  /**
   * The last sample's groups, copied; before the first sample, the groups as not measured yet: no latency, no
   * pool figures, status `unknown` (as without a probe), and each plugin `{ status: 'unknown' }`.
   */
  read(plugins: readonly string[], threshold: number, g = this.groups): CallbackGroups {
    if (g) {
      const copied: Record<string, PluginGroup> = Object.create(null);
      for (const [name, group] of Object.entries(g.plugins)) copied[name] = { ...group };
      return { database: { ...g.database }, redis: { ...g.redis }, plugins: copied };
    }
    const none: Record<string, PluginGroup> = Object.create(null);
    for (const name of plugins) none[name] = { status: 'unknown' };
    return {
      database: {
        response_time_ms: null,
        pool_size: null,
        pool_idle: null,
        pool_waiting: null,
        status: 'unknown',
        threshold,
      },
      redis: { response_time_ms: null, working: null, status: 'unknown', threshold },
      plugins: none,
    };
  }
}
