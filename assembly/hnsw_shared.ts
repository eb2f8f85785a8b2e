// @asc-flags --importMemory --sharedMemory --initialMemory 2 --maximumMemory 65536 --enable threads
// HNSW graph kernels on an imported shared memory, so that searchAsync's worker threads walk
// the very same index bytes. The code lives in _hnsw_core.ts.
export * from './_hnsw_core';
