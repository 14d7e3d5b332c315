// The key every worker of one cluster signs the admin API's access tokens with (outside review D4: a token
// minted by one worker was refused by the others, so the dashboard's stream got 403 from every worker but
// one). A 0600 file in the cluster's private 0700 directory, written once by whichever worker comes first:
// hard-linked into place, so racing workers all end up reading the same key.

import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { nodeCrypto } from '../builtins.js';

const KEY_BYTES = 32;

/** The cluster's token key at `path`, created when there is none yet. Throws when it cannot be had. */
export function sharedTokenKey(path: string): Buffer {
  const existing = readKey(path);
  if (existing) return existing;
  const tmp = `${path}.${process.pid}.${nodeCrypto().randomBytes(6).toString('hex')}`;
  writeFileSync(tmp, nodeCrypto().randomBytes(KEY_BYTES), { mode: 0o600, flag: 'wx' });
  try {
    linkSync(tmp, path); // fails with EEXIST when another worker was first: its key is the one
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
  const key = readKey(path);
  if (!key) throw new Error(`sysvitals cluster: ${path} does not hold a ${KEY_BYTES}-byte key`);
  return key;
}

function readKey(path: string): Buffer | undefined {
  try {
    const key = readFileSync(path);
    if (key.length !== KEY_BYTES) throw new Error(`${path} does not hold a ${KEY_BYTES}-byte key`);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
