// `npm run fuzz`: runs every property test (those using test/helpers/property.ts) on new random seeds, round
// after round, for as long as asked. A failing seed is appended to test/property-seeds.jsonl by the helper,
// and from then on every `npm test` replays it first (commit the file).
//
//   SYSVITALS_FUZZ_DURATION_MS  how long to keep exploring (default 60000)
//   SYSVITALS_FUZZ_ROUNDS       or how many rounds (overrides the duration)
//   SYSVITALS_FUZZ_RUNS         runs per property per round (default: 10 × the property's CI runs)
//   further arguments           vitest filters, e.g. `npm run fuzz -- test/oracle`

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function propertyFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...propertyFiles(path));
    else if (
      name.endsWith('.test.ts') &&
      /helpers\/property\.js|from 'fast-check'/.test(readFileSync(path, 'utf8'))
    )
      out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = filters.length > 0 ? filters : propertyFiles('test');
const rounds =
  process.env.SYSVITALS_FUZZ_ROUNDS === undefined
    ? Number.POSITIVE_INFINITY
    : Number(process.env.SYSVITALS_FUZZ_ROUNDS);
const until = Date.now() + Number(process.env.SYSVITALS_FUZZ_DURATION_MS ?? 60_000);
let failed = 0;
for (let round = 1; round <= rounds && (Number.isFinite(rounds) || Date.now() < until); round++) {
  console.log(`fuzz round ${round}: ${files.length} files`);
  const run = spawnSync('npx', ['vitest', 'run', ...files], {
    stdio: 'inherit',
    env: { ...process.env, SYSVITALS_FUZZ: '1' },
  });
  if (run.status !== 0) failed++;
}
console.log(
  failed === 0
    ? 'fuzz: no failure'
    : `fuzz: ${failed} failing round(s); seeds kept in test/property-seeds.jsonl`,
);
process.exit(failed === 0 ? 0 : 1);
