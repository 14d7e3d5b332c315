// The health panel: score, status word and active alert count.

import type { HealthStatus } from '../../../types.js';
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
