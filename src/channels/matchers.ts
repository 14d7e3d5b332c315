// What silences and maintenance windows match on: rule, component and labels, all given ones equal.

import type { NotifiedAlert } from './types.js';

export interface Matchers {
  /** Rule name, or null for any. */
  readonly rule: string | null;
  /** Component, or null for any. */
  readonly component: string | null;
  /** Labels that must all be equal (`{ env: 'prod' }`). */
  readonly labels: Readonly<Record<string, string>>;
}

export function matches(m: Matchers, alert: Pick<NotifiedAlert, 'rule' | 'component' | 'labels'>): boolean {
  if (m.rule !== null && m.rule !== alert.rule) return false;
  if (m.component !== null && m.component !== alert.component) return false;
  for (const [k, v] of Object.entries(m.labels)) if (alert.labels[k] !== v) return false;
  return true;
}

/** Label names as Prometheus allows them. */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/;
