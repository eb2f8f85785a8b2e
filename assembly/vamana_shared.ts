// @asc-flags --importMemory --sharedMemory --initialMemory 2 --maximumMemory 65536 --enable threads
// Vamana kernels on an imported shared memory: the parallel build (src/index/vamana/build-parallel.ts)
// runs one instance per thread on the very same graph bytes, under per-node locks (setLocks).
// The code lives in _vamana_core.ts.
export * from './_vamana_core';
