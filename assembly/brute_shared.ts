// @asc-flags --importMemory --sharedMemory --initialMemory 2 --maximumMemory 65536 --enable threads
// Brute-force kernels on an imported shared memory: the packed base vectors are written once
// and every worker thread of searchAsync instantiates this module on the very same memory (one
// copy of the data for all threads). The code lives in _brute_core.ts.
export * from './_brute_core';
