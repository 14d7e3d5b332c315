// The notifications panel: delivery status per channel, silences with an Expire button, maintenance windows.

import type { ChannelStatus } from '../../../channels/channel-status.js';
import type { MaintenanceWindowStatus } from '../../../channels/maintenance.js';
import type { Silence } from '../../../channels/silences.js';
import { api, apiWrite } from '../api-client.js';
import { $, h } from '../dom.js';
import { fmtTime } from '../format.js';
import { channelBadge } from './channel-badge.js';

function matcherText(m: {
  rule: string | null;
  component: string | null;
  labels: Record<string, string>;
}): string {
  const parts: string[] = [];
  if (m.rule) parts.push(`rule=${m.rule}`);
  if (m.component) parts.push(`component=${m.component}`);
  for (const [k, v] of Object.entries(m.labels)) parts.push(`${k}=${v}`);
  return parts.length > 0 ? parts.join(', ') : 'every alert';
}

function renderChannels(channels: ChannelStatus[]): void {
  const items = channels.map((c) => {
    const li = h('li', 'alert');
    li.dataset.channel = c.name;
    const msg = h('div', 'msg');
    msg.append(h('div', undefined, `${c.name} (${c.type})`));
    const detail = `sent ${c.sent} · failed ${c.failed} · dropped ${c.dropped} · queued ${c.pending}`;
    msg.append(h('div', 'sub', c.last_error ? `${detail} · last error: ${c.last_error}` : detail));
    const when = c.last_sent_at ? `last sent ${fmtTime(Date.parse(c.last_sent_at))}` : 'nothing sent yet';
    // `held` (a channel waiting out a 429/503 Retry-After) is a warning, not a failure.
    const badge = channelBadge(c);
    li.append(h('span', badge.cls, badge.text), msg, h('span', 'when', when));
    return li;
  });
  $('channels').replaceChildren(...items);
}

function renderSilences(silences: Silence[]): void {
  const items = silences.map((s) => {
    const li = h('li', 'alert');
    li.dataset.silenceId = s.id;
    const msg = h('div', 'msg');
    msg.append(h('div', undefined, matcherText(s)));
    const who = [s.created_by, s.comment].filter(Boolean).join(': ');
    msg.append(
      h(
        'div',
        'sub',
        `${fmtTime(Date.parse(s.starts_at))} → ${fmtTime(Date.parse(s.ends_at))}${who ? ` · ${who}` : ''}`,
      ),
    );
    const end = h('span', 'when');
    if (s.status !== 'expired') {
      const button = h('button', 'expire', 'Expire') as HTMLButtonElement;
      button.type = 'button';
      button.addEventListener('click', () => {
        button.disabled = true;
        void apiWrite<Silence>(`silences/${s.id}/expire`, 'POST')
          .then(() => loadNotifications())
          .catch((err: Error) => {
            button.disabled = false;
            button.title = err.message;
          });
      });
      end.append(button);
    }
    li.append(h('span', `badge ${s.status === 'active' ? 'warning' : ''}`, s.status), msg, end);
    return li;
  });
  $('silences').replaceChildren(...items);
  $('no-silences').hidden = items.length > 0;
}

function renderWindows(windows: MaintenanceWindowStatus[]): void {
  const items = windows.map((w) => {
    const li = h('li', 'alert');
    li.dataset.window = w.name;
    const msg = h('div', 'msg');
    msg.append(h('div', undefined, `${w.name} · ${matcherText(w)}`));
    const schedule = w.cron ? `cron ${w.cron} (UTC), ${Math.round(w.duration_ms / 60_000)} min` : 'one-off';
    msg.append(h('div', 'sub', schedule));
    const when =
      w.starts_at && w.ends_at
        ? `${w.active ? 'until' : 'next'} ${fmtTime(Date.parse(w.active ? w.ends_at : w.starts_at))}`
        : 'no upcoming window';
    li.append(
      h('span', `badge ${w.active ? 'warning' : ''}`, w.active ? 'active' : 'scheduled'),
      msg,
      h('span', 'when', when),
    );
    return li;
  });
  $('windows').replaceChildren(...items);
  $('windows-box').hidden = items.length === 0;
}

/** Reads channels/ and silences/ and renders the panel; hidden when nothing is configured. */
export async function loadNotifications(): Promise<void> {
  const [channels, silences] = await Promise.all([
    api<{ channels: ChannelStatus[] }>('channels/'),
    api<{ silences: Silence[]; maintenance_windows: MaintenanceWindowStatus[] }>('silences/'),
  ]);
  renderSilences(silences.silences);
  renderWindows(silences.maintenance_windows);
  renderChannels(channels.channels);
  $('notifications').hidden =
    channels.channels.length === 0 &&
    silences.silences.length === 0 &&
    silences.maintenance_windows.length === 0;
}
