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

/** Discord's rule: `\` before a character that is not a letter, a digit or white space stands for it. */
const discordUnescape = (s: string) => s.replace(/\\([^0-9A-Za-z\s])/g, '$1');
/** CommonMark §2.4: `\` before an ASCII punctuation character stands for it. */
const commonMarkUnescape = (s: string) => s.replace(/\\([!-/:-@[-`{-~])/g, '$1');

/** The characters left to the markdown parser once every escape pair is taken out. */
const unescaped = (s: string, pair: RegExp) => s.replace(pair, '');

describe('Discord embed description', () => {
  it.each(HOSTILE)('renders the alert text literally: %j', (message) => {
    const embed = (discordMessage(notification(message)).embeds as { description: string }[])[0]!;
    expect(discordUnescape(embed.description)).toBe(message);
    const left = unescaped(embed.description, /\\[^0-9A-Za-z\s]/g);
    expect(left).not.toMatch(/[\\*_~`|<>[\]()]/);
    expect(left).not.toMatch(/^\s*(#|-|\d+\.)/m); // no heading, list item or numbered item starts a line
  });

  it('a resolved alert text too', () => {
    const message = HOSTILE[0]!;
    const embed = (discordMessage(notification(message, 'resolved')).embeds as { description: string }[])[0]!;
    expect(discordUnescape(embed.description)).toContain(message);
    expect(unescaped(embed.description, /\\[^0-9A-Za-z\s]/g)).not.toMatch(/[[\]()]/);
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

  it('a resolved alert text too', () => {
    const message = HOSTILE[0]!;
    const text = alertBlock(notification(message, 'resolved'));
    expect(commonMarkUnescape(text)).toContain(message);
    expect(unescaped(text, /\\[!-/:-@[-`{-~]/g)).not.toMatch(/[[\]()]/);
  });
});
