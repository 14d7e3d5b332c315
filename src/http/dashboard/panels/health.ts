// The health panel: score, status word and active alert count; the header's scope when cluster mode is off.

import type { HealthStatus, MetricsSnapshot } from '../../../types.js';
import { $ } from '../dom.js';

export const HEALTH_WORDS: Record<string, string> = { green: 'Healthy', yellow: 'Degraded', red: 'Critical' };

export function renderHealth(health: HealthStatus): void {
  const el = $('health');
  el.dataset.status = health.status;
  el.style.setProperty('--score', String(health.health_score));
  $('health-score').textContent = String(Math.round(health.health_score));
  $('health-status').textContent = HEALTH_WORDS[health.status] ?? health.status;
  const n = health.active_alerts;
  $('health-alerts').textContent = `${health.status} · ${n} active alert${n === 1 ? '' : 's'}`;
}

/**
 * The header's scope: shown when `cluster` was set but cluster mode is off in the process that answered (no
 * private directory), so its figures are that process's alone; the reason on hover.
 */
export function renderScope(s: MetricsSnapshot): void {
  const el = $('scope');
  const off = s.cluster_mode;
  el.hidden = !off;
  el.textContent = off ? 'This process only: cluster mode is off' : '';
  el.title = off ? off.reason : '';
}
