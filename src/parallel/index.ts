// Worker-thread parallelism shared by the engines: a task pool (./pool.ts) and
// SharedArrayBuffer helpers (./shared.ts). See pool.ts for how to write a task module.
export { WorkerPool, sharedPool, existingSharedPool, closeSharedPool, defaultThreads, taskUrl } from './pool.js';
export type { TaskRequest } from './pool.js';
export { sharedArray, toShared, sharedMemoryAvailable } from './shared.js';
export type { NumericArray } from './shared.js';
export { transferring, transferList } from './transfer.js';
