/**
 * What a `node:` import becomes in the browser build (scripts/build-dist.mjs): every name a
 * knnkit module takes from a Node built-in is a function that throws a KnnkitError saying
 * the call needs Node.js. The modules only reach these names inside Node-only calls (save /
 * load to a path, readers that open files, worker threads), never while loading.
 */
import { KnnkitError } from '../core/errors.js';

export function nodeOnly(module: string, name: string): (...args: unknown[]) => never {
  return function unavailable(): never {
    throw new KnnkitError('environment', `node:${module} (${name}) is only available in Node.js: this call reads or writes files or starts threads; in a browser use the bytes / JSON forms (toBytes / fromBytes, toJSON / fromJSON, indexFromBytes) and the *Text readers`);
  };
}
