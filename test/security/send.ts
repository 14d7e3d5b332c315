// One request to a real server's admin API over http: or https: (a self-signed certificate accepted), with exactly
// the headers given and no agent: its status, the `error.code` of a refusal's envelope, and the body as text.

import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { body as readBody } from '../http/stream-helpers.js';

export interface Answer {
  status: number;
  code?: string;
  body: string;
}

/** The `error.code` of an admin API envelope; undefined when the body is not one (not JSON, or no error). */
function errorCode(text: string): string | undefined {
  try {
    return JSON.parse(text).error?.code;
  } catch {
    return undefined;
  }
}

export function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const go = url.startsWith('https:') ? httpsRequest : request;
    const all = {
      ...headers,
      ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
    };
    const req = go(url, { method, headers: all, rejectUnauthorized: false, agent: false }, (res) => {
      readBody(res).then(
        (text) => resolve({ status: res.statusCode ?? 0, code: errorCode(text), body: text }),
        reject,
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}
