// The readers added after review 38 (CONFIG SET over lines, RESP, percent-encoded fields) stay linear on 100 KB of
// adversarial text: counted, not timed. `redisScan.chars` counts the characters they read; on each input it stays
// under a fixed multiple of the text's length, and doubling the text at most doubles it. The regular expressions
// added with them are bounded by construction (docs/redaction.md, "Linear time").

import { describe } from 'vitest';
import { readsBoundedMultiple } from './helpers/redaction-table.js';

describe('the readers after review 38 read a bounded multiple of the text', () => {
  readsBoundedMultiple('%j', [
    'CONFIG SET a\n',
    'CONFIG SET \\\n',
    'CONFIG SET\n',
    'config set requirepass\n',
    'CONFIG SET a b c d e f g h i j k l m n o p q r s t u v w x y z\n',
    '*9\r\n$4\r\nauth\r\n$1\r\n',
    '*64\r\n$6\r\nconfig\r\n',
    '*2\\r\\n$4\\r\\nAUTH\\r\\n',
    'AUTH%20a&',
    'auth+',
    'x%20auth%20',
    'requirepass%3D',
    'CONFIG%20SET%20requirepass%0A',
  ]);
});
