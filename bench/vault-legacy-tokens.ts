// How often the unlabelled legacy Vault rules (docs/redaction.md) take ordinary code or prose, and how often they miss
// a random token. Run: npx tsx bench/vault-legacy-tokens.ts [dir] (default: node_modules; no timing, a count).
// False positives: every `s.`, `r.` and `b.` property access in the directory's .js/.cjs/.mjs/.ts/.md/.json/.map
// files (minified bundles among them), redacted in its line (80 characters either side): taken if it is gone.
// False negatives: 1,000,000 random `s.`/`r.` + 24 base62 tokens (Park-Miller, seed 20261206), after `failed with `.
import { readFileSync, statSync } from 'node:fs';
import { redactCredentials } from '../src/channels/credentials.js';
import { walkFiles } from './lib/walk-files.js';

const root = process.argv[2] ?? 'node_modules';
const ACCESS = /(?<![\w$.])([sbr])\.[A-Za-z_$][\w$-]*/g;
const seen = new Set<number>();
const found = { s: 0, r: 0, b: 0 };
const taken: string[] = [];
/** The shapes the unlabelled Vault rules look at; anything else taken was taken by another rule (`token = s.x`). */
const VAULT_SHAPE = /^(?:[sr]\.[A-Za-z0-9]{24}|b\.[\w-]{60,})$/;
let vaultShaped = 0;
let files = 0;
let bytes = 0;

function scan(path: string): void {
  const st = statSync(path);
  if (st.size > 5_000_000 || seen.has(st.ino)) return;
  seen.add(st.ino);
  const text = readFileSync(path, 'latin1');
  files++;
  bytes += text.length;
  for (const m of text.matchAll(ACCESS)) {
    const kind = m[1] as 's' | 'r' | 'b';
    found[kind]++;
    if (VAULT_SHAPE.test(m[0])) vaultShaped++;
    const at = m.index ?? 0;
    const line = text.slice(Math.max(0, at - 80), at + m[0].length + 80).replace(/[\r\n]/g, ' ');
    if (!redactCredentials(line).includes(m[0]))
      taken.push(`${VAULT_SHAPE.test(m[0]) ? 'Vault shape' : 'other rule'} ${path}: ${m[0]}`);
  }
}

function missed(prefix: string, n: number, seed: number): number {
  const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = seed;
  let kept = 0;
  for (let i = 0; i < n; i++) {
    let t = prefix;
    for (let j = 0; j < 24; j++) {
      s = (s * 16807) % 2147483647;
      t += BASE62[Math.floor((s / 2147483647) * 62)];
    }
    if (redactCredentials(`failed with ${t}`) !== 'failed with [redacted]') kept++;
  }
  return kept;
}

walkFiles(root, /\.(?:[cm]?js|ts|md|json|map)$/, scan);
console.log(`ordinary text: ${files} files, ${(bytes / 1e6).toFixed(1)} MB under ${root}`);
console.log(
  `property accesses  s. ${found.s}  r. ${found.r}  b. ${found.b}  of a Vault token's shape ${vaultShaped}`,
);
const byVault = taken.filter((t) => t.startsWith('Vault')).length;
console.log(
  `taken: ${byVault} of the Vault shape, ${taken.length - byVault} by other rules (a secret's name before it)`,
);
for (const t of taken.slice(0, 20)) console.log(`  taken: ${t}`);
for (const prefix of ['s.', 'r.']) {
  const kept = missed(prefix, 1_000_000, 20261206);
  console.log(`random ${prefix} tokens kept: ${kept} of 1,000,000 (${(kept / 1e4).toFixed(2)} %)`);
}
