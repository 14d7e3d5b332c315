// Where a monitor's cluster meets (its private directory), or why cluster mode is off in this process.

import { invalidOption } from '../errors.js';
import type { ClusterModeOff } from '../types.js';
import { defaultDirs, firstPrivateDir } from './endpoint.js';
import type { ClusterConfig } from './options.js';

/** The cluster's config with its directory settled, or why this process runs without cluster mode. */
export type ClusterPlacement = { config: ClusterConfig; off: null } | { config: null; off: ClusterModeOff };

/**
 * Settles the cluster's private directory before anything is built on it. A `cluster.socketDir` the user
 * gave that is refused (someone else's, enterable by others, not creatable) is a setup error: the user chose
 * it and can fix it. Without one, when no default candidate passes (e.g. `<tmpdir>/sysvitals-<uid>` created
 * first by another local user, in a process without `$XDG_RUNTIME_DIR` or a writable home), the refused
 * directory is never used and the monitor runs without cluster mode (`off`): per-process figures, marked as
 * such, instead of a crash in every worker (outside review F1).
 */
export function placeCluster(config: ClusterConfig, candidates?: readonly string[]): ClusterPlacement {
  if (config.socketDir !== undefined) {
    const given = firstPrivateDir([config.socketDir]);
    if ('refused' in given) {
      throw invalidOption(
        `sysvitals: \`cluster.socketDir\` refused: ${given.refused.join('; ')}; give a directory owned by this user with mode 0700 (or leave it out for the defaults)`,
      );
    }
    return { config: Object.freeze({ ...config, socketDir: given.dir }), off: null };
  }
  const found = firstPrivateDir(candidates ?? defaultDirs());
  if ('dir' in found) return { config: Object.freeze({ ...config, socketDir: found.dir }), off: null };
  const reason = `no private directory for the cluster's socket: ${found.refused.join('; ')}. Give this user an XDG_RUNTIME_DIR or a writable HOME, or set cluster.socketDir to a directory owned by this user with mode 0700`;
  return { config: null, off: Object.freeze({ enabled: false, scope: 'process', reason }) as ClusterModeOff };
}
