// What an uncached SQL fingerprint costs (fingerprintSql on a statement the FingerprintCache has not seen): the
// short-statement path against the general path (scanSql, what every statement took since lists fold whatever
// their length: afaf2af) and against the fingerprint before that commit (1.0 µs then), in one run: interleaved
// rounds (the order rotates), this process's CPU per call (process.cpuUsage), per-round ratios with 95 % intervals.
// A 70 KB statement (10,000 `$n`) checks that the long path is the general one, unchanged.
//
//   npx tsx bench/fingerprint.ts [--rounds 40] [--calls 20000] [--against <rev>] [--no-write]
//
// --against adds a column: fingerprintSql at another revision (its src/profiling/fingerprint*.ts and untimed-sql.ts
// read from git), to price one change to the scans against its parent in the same run.
//
// The variants are bundled by esbuild into one module, as tsup ships the library (through tsx each import is a
// getter call on a module object: it doubled the figures). The before-afaf2af fingerprint is read from git
// (`git show afaf2af^:src/profiling/fingerprint.ts`); without that commit its column is left out.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { loadLine, machineLine, writeSection } from './lib/results.js';
import { formatInterval, meanInterval, median } from './lib/stats.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '40' },
    calls: { type: 'string', default: '20000' },
    against: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(args.rounds);
const CALLS = Number(args.calls);
const BASELINE = 'afaf2af';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = (path: string) => join(root, 'src', path);
const dir = mkdtempSync(join(tmpdir(), 'sysvitals-fp-bench-'));
let before = false;
try {
  const text = execFileSync('git', ['show', `${BASELINE}^:src/profiling/fingerprint.ts`], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  writeFileSync(
    join(dir, 'before.ts'),
    text.replace("'./untimed-sql.js'", JSON.stringify(src('profiling/untimed-sql.ts'))),
  );
  before = true;
} catch {
  console.error(`${BASELINE}^ is not in this clone: the before-${BASELINE} column is left out`);
}
const AGAINST = args.against;
if (AGAINST !== undefined) {
  const files = execFileSync('git', ['ls-tree', '--name-only', AGAINST, 'src/profiling/'], {
    cwd: root,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => /\/(fingerprint[\w-]*|untimed-sql)\.ts$/.test(f));
  mkdirSync(join(dir, 'against'));
  for (const f of files) {
    const text = execFileSync('git', ['show', `${AGAINST}:${f}`], { cwd: root, encoding: 'utf8' });
    writeFileSync(join(dir, 'against', f.slice(f.lastIndexOf('/') + 1)), text);
  }
}
writeFileSync(
  join(dir, 'entry.ts'),
  `export { fingerprintSql as fast, fingerprintLong as general } from ${JSON.stringify(src('profiling/fingerprint.ts'))};
${before ? `export { fingerprintSql as before } from ${JSON.stringify(join(dir, 'before.ts'))};` : ''}
${AGAINST !== undefined ? `export { fingerprintSql as against } from ${JSON.stringify(join(dir, 'against', 'fingerprint.ts'))};` : ''}`,
);
await build({
  entryPoints: [join(dir, 'entry.ts')],
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outfile: join(dir, 'bundle.mjs'),
  logLevel: 'error',
});
type Fp = (sql: string, dialect?: 'postgres' | 'mysql') => string;
const mod = (await import(pathToFileURL(join(dir, 'bundle.mjs')).href)) as Record<string, Fp>;
rmSync(dir, { recursive: true, force: true });

/** Short statements as ORMs and hand-written code send them (14–86 characters). */
const SHORT: ReadonlyArray<readonly [string, 'postgres' | 'mysql']> = [
  ['SELECT $1::int AS id, $2::text AS name', 'postgres'],
  ['SELECT * FROM users WHERE id = $1', 'postgres'],
  ["SELECT id, name, email FROM users WHERE email = 'a@b.c' AND active = true LIMIT 10", 'postgres'],
  ['INSERT INTO orders (user_id, total, created_at) VALUES ($1, $2, now()) RETURNING id', 'postgres'],
  ['UPDATE users SET last_seen = $1 WHERE id = $2', 'postgres'],
  ['SELECT * FROM t WHERE id IN (1, 2, 3, 4, 5)', 'postgres'],
  ["DELETE FROM sessions WHERE expires_at < now() - interval '1 day'", 'postgres'],
  ['SELECT ? AS id, ? AS name', 'mysql'],
  ['SELECT `id`, `name` FROM `users` WHERE `email` = ? LIMIT 1', 'mysql'],
  ['BEGIN', 'postgres'],
];
const LONG = `SELECT * FROM t WHERE id IN (${Array.from({ length: 10_000 }, (_, i) => `$${i + 1}`).join(', ')})`;

const variants: Array<[string, Fp]> = [
  ['fast', mod.fast as Fp],
  ['general', mod.general as Fp],
];
if (mod.before) variants.push(['before', mod.before]);
if (mod.against) variants.push(['against', mod.against]);

// The two current paths must agree on every statement measured (test/profiling/fp-short.test.ts checks many more).
for (const [sql, dialect] of SHORT) {
  const a = (mod.fast as Fp)(sql, dialect);
  const b = (mod.general as Fp)(sql, dialect);
  if (a !== b) throw new Error(`fast and general paths differ on ${sql}: ${a} / ${b}`);
}

let sink = 0;
/** ns of this process's CPU per call of `fp` over `calls` calls cycling through `set`. */
function cpuPerCall(
  fp: Fp,
  set: ReadonlyArray<readonly [string, 'postgres' | 'mysql']>,
  calls: number,
): number {
  const t0 = process.cpuUsage();
  for (let i = 0; i < calls; i++) {
    const [sql, dialect] = set[i % set.length] as readonly [string, 'postgres' | 'mysql'];
    sink += fp(sql, dialect).length;
  }
  const used = process.cpuUsage(t0);
  return ((used.user + used.system) * 1000) / calls;
}

/** Interleaved rounds: every variant once a round, the order rotated; ns per call of each, per round. */
function rounds(
  set: ReadonlyArray<readonly [string, 'postgres' | 'mysql']>,
  calls: number,
  which: Array<[string, Fp]>,
): Map<string, number[]> {
  const out = new Map<string, number[]>(which.map(([name]) => [name, []]));
  for (let w = 0; w < 3; w++) for (const [, fp] of which) cpuPerCall(fp, set, calls); // warm-up, discarded
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < which.length; k++) {
      const [name, fp] = which[(r + k) % which.length] as [string, Fp];
      out.get(name)?.push(cpuPerCall(fp, set, calls));
    }
  }
  return out;
}

