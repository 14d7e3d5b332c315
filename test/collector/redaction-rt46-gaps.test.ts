// Leaks left after review 46 (outside reviews' gaps): a Redis AUTH percent-encoded twice (`AUTH%2520pw`: `%25` is
// `%`, then `20`), a literal inside an encoding call after a quoted scheme (`'Basic ' + btoa('u:pw')`), and a
// capitalised `Auth('…')` call (a bare `auth('pw')` was read since review 42). Oracles: the WHATWG URL parser's
// decoding (URLSearchParams, then decodeURIComponent for the second level) of each encoded text, V8's own evaluation
// of each JS expression (the credential it encodes must not be shown), and hand-written expected texts.

import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../../src/channels/credentials.js';
import { cheapAgainstProse, readsBoundedMultiple, redactsTo, staysWhole } from './helpers/redaction-table.js';

const R = '[redacted]';

/** The Redis command a twice-encoded query parameter holds: URLSearchParams decodes once, the server once more. */
function twiceDecoded(query: string, name: string): string {
  return decodeURIComponent(new URLSearchParams(query).get(name) as string);
}

describe('a Redis password word percent-encoded twice', () => {
  const cases: [string, string, string][] = [
    // [query, parameter, password]
    ['cmd=AUTH%2520pw', 'cmd', 'pw'],
    ['cmd=AUTH%2520S3cretPw1&db=0', 'cmd', 'S3cretPw1'],
    ['cmd=%2541UTH%2520default%2520S3cretPw1', 'cmd', 'S3cretPw1'],
    ['cmd=auth%2520default%2520hunter2x', 'cmd', 'hunter2x'],
    ['q=CONFIG%2520SET%2520requirepass%2520hunter2x', 'q', 'hunter2x'],
    ['q=AUTH2%2520bob%2520hunter2x', 'q', 'hunter2x'],
    ['q=HELLO%25203%2520AUTH%2520default%2520hunter2x', 'q', 'hunter2x'],
    ['q=AUTH%2520S3cret%2525Pw1', 'q', 'S3cret%Pw1'],
  ];
  it.each(cases)('GET /redis?%s', (query, name, password) => {
    const text = `GET /redis?${query} failed: 502`;
    const command = twiceDecoded(query, name);
    expect(command.endsWith(` ${password}`)).toBe(true);
    const shown = redactCredentials(text);
    const shownQuery = /\?(\S*)/.exec(shown)?.[1] as string;
    const shownCommand = twiceDecoded(shownQuery, name);
    expect(shownCommand).toBe(`${command.slice(0, -password.length)}${R}`);
    // Nor any decoding of it: as written, once, twice.
    for (const form of [shown, decodeURIComponent(shown), shownCommand]) expect(form).not.toContain(password);
  });

  it('as the argument of redis-cli written into a log line', () => {
    expect(redactCredentials('redis-cli AUTH%2520pw')).toBe(`redis-cli AUTH%2520${R}`);
  });

  staysWhole('stays: %j', [
    // Status words and prose stay, as when encoded once.
    'GET /search?q=AUTH%2520failed',
    'GET /search?q=how%2520to%2520AUTH%2520redis',
    'GET /search?q=auth%2520middleware',
    // Encoded once: the rule of review 42, unchanged.
    'GET /search?q=AUTH%20failed',
  ]);
});

/** The value of a JS expression as V8 evaluates it (btoa, Buffer are Node's globals). */
function evaluate(expression: string): string {
  return new Function('user', 'pass', `return ${expression};`)('alice', 'from-a-variable') as string;
}

