// knnkit: nearest neighbours for TypeScript. The root entry re-exports the core families;
// heavier families (knn-graph, convnn) have their own subpath exports.
export * from './core/index.js';
export * from './metrics/index.js';
export * from './search/index.js';
// WebAssembly kernel selection (auto / simd / relaxed / off), e.g. to force the pure-TS path.
export { setWasmMode, wasmMode } from './wasm/loader.js';
export type { WasmMode } from './wasm/loader.js';
// Worker threads live behind the `knnkit/parallel` subpath (closeSharedPool, WorkerPool), so
// the root entry never imports node:worker_threads and stays usable in browsers.
