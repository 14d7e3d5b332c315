// Alert texts (a dependency's or a job's error message: what a remote service or a client put in it) render
// literally in Discord embeds and Teams Adaptive Card TextBlocks, both of which render markdown (outside review 31,
// RT31-4: `[click](https://evil.example)` became a masked link). Oracle: each service's documented escape rule.
// Discord (simple-markdown, its client's parser): a backslash before any character other than a letter, a digit or
// white space is that character. Teams: Adaptive Cards' TextBlock markdown is a CommonMark subset (learn.microsoft.com
// adaptive-cards/create/textfeatures): a backslash before ASCII punctuation is that character (CommonMark §2.4).
// The escaped text, un-escaped by the rule, equals the original; and no markdown character is left unescaped.

import { describe, expect, it } from 'vitest';
import { discordMessage } from '../../src/channels/discord.js';
import { teamsMessage } from '../../src/channels/teams.js';
import type { Notification } from '../../src/channels/types.js';
import { alert } from './alerts.js';

/** Alert texts with links in them, where a link's own characters and its neighbours matter (review 32, RT32-8). */
const WITH_LINKS = [
  'GET https://evil.example/a_b_c_ failed: 502',
  'see (https://evil.example/x) and [https://evil.example/y] or https://evil.example/z<@&123> <t:1:R>',
  'https://x) **b** _https://evil.example/i_ https://e.example/p**q**|r|`s`',
  'https://* and https://a. and http://ab\\ ~~s~~',
];

const HOSTILE = [
  'database: Error: connect failed [click](https://evil.example) <https://evil.example|Re-authenticate>',
  '**bold** _it_ __u__ ~~s~~ ||spoiler|| `code` ```block``` \\[not\\] \\\\ trailing \\',
  '# heading\n> quote\n- item\n* item\n+ item\n1. one\n  12. twelve\n![img](https://evil.example/p.png)',
  'a_b_c 97.5 % (threshold 90) &amp; &#60; <b>x</b> @everyone <@&123> <t:1700000000:R> :smile:',
  'plain text, nothing to escape: 1.5 ms',
];

function notification(message: string, status: Notification['status'] = 'firing'): Notification {
  return {
    status,
    repeat: false,
    group_key: 'k',
    alerts: [{ ...alert('a1', { rule: 'database', component: 'database', message }), labels: {} }],
    host: 'web-1',
    instance: 'i-1',
    dashboard_url: null,
    timestamp: '2025-12-27T12:00:00.000Z',
  };
}

