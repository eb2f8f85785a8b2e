import { invalidParam } from '../core/errors.js';
import { requirePeers } from '../core/peers.js';

/**
 * Lazy access to TensorFlow.js (an optional peer dependency, as for knnkit/convnn): the module is
 * imported on first use through src/convnn/tf.ts, so `knnkit/knn-lm`'s tokeniser, corpora and
 * interpolation work without it, and a missing package is a KnnkitError naming it.
 */
export type TfModule = typeof import('../convnn/tf.js');
export type Tf = TfModule['tf'];
export type Backend = 'cpu' | 'wasm';

let loaded: Promise<TfModule> | undefined;

/** The peers knnkit/convnn checks too (the WASM backend is imported only when selected). */
const TF_PEERS = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-layers'] as const;

/** Imports TF.js and selects a backend (default 'wasm': XNNPACK matMul, ~several x the pure-JS 'cpu'). */
export async function loadTf(backend: Backend = 'wasm'): Promise<Tf> {
  if (backend !== 'cpu' && backend !== 'wasm') throw invalidParam('backend', backend, '"cpu" or "wasm"');
  // A missing peer is one KnnkitError naming the packages (src/core/peers.ts), not ERR_MODULE_NOT_FOUND.
  loaded ??= requirePeers('knnkit/knn-lm', TF_PEERS, (p) => import(p)).then(() => import('../convnn/tf.js')).catch((e: unknown) => {
    loaded = undefined;
    throw e;
  });
  const mod = await loaded;
  if (mod.tf.getBackend() !== backend) await mod.useBackend(backend);
  return mod.tf;
}

/** Whether TF.js can be imported (tests skip with a one-line reason when it cannot). */
export async function tfAvailable(): Promise<boolean> {
  try { await requirePeers('knnkit/knn-lm', TF_PEERS, (p) => import(p)); return true; } catch { return false; }
}
