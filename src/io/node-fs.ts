import type * as Fs from 'node:fs';
import { KnnkitError } from '../core/errors.js';

/**
 * Node's fs module for the synchronous file calls (saveSync / loadSync), obtained at call time
 * with process.getBuiltinModule (Node >= 20.16) instead of a static import, so that modules
 * offering those calls still load in a browser. Elsewhere the call fails with a clear error.
 */
export function nodeFsSync(): typeof Fs {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== 'function') {
    throw new KnnkitError('path', 'path: synchronous file access needs Node.js >= 20.16 (process.getBuiltinModule); in a browser use toBytes() / fromBytes(), elsewhere the async save() / load()');
  }
  return proc.getBuiltinModule('node:fs') as typeof Fs;
}
