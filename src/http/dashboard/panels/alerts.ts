// The alerts panel: active alerts, recent alert history and toasts for new events.

import type { Alert, AlertEvent, AlertRecord } from '../../../alerts/alert.js';
import { $, h } from '../dom.js';
import { fmtAgo, fmtNumber, fmtTime } from '../format.js';

export const activeAlerts = new Map<string, Alert>();

export function alertItem(alert: Alert, badge: string, when: string): HTMLElement {
  const li = h('li', 'alert');
  li.dataset.alertId = alert.id;
  li.dataset.rule = alert.rule;
  li.dataset.severity = alert.severity;
  const msg = h('div', 'msg');
  msg.append(h('div', undefined, alert.message));
  msg.append(
    h(
      'div',
      'sub',
      `${alert.component} · value ${fmtNumber(alert.value, 2)} · threshold ${fmtNumber(alert.threshold, 2)}`,
    ),
  );
  li.append(h('span', `badge ${badge}`, badge), msg, h('span', 'when', when));
  return li;
}

export function renderActiveAlerts(): void {
  const alerts = [...activeAlerts.values()].sort((a, b) =>
    a.severity === b.severity ? b.timestamp.localeCompare(a.timestamp) : a.severity === 'critical' ? -1 : 1,
  );
  const now = Date.now();
  $('active-alerts').replaceChildren(
    ...alerts.map((a) =>
      alertItem(
        a,
        a.severity,
        `since ${fmtTime(Date.parse(a.timestamp))} (${fmtAgo(now - Date.parse(a.timestamp))})`,
      ),
    ),
  );
  $('active-count').textContent = String(alerts.length);
  $('no-alerts').hidden = alerts.length > 0;
}

export function renderAlertHistory(records: AlertRecord[]): void {
  const items = records.map((r) => {
    // When the event happened: a clear at cleared_at, any other at the raise plus the alert's age then (RT41-1).
    const at =
      r.event === 'cleared' && r.cleared_at
        ? Date.parse(r.cleared_at)
        : Date.parse(r.timestamp) + r.duration_seconds * 1000;
    const badge = r.event === 'cleared' ? 'cleared' : r.severity;
    const held = r.suppressed ? ` · ${r.suppressed}` : '';
    const li = alertItem(r, badge, `${r.event} ${fmtTime(at)}${held}`);
    if (r.suppressed) li.dataset.suppressed = r.suppressed;
    return li;
  });
  $('alert-history').replaceChildren(...items);
  if (items.length === 0) $('alert-history').append(h('li', 'empty', 'Nothing yet.'));
}

export function toast(event: AlertEvent): void {
  const words: Record<string, string> = {
    raised: 'Alert raised',
    escalated: 'Alert escalated',
    deescalated: 'Alert de-escalated',
    cleared: 'Alert cleared',
  };
  const el = h('div', 'toast');
  el.dataset.alertId = event.alert.id;
  const badge = event.type === 'cleared' ? 'cleared' : event.alert.severity;
  const text = h('div');
  text.append(
    h('strong', undefined, words[event.type] ?? event.type),
    h('div', undefined, event.alert.message),
  );
  el.append(h('span', `badge ${badge}`, badge), text);
  const box = $('toasts');
  box.append(el);
  while (box.children.length > 4) box.firstElementChild?.remove();
  setTimeout(() => el.remove(), 8000);
}
