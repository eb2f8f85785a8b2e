/**
 * Loads the WebAssembly kernels embedded (base64) in src/wasm/generated/<name>.ts.
 *
 * Every entry is compiled twice by scripts/build-wasm.mjs: with plain SIMD (f32x4) and with
 * relaxed SIMD (fused multiply-add). The relaxed binary is used when this engine validates it
 * (Node >= 22, current browsers; Node 20 needs --experimental-wasm-relaxed-simd), else the
 * plain SIMD one; when neither validates (no WebAssembly SIMD), callers use their pure-TS
 * fallback. The binaries double as their own feature probes: `WebAssembly.validate(bytes)`.
 *
 * Instantiation is synchronous (`new WebAssembly.Module(bytes)`), so that index constructors
 * stay synchronous. Modules are compiled once per process and cached by name.
 *
 * Forcing a path (tests cover both): the environment variable KNNKIT_WASM = "off" (pure TS),
 * "simd" (never relaxed), "relaxed" or "auto" (default), read at first use; or
 * `setWasmMode(...)` at run time, which takes precedence.
 */

import { decodeBase64 } from '../core/base64.js';

export { decodeBase64 };

/** What src/wasm/generated/<name>.ts exports. */
export interface EmbeddedWasm {
  readonly simd: string;
  readonly relaxed: string;
}

export type WasmMode = 'auto' | 'off' | 'simd' | 'relaxed';
export type WasmVariant = 'simd' | 'relaxed';

export interface LoadedWasm {
  readonly module: WebAssembly.Module;
  readonly variant: WasmVariant;
}

let forced: WasmMode | undefined;
const cache = new Map<string, LoadedWasm | null>();

function envMode(): WasmMode {
  const g = globalThis as { process?: { env?: Record<string, string | undefined> } };
  const v = g.process?.env?.KNNKIT_WASM?.trim().toLowerCase();
  if (v === 'off' || v === '0' || v === 'false' || v === 'no') return 'off';
  if (v === 'simd' || v === 'relaxed') return v;
  return 'auto';
}

/** The mode in force: setWasmMode's, else KNNKIT_WASM's, else "auto". */
export function wasmMode(): WasmMode {
  return forced ?? envMode();
}

/**
 * Forces the kernel path for indexes built from now on ("off" = pure TypeScript); pass
 * undefined to go back to the environment's choice. Existing indexes keep their kernels.
 */
export function setWasmMode(mode: WasmMode | undefined): void {
  forced = mode;
  cache.clear();
}


/**
 * The compiled module for an embedded entry, or null when WebAssembly SIMD is unavailable or
 * the TS path is forced. `name` is only a cache key (the entry name, e.g. "brute").
 */
export function loadEmbedded(name: string, src: EmbeddedWasm): LoadedWasm | null {
  const mode = wasmMode();
  const key = `${name}:${mode}`;
  if (cache.has(key)) return cache.get(key)!;
  let loaded: LoadedWasm | null = null;
  if (mode !== 'off' && typeof WebAssembly === 'object' && typeof WebAssembly.validate === 'function') {
    const order: WasmVariant[] = mode === 'simd' ? ['simd'] : ['relaxed', 'simd'];
    for (const variant of order) {
      const b64 = src[variant];
      if (!b64) continue;
      const bytes = decodeBase64(b64);
      if (!WebAssembly.validate(bytes)) continue;
      try {
        loaded = { module: new WebAssembly.Module(bytes), variant };
        break;
      } catch {
        // validate() passed but compilation failed (engine limits): try the next variant.
      }
    }
  }
  cache.set(key, loaded);
  return loaded;
}

/** Imports every AssemblyScript module built with `--runtime stub` may ask for. */
export function defaultImports(memory?: WebAssembly.Memory): WebAssembly.Imports {
  const env: Record<string, WebAssembly.ImportValue> = {
    abort: (_msg: number, _file: number, line: number, col: number) => {
      throw new Error(`knnkit wasm kernel aborted at ${line}:${col}`);
    },
    seed: () => Date.now(),
  };
  if (memory) env.memory = memory;
  return { env };
}

/** Bytes per WebAssembly page. */
export const WASM_PAGE = 65536;

/**
 * Grows `memory` so that it holds at least `bytes` bytes. Returns true when it grew (views on
 * the old buffer are then detached, for a non-shared memory, and must be recreated).
 */
export function ensureMemory(memory: WebAssembly.Memory, bytes: number): boolean {
  const have = memory.buffer.byteLength;
  if (bytes <= have) return false;
  const pages = Math.ceil((bytes - have) / WASM_PAGE);
  memory.grow(pages);
  return true;
}
