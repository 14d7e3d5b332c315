// Regression (outside review F13): a cut SMS ended in "…" (U+2026), which is not in the GSM 03.38 alphabet, so
// the whole 160-character text went as UCS-2: 3 billed segments, not the one GSM-7 segment `maxLength` 160
// promises, in exactly the alert storms that cut it. The oracle is the published segment rule, counted here on
// its own: GSM 03.38's default alphabet and extension table (2 septets each), 160 septets in one segment and 153
// a segment when concatenated; with any other character the text is UCS-2, 70 UTF-16 units in one, 67 a segment.

import { describe, expect, it } from 'vitest';
import { smsText } from '../../src/channels/sms.js';
import type { Notification } from '../../src/channels/types.js';
import { alert } from './alerts.js';

// GSM 03.38 default alphabet (0x00-0x7F) and the extension table's characters, from the specification.
const GSM_DEFAULT = [
  '@£$¥èéùìòÇ\nØø\rÅå',
  'Δ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ',
  ' !"#¤%&\'()*+,-./',
  '0123456789:;<=>?',
  '¡ABCDEFGHIJKLMNO',
  'PQRSTUVWXYZÄÖÑÜ§',
  '¿abcdefghijklmno',
  'pqrstuvwxyzäöñüà',
].join('');
const GSM_EXTENSION = new Set(['\f', '^', '{', '}', '\\', '[', '~', ']', '|', '€']);

function segments(text: string): number {
  let septets = 0;
  for (const ch of text) {
    if (GSM_EXTENSION.has(ch)) septets += 2;
    else if (GSM_DEFAULT.includes(ch) && ch !== '\u001b') septets += 1;
    else {
      const units = text.length;
      return units <= 70 ? 1 : Math.ceil(units / 67);
    }
  }
  return septets <= 160 ? 1 : Math.ceil(septets / 153);
}

function firing(host: string, count: number): Notification {
  const alerts = Array.from({ length: count }, (_, i) =>
    alert(`a${i}`, { rule: `custom_rule_${i}`, severity: 'critical', value: 90 + i, threshold: 80 }),
  );
  return { status: 'firing', host, alerts } as unknown as Notification;
}

describe('SMS text is billed as the segments maxLength allows', () => {
  it('a cut text stays one GSM-7 segment with the default maxLength (160)', () => {
    for (let count = 1; count <= 30; count++) {
      const text = smsText(firing('web-1', count));
      expect(text.length).toBeLessThanOrEqual(160);
      expect(segments(text), `${count} alerts: ${text}`).toBe(1);
    }
    // Cut, and says so in GSM-7.
    expect(smsText(firing('web-1', 12)).endsWith('...')).toBe(true);
  });

  it('a text with a character outside GSM-7 (a Cyrillic host) is cut to one UCS-2 segment', () => {
    for (let count = 1; count <= 12; count++) {
      const text = smsText(firing('веб-сервер-1', count));
      expect(segments(text), `${count} alerts: ${text}`).toBe(1);
      expect(text.startsWith('FIRING веб-сервер-1: custom_rule_0 critical')).toBe(true);
    }
  });

  it('maxLength 459 (three concatenated GSM-7 segments) is billed three at most', () => {
    for (const host of ['web-1', 'веб-1']) {
      const text = smsText(firing(host, 40), 459);
      expect(segments(text), text).toBeLessThanOrEqual(3);
      expect(segments(text)).toBeGreaterThanOrEqual(host === 'web-1' ? 3 : 2);
    }
  });

  it('the extension table counts two septets: a text of them is cut by septets, not characters', () => {
    const n = { status: 'firing', host: '{'.repeat(100), alerts: [alert('a', { rule: 'cpu' })] };
    const text = smsText(n as unknown as Notification);
    expect(segments(text)).toBe(1);
  });
});
