/** The browser build's Web Worker script (./worker.ts bundled to one string by scripts/build-dist.mjs). */
declare module 'knnkit:browser-worker-source' {
  const source: string;
  export default source;
}
