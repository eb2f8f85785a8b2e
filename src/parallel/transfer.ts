/**
 * Opt-in transfer of a task's result (see ./pool.ts): a task returns `transferring(result,
 * buffers)` to have the worker post those ArrayBuffers as a transfer list (moved, not copied; the
 * worker must not use them afterwards). Results without the mark are cloned as before. The mark
 * is a symbol-keyed property, which structured cloning drops.
 */
const TRANSFER = Symbol.for('knnkit.parallel.transfer');

export function transferring<T extends object>(result: T, buffers: ArrayBuffer[]): T {
  Object.defineProperty(result, TRANSFER, { value: buffers, enumerable: false });
  return result;
}

/** The buffers a result was marked with (none when unmarked). */
export function transferList(result: unknown): ArrayBuffer[] {
  if (result === null || typeof result !== 'object') return [];
  return ((result as Record<symbol, ArrayBuffer[] | undefined>)[TRANSFER]) ?? [];
}
