// Who the client of a request is: the socket's address or, with trustProxy, the one X-Forwarded-For names; and
// whether an address as proxies write it (brackets, a port) is this machine's, for the loopback rule (auth.ts).

import type { IncomingMessage } from 'node:http';
import { nodeNet } from '../builtins.js';

/**
 * The client's address: the socket's, or with trustProxy the address X-Forwarded-For names
 * (`true`: the left-most; N: the one N hops before the socket, as Express's `trust proxy` counts).
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean | number = false): string {
  return forwardingChain(req, trustProxy)[0] as string;
}

/** The client address (as clientAddress finds it) followed by every proxy after it, the socket last. */
export function forwardingChain(req: IncomingMessage, trustProxy: boolean | number): string[] {
  const socketAddress = req.socket?.remoteAddress ?? '';
  if (trustProxy === false || trustProxy === 0) return [socketAddress];
  const header = req.headers['x-forwarded-for'];
  if (typeof header !== 'string' || header.length === 0) return [socketAddress];
  const hops = header.split(',');
  const index = trustProxy === true ? 0 : Math.max(0, hops.length - trustProxy);
  const chain = hops.slice(index).map(normalizeAddress);
  chain.push(socketAddress);
  return chain;
}

/** Trims, removes IPv6 brackets and an IPv4 port; anything else unparseable is kept (cut) as an opaque key. */
function normalizeAddress(raw: string): string {
  let a = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(a);
  if (bracketed) a = bracketed[1] as string;
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(a)) a = a.slice(0, a.lastIndexOf(':'));
  return nodeNet().isIP(a) ? a : a.slice(0, 64);
}

/**
 * The address of an AWS CloudFront `CloudFront-Viewer-Address` value, which is `<ip>:<port>` (AWS's "Add
 * CloudFront request headers": `198.51.100.10:46532`; an IPv6 address unbracketed, `2001:db8::8a2e:370:7334:46532`,
 * so the port is what follows the last `:`). A bracketed `[ip]:port` is taken too; a value without a port is no
 * address of this header (''): its last group would be read as a port.
 */
export function viewerHost(raw: string): string {
  const m = /^\s*(.+):\d{1,5}\s*$/.exec(raw);
  return m === null ? '' : (m[1] as string);
}

/** One address as a proxy header writes it (brackets, a port) is a loopback address. */
export function isLoopbackEntry(raw: string): boolean {
  return isLoopback(normalizeAddress(raw));
}

/** 127.0.0.0/8, ::1 and their IPv4-mapped IPv6 forms (::ffff:127.x.y.z, ::ffff:7fxx:xxxx). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  let a = address.toLowerCase();
  if (a === '::1' || a === '0:0:0:0:0:0:0:1') return true;
  if (a.startsWith('::ffff:')) a = a.slice(7);
  else if (a.startsWith('0:0:0:0:0:ffff:')) a = a.slice(15);
  if (/^7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(a)) return true;
  return nodeNet().isIP(a) === 4 && a.startsWith('127.');
}
