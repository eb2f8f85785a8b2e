// @asc-flags --importMemory --initialMemory 2 --maximumMemory 65536
// HNSW graph kernels on an imported (not shared) memory: browsers without cross-origin
// isolation, where SharedArrayBuffer is unavailable. The code lives in _hnsw_core.ts.
export * from './_hnsw_core';
