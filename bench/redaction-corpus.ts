// Over-masking on ordinary code and prose: the lines of a directory's text (default: node_modules) that one version
// of redactCredentials changes and another does not. Run: npx tsx bench/redaction-corpus.ts <baseline dir> [dir]
// where <baseline dir> holds the other version's src/ (e.g. `git archive <commit> src | tar -x -C /tmp/base`).
// A count, and the time each version spent redacting those lines (its cost; interleaved, so a busy machine slows
// both). Every .js/.cjs/.mjs/.ts/.md/.json file under 5 MB is read (hard links once), cut into lines
// (a minified bundle's long lines into pieces of 2,000 characters), and each line that holds a word the redaction
// rules start at (CANDIDATE) is redacted by both versions; the lines whose outputs differ are printed, each once.
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { redactCredentials } from '../src/channels/credentials.js';
import { walkFiles } from './lib/walk-files.js';

const baseDir = process.argv[2];
if (baseDir === undefined) {
  console.error('usage: npx tsx bench/redaction-corpus.ts <baseline dir with src/> [dir]');
  process.exit(2);
}
const root = process.argv[3] ?? 'node_modules';
const baseline = (await import(pathToFileURL(resolve(baseDir, 'src/channels/credentials.ts')).href)) as {
  redactCredentials: (text: string) => string;
};
/**
 * The words and escapes the rules start at: lines without any of them are left alone by both versions (`\u…` and
 * `\x…` since a secret's name may be written with them: `\u0070assword`).
 */
const CANDIDATE =
  /auth|pass|pwd|secret|token|bearer|basic|cookie|key|identified|requirepass|%[0-9a-f]{2}|\\u[0-9a-f{]|\\x[0-9a-f]{2}|-----|eyJ|sk[-_]|gh[pousr]_|xox|:\/\/|@/i;
const PIECE = 2000;
const seen = new Set<number>();
const differing = new Map<string, { before: string; after: string; path: string }>();
let files = 0;
let bytes = 0;
let candidates = 0;
let baselineMs = 0;
let currentMs = 0;

function scan(path: string): void {
  const st = statSync(path);
  if (st.size > 5_000_000 || seen.has(st.ino)) return;
  seen.add(st.ino);
  const text = readFileSync(path, 'latin1');
  files++;
  bytes += text.length;
  for (const line of text.split('\n')) {
    for (let at = 0; at < line.length; at += PIECE) {
      const piece = line.slice(at, at + PIECE);
      if (!CANDIDATE.test(piece)) continue;
      candidates++;
      const t0 = performance.now();
      const before = baseline.redactCredentials(piece);
      const t1 = performance.now();
      const after = redactCredentials(piece);
      currentMs += performance.now() - t1;
      baselineMs += t1 - t0;
      if (before !== after && !differing.has(piece)) differing.set(piece, { before, after, path });
    }
  }
}

walkFiles(root, /\.(?:[cm]?js|ts|md|json)$/, scan);
for (const [piece, { before, after, path }] of differing) {
  console.log(
    `--- ${path}\n  text:   ${piece.slice(0, 300)}\n  before: ${before.slice(0, 300)}\n  after:  ${after.slice(0, 300)}`,
  );
}
console.log(
  `${files} files, ${(bytes / 1e6).toFixed(1)} MB, ${candidates} candidate lines: ${differing.size} lines redacted differently`,
);
console.log(`redaction time: baseline ${baselineMs.toFixed(0)} ms, this version ${currentMs.toFixed(0)} ms`);