const short = rounds(SHORT, CALLS, variants);
const long = rounds([[LONG, 'postgres']], Math.max(3, Math.round(CALLS / 2000)), variants.slice(0, 2));
if (sink === 0) console.error('(nothing computed)');

const ratio = (a: number[], b: number[]) => meanInterval(a.map((x, i) => x / (b[i] as number)));
const get = (m: Map<string, number[]>, k: string) => m.get(k) as number[];
const row = (label: string, m: Map<string, number[]>, k: string, unit: 'ns' | 'µs') => {
  const f = unit === 'ns' ? 1 : 1000;
  const i = meanInterval(get(m, k).map((x) => x / f));
  return `| ${label} | ${(median(get(m, k)) / f).toFixed(unit === 'ns' ? 0 : 1)} ${unit} | ${formatInterval(i, unit === 'ns' ? 0 : 1)} ${unit} |`;
};
const ratioRow = (label: string, a: number[], b: number[]) =>
  `| ${label} | ${median(a.map((x, i) => x / (b[i] as number))).toFixed(3)} | ${formatInterval(ratio(a, b), 3)} |`;
const ratios = [
  ratioRow('fast / general (this change)', get(short, 'fast'), get(short, 'general')),
  ...(mod.before
    ? [
        ratioRow(`fast / before ${BASELINE}`, get(short, 'fast'), get(short, 'before')),
        ratioRow(
          `general / before ${BASELINE} (the regression)`,
          get(short, 'general'),
          get(short, 'before'),
        ),
      ]
    : []),
  ...(mod.against ? [ratioRow(`fast / at ${AGAINST}`, get(short, 'fast'), get(short, 'against'))] : []),
  ratioRow('10,000-`$n` statement: fingerprintSql / general path', get(long, 'fast'), get(long, 'general')),
];
const table = `${machineLine()}
${loadLine()}

Uncached \`fingerprintSql\` (no FingerprintCache), ${SHORT.length} short statements (5–86 characters, 8 PostgreSQL, 2 MySQL) in turn, ${CALLS.toLocaleString('en')} calls per variant a round, ${ROUNDS} interleaved rounds (order rotated), this process's CPU per call; the variants bundled by esbuild as the package ships. *fast*: fingerprintSql now (statements up to 4,096 characters take \`scanShort\`); *general*: \`fingerprintLong\` (scanSql, the only path since ${BASELINE}); *before*: fingerprintSql at ${BASELINE}^ (lists folded only up to 64 KiB of text read).

| variant | CPU per call (median of rounds) | mean (95 % interval) |
|---|---|---|
${row('fast', short, 'fast', 'ns')}
${row('general', short, 'general', 'ns')}
${mod.before ? row(`before ${BASELINE}`, short, 'before', 'ns') : `| before ${BASELINE} | (not in this clone) | |`}
${mod.against ? `${row(`at ${AGAINST}`, short, 'against', 'ns')}\n` : ''}${row('10,000-`$n` statement (70 KB), fingerprintSql', long, 'fast', 'µs')}
${row('10,000-`$n` statement (70 KB), general path', long, 'general', 'µs')}

| per-round ratio | median | mean (95 % interval) |
|---|---|---|
${ratios.join('\n')}`;
console.log(table);
if (!args['no-write']) writeSection('fingerprint', table);
