// Node built-ins that only some paths need (crypto, zlib, node:cluster, worker_threads, net, http, v8,
// fs/promises), loaded on first use instead of at import: each costs milliseconds of import time and 1-3 MB
// of RSS (issue 18), and most processes never sign a token, serve the dashboard uncompressed, join a cluster or
// report from a thread; net and http wait for the first admin request or upgrade, v8 and fs/promises for
// the first sample.

import { createRequire } from 'node:module';

type Crypto = typeof import('node:crypto');
type Zlib = typeof import('node:zlib');
type Cluster = typeof import('node:cluster');
type WorkerThreads = typeof import('node:worker_threads');
type Net = typeof import('node:net');
type Http = typeof import('node:http');
type Http2 = typeof import('node:http2');
type V8 = typeof import('node:v8');
type FsPromises = typeof import('node:fs/promises');

/**
 * require() for built-ins. process.getBuiltinModule (Node >= 20.16) needs no module context; before it,
 * createRequire from any absolute path does (built-ins resolve the same from anywhere; the module's own
 * __filename is no path in a worker made with `eval: true`, and an ES module has no require).
 */
let requireBuiltin: ((id: string) => unknown) | undefined;
function load(id: string): unknown {
  if (requireBuiltin === undefined) {
    const get = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
    requireBuiltin = typeof get === 'function' ? (name) => get.call(process, name) : createRequire('/');
  }
  return requireBuiltin(id);
}

let crypto: Crypto | undefined;
let zlib: Zlib | undefined;
let cluster: Cluster | undefined;
let workerThreads: WorkerThreads | undefined;
let net: Net | undefined;
let http: Http | undefined;
let http2: Http2 | undefined;
let v8: V8 | undefined;
let fsPromises: FsPromises | undefined;

/** node:crypto, loaded on first use. */
export function nodeCrypto(): Crypto {
  crypto ??= load('node:crypto') as Crypto;
  return crypto;
}

/**
 * node:zlib, loaded on first use: only the dashboard's route (an admin request), to gunzip its asset for a client
 * that does not accept gzip. The history and the cluster's frames use pako (src/latency/deflate.ts): a node:zlib stream
 * built once leaves Node's HTTP path megamorphic for the rest of the process (issue 18).
 */
export function nodeZlib(): Zlib {
  zlib ??= load('node:zlib') as Zlib;
  return zlib;
}

/** node:cluster's default export (the cluster object), loaded on first use. */
export function nodeCluster(): Cluster['default'] {
  cluster ??= load('node:cluster') as Cluster;
  return (
    (cluster as unknown as { default?: Cluster['default'] }).default ??
    (cluster as unknown as Cluster['default'])
  );
}

/** node:worker_threads, loaded on first use. */
export function nodeWorkerThreads(): WorkerThreads {
  workerThreads ??= load('node:worker_threads') as WorkerThreads;
  return workerThreads;
}

/** node:net, loaded on first use (isIP on an admin request; the cluster's sockets). */
export function nodeNet(): Net {
  net ??= load('node:net') as Net;
  return net;
}

/** node:http, loaded on first use (an upgrade handed to the application, a refused upgrade's status line). */
export function nodeHttp(): Http {
  http ??= load('node:http') as Http;
  return http;
}

/** node:http2, loaded on first use (the first HTTP/2 response an adapter tracks: its end() is timed). */
export function nodeHttp2(): Http2 {
  http2 ??= load('node:http2') as Http2;
  return http2;
}

/** node:v8, loaded on first use (the heap figures of a sample). */
export function nodeV8(): V8 {
  v8 ??= load('node:v8') as V8;
  return v8;
}

/** node:fs/promises, loaded on first use (the first CPU sample reads cpuinfo). */
export function nodeFsPromises(): FsPromises {
  fsPromises ??= load('node:fs/promises') as FsPromises;
  return fsPromises;
}
