// Every file under a directory whose name matches, depth first, symbolic links not followed and unreadable
// directories passed over: the text corpora the redaction benches read (node_modules).

import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Calls `visit` with the path of each file under `dir` whose name matches `names`. */
export function walkFiles(dir: string, names: RegExp, visit: (path: string) => void): void {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isSymbolicLink()) continue;
    if (e.isDirectory()) walkFiles(path, names, visit);
    else if (names.test(e.name)) visit(path);
  }
}
