/**
 * Progress of long operations (index builds, kNN-Graph fits, cross-validation, file reads):
 * the operation calls `onProgress({ phase, done, total })` as it goes, with `done` rising to
 * `total` within a phase (units are the phase's own: points inserted, columns solved, folds,
 * bytes). Callbacks are synchronous and cheap to skip; renderers (the CLI's) throttle by time.
 */
export interface ProgressEvent {
  /** What is running, e.g. "hnsw insert", "knn-graph solve", "fold", "read data.csv". */
  phase: string;
  done: number;
  total: number;
}

export type OnProgress = (p: ProgressEvent) => void;

/**
 * A reporter for a loop of `total` steps that calls `onProgress` about `times` times (every
 * `ceil(total / times)` steps) and at the last step; a no-op when no callback was given.
 */
export function progressSteps(onProgress: OnProgress | undefined, phase: string, total: number, times = 200): (done: number) => void {
  if (!onProgress || total <= 0) return () => undefined;
  const every = Math.max(1, Math.ceil(total / times));
  return (done) => { if (done % every === 0 || done >= total) onProgress({ phase, done, total }); };
}