/** CommonMark §2.4: `\` before an ASCII punctuation character stands for it. */
const commonMarkUnescape = (s: string) => s.replace(/\\([!-/:-@[-`{-~])/g, '$1');

/**
 * Discord's reading, in its parser's rule order (simple-markdown): at any token's start an `https?://` link (its url rule:
 * `[^\s<]+` then a character not in `<.,:;"')]`) is shown as typed, no markdown read in it; elsewhere `\` before a
 * character other than a letter, a digit or white space is that character. `shown` is what a reader sees, `bare` the
 * characters left to the other markdown rules.
 */
function discordRead(s: string): { shown: string; bare: string } {
  let shown = '';
  let bare = '';
  for (let i = 0; i < s.length; ) {
    const url = /^https?:\/\/[^\s<]+[^<.,:;"')\]\s]/.exec(s.slice(i));
    if (url) {
      shown += url[0];
      i += url[0].length;
    } else if (s[i] === '\\' && i + 1 < s.length && /[^0-9A-Za-z\s]/.test(s[i + 1]!)) {
      shown += s[i + 1];
      i += 2;
    } else {
      shown += s[i];
      bare += s[i];
      i++;
    }
  }
  return { shown, bare };
}

/** The characters left to the markdown parser once every escape pair is taken out. */
const unescaped = (s: string, pair: RegExp) => s.replace(pair, '');

describe('Discord embed description', () => {
  it.each([...HOSTILE, ...WITH_LINKS])('renders the alert text literally: %j', (message) => {
    const embed = (discordMessage(notification(message)).embeds as { description: string }[])[0]!;
    const { shown, bare } = discordRead(embed.description);
    expect(shown).toBe(message);
    // No opener is left to markdown (a lone `)` or `]` after a link closes nothing).
    expect(bare).not.toMatch(/[\\*_~`|<>[(]/);
    expect(bare).not.toMatch(/^\s*(#|-|\d+\.)/m); // no heading, list item or numbered item starts a line
  });

  it('a link in the alert text stays as typed, no backslash in it (outside review 32, RT32-8)', () => {
    const message = 'fetch https://evil.example/a_b_c_ failed (see https://docs.example/x*y*z).';
    const embed = (discordMessage(notification(message)).embeds as { description: string }[])[0]!;
    expect(embed.description).toContain('https://evil.example/a_b_c_ ');
    expect(embed.description).toContain('https://docs.example/x*y*z).');
  });

  it.each([...HOSTILE, ...WITH_LINKS, '[evil](https://evil.example) **x**'])(
    'the Component field is literal too (outside review 32, RT32-8): %j',
    (component) => {
      const n = notification('m');
      n.alerts[0] = { ...n.alerts[0]!, component };
      const embed = (discordMessage(n).embeds as { fields: { name: string; value: string }[] }[])[0]!;
      const value = embed.fields.find((f) => f.name === 'Component')!.value;
      const { shown, bare } = discordRead(value);
      expect(shown).toBe(component);
      expect(bare).not.toMatch(/[\\*_~`|<>[(]/);
    },
  );

  it('a resolved alert text too', () => {
    const message = HOSTILE[0]!;
    const embed = (discordMessage(notification(message, 'resolved')).embeds as { description: string }[])[0]!;
    const { shown, bare } = discordRead(embed.description);
    expect(shown).toContain(message);
    expect(bare).not.toMatch(/[[(]/);
  });
});

describe('Teams Adaptive Card TextBlock', () => {
  const alertBlock = (n: Notification) => {
    const card = (
      teamsMessage(n).attachments as { content: { body: { type: string; text?: string }[] } }[]
    )[0]!;
    return card.content.body[1]!.text!;
  };

  it.each(HOSTILE)('renders the alert text literally: %j', (message) => {
    const text = alertBlock(notification(message));
    expect(commonMarkUnescape(text)).toBe(`**database**: ${message}`);
    const left = unescaped(text.slice('**database**: '.length), /\\[!-/:-@[-`{-~]/g);
    expect(left).not.toMatch(/[\\*_~`<>[\]()&]/);
    expect(left).not.toMatch(/^\s*(#|-|\+|\d+\.)/m);
  });

  it.each([...HOSTILE, ...WITH_LINKS, '[evil](https://evil.example) **x**'])(
    'the Component fact is literal too (outside review 32, RT32-8): %j',
    (component) => {
      const n = notification('m');
      n.alerts[0] = { ...n.alerts[0]!, component };
      const card = (
        teamsMessage(n).attachments as {
          content: { body: { type: string; facts?: { title: string; value: string }[] }[] };
        }[]
      )[0]!;
      const facts = card.content.body.find((b) => b.type === 'FactSet')!.facts!;
      const value = facts.find((f) => f.title === 'Component')!.value;
      expect(commonMarkUnescape(value)).toBe(component);
      const left = unescaped(value, /\\[!-/:-@[-`{-~]/g);
      expect(left).not.toMatch(/[\\*_~`<>[\]()&]/);
      expect(left).not.toMatch(/^\s*(#|-|\+|\d+\.)/m);
    },
  );

  it('a resolved alert text too', () => {
    const message = HOSTILE[0]!;
    const text = alertBlock(notification(message, 'resolved'));
    expect(commonMarkUnescape(text)).toContain(message);
    expect(unescaped(text, /\\[!-/:-@[-`{-~]/g)).not.toMatch(/[[\]()]/);
  });
});