describe("a literal encoded after a quoted scheme ('Basic ' + btoa('u:pw'))", () => {
  const cases: [string, string, string][] = [
    // [expression, the credential it encodes, expected text]
    ["'Basic ' + btoa('u:pw')", 'u:pw', `'Basic ' + btoa('${R}')`],
    ['"Basic " + btoa("alice:S3cretPw1")', 'alice:S3cretPw1', `"Basic " + btoa("${R}")`],
    [
      "'Basic ' + Buffer.from('alice:hunter2').toString('base64')",
      'alice:hunter2',
      `'Basic ' + Buffer.from('${R}').toString('base64')`,
    ],
    [
      "'Basic ' + Buffer.from('alice:hunter2', 'utf8').toString('base64')",
      'alice:hunter2',
      `'Basic ' + Buffer.from('${R}', 'utf8').toString('base64')`,
    ],
    [
      "'Basic ' + globalThis.btoa(unescape(encodeURIComponent('alice:hunter2')))",
      'alice:hunter2',
      `'Basic ' + globalThis.btoa(unescape(encodeURIComponent('${R}')))`,
    ],
    ["'Basic ' + btoa(user + ':hunter2')", ':hunter2', `'Basic ' + btoa(user + '${R}')`],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal in the text
    ["'Basic ' + btoa(`${user}:hunter2`)", ':hunter2', `'Basic ' + btoa(\`${R}\`)`],
  ];
  it.each(cases)('%j', (expression, credential, expected) => {
    // The expression's value is the header value sent: the credential base64-encoded.
    const sent = evaluate(expression);
    expect(Buffer.from(sent.slice('Basic '.length), 'base64').toString()).toContain(credential);
    for (const text of [
      expression,
      `headers: { Authorization: ${expression} }`,
      `h.set('Authorization', ${expression})`,
    ]) {
      const shown = redactCredentials(text);
      expect(shown).toBe(text.replace(expression, expected));
      expect(shown).not.toContain(credential);
    }
  });

  it('a text cut short inside the literal', () => {
    expect(redactCredentials("fetch failed: { Authorization: 'Basic ' + btoa('alice:hunt")).toBe(
      `fetch failed: { Authorization: 'Basic ' + btoa('${R}`,
    );
  });

  staysWhole('stays: %j', [
    // Names hold no value, a `:` literal and blanks no credential.
    "'Basic ' + btoa(user + ':' + pass)",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal in the text
    "'Basic ' + btoa(`${user}:${pass}`)",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal in the text
    "'Basic ' + Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')",
    "'Basic ' + btoa('')",
    // No scheme before the call: any string may be encoded.
    "const id = btoa('page:12')",
    "'prefix ' + btoa('page:12')",
  ]);
});

describe("a capitalised Auth('…') call", () => {
  redactsTo('%j', [
    ["Auth('pw')", `Auth('${R}')`],
    ["Auth('S3cretPw1')", `Auth('${R}')`],
    ["await Auth('hunter2')", `await Auth('${R}')`],
    ["Auth('default', 'hunter2')", `Auth('default', '${R}')`],
    ["Authenticate('S3cretPw1')", `Authenticate('${R}')`],
    ["client.Auth('hunter2')", `client.Auth('${R}')`],
    // A constructor reads as a value handed on: a credential-shaped argument goes.
    ["new Auth('S3cretPw1')", `new Auth('${R}')`],
    ["app.use(Auth('S3cretPw1'))", `app.use(Auth('${R}'))`],
  ]);

  staysWhole('stays: %j', [
    // As for auth(…): names no call takes as a password, role and strategy names handed on as values.
    "Auth('local')",
    "Auth('basic')",
    "app.use(Auth('admin'))",
    "const guard = new Auth('admin')",
    "router.get('/', Auth('editor'), list)",
    "OAuth('S3cretPw1')",
    "Author('S3cretPw1')",
  ]);
});

describe('linear on 100 KB of adversarial text', () => {
  readsBoundedMultiple('the encoded reader reads a bounded multiple: %j', [
    'AUTH%2520a&',
    'cmd=%2561%2575%2574%2568%2520',
    '%2541%2555%2554%2548%2532%2520b%2520',
  ]);

  cheapAgainstProse('cost against prose: %j', [
    "'Basic ' + btoa(",
    "'Basic ' + btoa('",
    "'Basic ' + btoa((",
    "'Basic ' + btoa(x + '",
    "'Basic '+btoa(a,",
    "Auth('",
    'new Auth(',
    'AUTH%2520',
  ]);
});
