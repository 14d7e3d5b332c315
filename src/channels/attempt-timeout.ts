// A per-attempt timeout for an outgoing request. Not AbortSignal.any([c.signal, AbortSignal.timeout(ms)]): on Node 20
// the composite holds the timeout signal only weakly, and once a garbage collection frees it its timer never fires,
// so a receiver that hangs held a channel forever (outside review 16, F10). A plain timer aborts the attempt's own
// controller with the same TimeoutError that AbortSignal.timeout() gives.

/**
 * Aborts `controller` with a `TimeoutError` DOMException after `ms`, unless the returned function is called first.
 * The timer is unref'd: it never keeps a process alive on its own.
 */
export function abortAfter(controller: AbortController, ms: number): () => void {
  const timer = setTimeout(() => {
    controller.abort(new DOMException(`The operation was aborted due to timeout`, 'TimeoutError'));
  }, ms);
  timer.unref();
  return () => clearTimeout(timer);
}
