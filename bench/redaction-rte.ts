// Cost of review E's redaction rules on hostile texts (a bench, not a test: no timed assertion). Each text is a unit
// repeated (or a head then a run) to 100 KB and 200 KB; for this version and a baseline (another version's src/, as
// bench/redaction-corpus.ts takes it) it prints the least CPU time of 7 redactions, that time over as much prose's,
// and 200 KB's time over 100 KB's (about 2 for a linear rule; a rule that rescans from every start reads about 4).
// Run: npx tsx bench/redaction-rte.ts <baseline dir with src/>
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { redactCredentials } from '../src/channels/credentials.js';

const baseDir = process.argv[2];
if (baseDir === undefined) {
  console.error('usage: npx tsx bench/redaction-rte.ts <baseline dir with src/>');
  process.exit(2);
}
const baseline = (await import(pathToFileURL(resolve(baseDir, 'src/channels/credentials.ts')).href)) as {
  redactCredentials: (text: string) => string;
};

/** `unit` repeated to `size` characters, or `head` then `unit` repeated. */
const fill = (unit: string, size: number, head = ''): string =>
  (head + unit.repeat(Math.ceil(size / unit.length))).slice(0, size);

/** The least CPU time (µs) of `runs` redactions of `text` by `redact`, after two warm-up runs. */
function cpu(redact: (text: string) => string, text: string, runs = 7): number {
  redact(text);
  redact(text);
  let least = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const start = process.cpuUsage();
    redact(text);
    const used = process.cpuUsage(start);
    least = Math.min(least, used.user + used.system);
  }
  return Math.max(least, 1);
}

const B = '\\';
const hostile: [string, string, string?][] = [
  ['<key>password</key>', ''],
  ['<key>password</key><string>', ''],
  ['<key><value>password</value></key>\n<value>', ''],
  ['<name>db.password</name> <value ', ''],
  ['\\u003cpassword\\u003e', ''],
  ['\\u003ckey\\u003epassword\\u003c/key\\u003e\\n', ''],
  ['\\u003ca ', ''],
  [B, 'backslash run after a tag', '\\u003cpassword\\u003e'],
  [B, 'backslash run after a tag attribute', '\\u003ca b'],
  [B, 'backslash run after \\u003d', 'password\\u003d'],
  ['\\n', 'escaped blanks after a label', '\\u003ckey\\u003epassword\\u003c/key\\u003e'],
  ['password\\\\u003d', ''],
  ['password\\u003d\\u0027', ''],
  ['password&#61', ''],
  ['password&#61&#34', ''],
  ['\\u003cproperty name\\u003d\\"password\\"\\u003e\\u003cvalue\\u003e', ''],
  ['&lt;a&gt; &lt;value&gt;', ''],
  ['&lt;key&gt;password&lt;/key&gt;&lt;string&gt;', ''],
];

const prose = (size: number) => fill('the quick brown fox jumps over the lazy dog ', size);
const proseCost = new Map<string, number>();
for (const [name, redact] of [
  ['baseline', baseline.redactCredentials],
  ['this', redactCredentials],
] as const) {
  proseCost.set(name, cpu(redact, prose(100_000)));
}
console.log(
  `prose 100 KB: baseline ${proseCost.get('baseline')} µs, this version ${proseCost.get('this')} µs`,
);
console.log('text | baseline µs (× prose) | this µs (× prose) | this 200 KB / 100 KB');
for (const [unit, label, head] of hostile) {
  const t100 = fill(unit, 100_000, head);
  const t200 = fill(unit, 200_000, head);
  const b = cpu(baseline.redactCredentials, t100);
  const c = cpu(redactCredentials, t100);
  const c2 = cpu(redactCredentials, t200);
  const ratio = (x: number, name: string) => (x / (proseCost.get(name) as number)).toFixed(1);
  console.log(
    `${JSON.stringify(label || unit)}${head ? ` (${JSON.stringify(head)})` : ''} | ${b} (${ratio(b, 'baseline')}) | ${c} (${ratio(c, 'this')}) | ${(c2 / c).toFixed(1)}`,
  );
}
