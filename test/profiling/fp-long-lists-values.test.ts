// Outside review 11, F1: the VALUES rows of fp-long-lists.test.ts (its header), a file of their own so that the
// two run two at a time: `VALUES ($1, $2, $3), …` and literal VALUES rows of 5,000 to 100,000 rows, each followed by
// each of four tails. Oracle: the statement texts built in ./long-lists.ts.

import { describe } from 'vitest';
import { shapeCases } from './long-lists.js';

describe('long lists: fingerprints by shape, whatever the length (outside review 11, F1)', () => {
  shapeCases(['VALUES placeholders', 'VALUES literals']);
});
