// The dashboard's connection indicator and banner.

import { $ } from './dom.js';

export type ConnState = 'connecting' | 'live' | 'reconnecting' | 'offline' | 'refused';

export function setConn(state: ConnState, label: string): void {
  const el = $('conn');
  el.dataset.state = state;
  const text = el.querySelector('.label');
  if (text) text.textContent = label;
}

export function showBanner(kind: string, title: string, detail: string, retry = false): void {
  const el = $('banner');
  el.dataset.kind = kind;
  $('banner-title').textContent = title;
  $('banner-detail').textContent = detail;
  $('banner-retry').hidden = !retry;
  el.hidden = false;
}

export function hideBanner(): void {
  $('banner').hidden = true;
}
