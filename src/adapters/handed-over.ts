// Whether a response the application just ended is whole in the operating system's hands (outside review 7, F5):
// then it completed, whoever destroys the connection afterwards (response-end.ts).

import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

// A keyed read (see express.ts, METHOD): Express's responses have a hidden class of their own.
const OUTPUT_SIZE = 'outputSize';

/**
 * Whether the response `res`, its end() just returned, is whole in the operating system's hands (outside review 7,
 * F5): nothing of it held by the response (`outputSize` 0: a response queued behind a pipelined one keeps its bytes
 * there) or by its connection (`writableLength` 0: Node's write queue, and a write the kernel did not take whole,
 * which libuv keeps and whose length Node counts until it completes), the connection neither destroyed (Node drops
 * what is written to a destroyed socket) nor failed (a write the kernel refused). Node hands the kernel what it can
 * at once, in end() itself, and a destroy() after that does not take it back: the kernel sends it, then the FIN
 * (not when the server has left request bytes unread: Linux then resets the connection, and what it had not sent
 * yet is lost, unseen here). A connection that is not a Node socket (`writableLength` not a number): false.
 */
export function handedOver(res: ServerResponse, socket: Socket | null | undefined): boolean {
  if (socket == null) return false;
  return (
    (res as unknown as Record<string, unknown>)[OUTPUT_SIZE] === 0 &&
    socket.writableLength === 0 &&
    !socket.destroyed &&
    socket.errored === null
  );
}
