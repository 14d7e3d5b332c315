// A vitest setup file: every fast-check property, also those that call fc.assert directly rather than through
// helpers/property.ts, runs a fixed seed per test in `npm test` and CI (the test's name, hashed), so a property
// cannot fail on one run and pass on the next; `npm run fuzz` (SYSVITALS_FUZZ=1) leaves the seeds random.

import fc from 'fast-check';
import { beforeEach } from 'vitest';
import { fixedSeed } from './property.js';

if (process.env.SYSVITALS_FUZZ !== '1') {
  beforeEach((context) => {
    const seed =
      process.env.SYSVITALS_FUZZ_SEED !== undefined
        ? Number(process.env.SYSVITALS_FUZZ_SEED)
        : fixedSeed(context.task.name);
    fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
  });
}
