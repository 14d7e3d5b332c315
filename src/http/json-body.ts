// Reads an admin request's JSON body, strictly: bounded in size, UTF-8, valid JSON, no key given twice.

import type { IncomingMessage } from 'node:http';
import { sendHeldContinue } from './expect-continue.js';
import { findDuplicateKey } from './strict-json.js';

export type BodyResult = { ok: true; body: unknown } | { ok: false; status: number; message: string };

/**
 * Reads a JSON body of at most `maxBytes`; a refusal carries its 4xx status and message. A body declared
 * larger is refused before a byte of it is read. A client waiting for `100 Continue` gets it now (the
 * request was let in), not when its head arrived (expect-continue.ts).
 */
export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (declared > maxBytes) {
    return Promise.resolve({ ok: false, status: 413, message: `the body is larger than ${maxBytes} bytes` });
  }
  sendHeldContinue(req);
  return new Promise((resolve) => {
    let size = 0;
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (r: BodyResult) => {
      if (done) return;
      done = true;
      resolve(r);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        // The answer says Connection: close (respond.ts): the rest is not read.
        finish({ ok: false, status: 413, message: `the body is larger than ${maxBytes} bytes` });
        return;
      }
      if (!done) chunks.push(chunk);
    });
    req.on('error', () => finish({ ok: false, status: 400, message: 'the body could not be read' }));
    req.on('end', () => finish(parseStrict(Buffer.concat(chunks))));
  });
}

function parseStrict(bytes: Buffer): BodyResult {
  let text: string;
  try {
    // Not toString(): that turns invalid bytes into U+FFFD, which another reader of the body may not.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, status: 400, message: 'the body is not valid UTF-8' };
  }
  if (text.trim() === '') return { ok: true, body: undefined };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, status: 400, message: 'the body is not valid JSON' };
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate !== undefined) {
    return {
      ok: false,
      status: 400,
      message: `the body gives the key ${JSON.stringify(duplicate.slice(0, 100))} twice; give each key once`,
    };
  }
  return { ok: true, body };
}
