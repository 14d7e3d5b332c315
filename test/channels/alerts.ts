// Test helper: alerts and events as the engine makes them.

import type { Alert, AlertEvent, AlertEventType } from '../../src/alerts/alert.js';

export function alert(id: string, overrides: Partial<Alert> = {}): Alert {
  return {
    id,
    rule: 'cpu',
    component: 'cpu',
    severity: 'warning',
    message: 'CPU usage warning',
    timestamp: '2025-12-27T12:00:00.000Z',
    duration_seconds: 0,
    value: 87.5,
    threshold: 80,
    state: 'active',
    cleared_at: null,
    ...overrides,
  };
}

export function event(type: AlertEventType, a: Alert): AlertEvent {
  if (type === 'cleared') {
    return {
      type,
      alert: { ...a, state: 'cleared', cleared_at: a.cleared_at ?? '2025-12-27T12:10:00.000Z' },
    };
  }
  return { type, alert: a };
}
