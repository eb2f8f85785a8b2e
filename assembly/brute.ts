// Brute-force kernels on a private memory the module exports: the runtimes without
// SharedArrayBuffer (a browser page that is not cross-origin isolated). The code lives in
// _brute_core.ts.
export * from './_brute_core';
