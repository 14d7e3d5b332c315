// The framework modules the adapter tests build their apps with: the majors in devDependencies (Express 5,
// Fastify 5, Koa 3), or the older majors of the peer ranges in package.json (Express 4, Fastify 4, Koa 2),
// installed under the aliases express4, fastify4 and koa2. The older ones are typed as the current ones: the
// tests use only what both majors share.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';

export interface FrameworkModules {
  express: typeof express;
  fastify: typeof Fastify;
  koa: typeof Koa;
  /** The installed versions (`4.21.2`), for test titles; their majors in `majors`. */
  versions: { express: string; fastify: string; koa: string };
  majors: { express: number; fastify: number; koa: number };
}

const require = createRequire(import.meta.url);

/** The version in the package.json of the package installed as `name` (an alias included). */
function versionOf(name: string): string {
  const main = require.resolve(name);
  const at = main.lastIndexOf(`node_modules/${name}/`);
  const dir = main.slice(0, at + `node_modules/${name}`.length);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

function modules(
  ex: typeof express,
  fa: typeof Fastify,
  ko: typeof Koa,
  names: [string, string, string],
): FrameworkModules {
  const versions = { express: versionOf(names[0]), fastify: versionOf(names[1]), koa: versionOf(names[2]) };
  const major = (v: string) => Number(v.split('.')[0]);
  const majors = {
    express: major(versions.express),
    fastify: major(versions.fastify),
    koa: major(versions.koa),
  };
  return { express: ex, fastify: fa, koa: ko, versions, majors };
}

/** Express 5, Fastify 5, Koa 3 (devDependencies). */
export const CURRENT_MAJORS: FrameworkModules = modules(express, Fastify, Koa, ['express', 'fastify', 'koa']);

let older: FrameworkModules | undefined;

/** Express 4, Fastify 4, Koa 2 (devDependencies express4, fastify4, koa2): loaded on first call. */
export function olderMajors(): FrameworkModules {
  older ??= modules(require('express4'), require('fastify4'), require('koa2'), [
    'express4',
    'fastify4',
    'koa2',
  ]);
  return older;
}
