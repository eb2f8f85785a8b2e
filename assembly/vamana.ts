// @asc-flags --importMemory --initialMemory 2 --maximumMemory 65536
// Vamana kernels on an imported (not shared) memory: searches, inserts and the serial build.
// The code lives in _vamana_core.ts.
export * from './_vamana_core';
