/**
 * The one place that imports TensorFlow.js. `@tensorflow/tfjs-layers` is imported here (not only
 * core) because importing it registers the gradients; the CPU backend is registered as the
 * always-available fallback. The WASM backend is loaded lazily by `useBackend('wasm')` so a user
 * who never asks for it does not pay for it.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { invalidParam } from '../core/errors.js';

export { tf, tfl };

let wasmReady: Promise<void> | undefined;

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

/**
 * Node only: the folder holding the `.wasm` binaries of `@tensorflow/tfjs-backend-wasm`
 * (resolved from node_modules, so it works offline; the backend would otherwise fetch them).
 * Node built-ins are imported lazily so that the layers also bundle for browsers.
 */
export async function wasmBinaryDir(): Promise<string> {
  const { createRequire } = await import('node:module');
  const { dirname, join } = await import('node:path');
  const req = createRequire(import.meta.url);
  return join(dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
}

/**
 * Selects the TF.js backend: 'cpu' (pure JS) or 'wasm' (XNNPACK, single thread in Node; in Node
 * the binaries are taken from node_modules).
 * Both train every layer in `knnkit/convnn` (custom gradients avoid the kernels that 4.22's
 * WASM backend lacks).
 */
export async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  if (name !== 'cpu' && name !== 'wasm') throw invalidParam('backend', name, '"cpu" or "wasm"');
  if (name === 'wasm') {
    if (!wasmReady) {
      wasmReady = (async () => {
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        if (isNode) {
          // setWasmPaths takes a prefix; in Node a plain path works with the emscripten loader.
          const dir = await wasmBinaryDir();
          const { pathToFileURL } = await import('node:url');
          wasm.setWasmPaths(process.platform === 'win32' ? pathToFileURL(dir).href : dir);
        } // in a browser the caller sets the paths (setWasmPaths) or the backend's default applies
      })();
    }
    await wasmReady;
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw invalidParam('backend', name, 'a backend that initialises on this platform');
  await tf.ready();
}
