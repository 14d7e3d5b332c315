// Work cut into steps run one per loop turn, so that none of it holds the host's event loop for long.

/**
 * Runs `steps` in order, one per setImmediate (after the turn's I/O callbacks), and returns a function that stops
 * the steps not run yet. A step that throws ends only itself: each step is a cache fill whose work is redone,
 * when needed, where it is needed.
 */
export function runInSlices(steps: ReadonlyArray<() => unknown>): () => void {
  let i = 0;
  let stopped = false;
  const next = () => {
    if (stopped || i >= steps.length) return;
    try {
      steps[i++]?.();
    } catch {
      // the work loads where it is used, as without the warm-up
    }
    if (i < steps.length) setImmediate(next).unref();
  };
  setImmediate(next).unref();
  return () => {
    stopped = true;
  };
}
