import { simd as simdPrivate, relaxed as relaxedPrivate } from '../../wasm/generated/hnsw.js';
import { simd as simdShared, relaxed as relaxedShared } from '../../wasm/generated/hnsw_shared.js';
import type { GraphKernel } from './kernel.js';
import { threadScratch, type Layout } from './layout.js';
import { loadEmbedded } from '../../wasm/loader.js';

/** Largest memory the modules declare (wasm32: 4 GiB). */
export const MAX_PAGES = 65536;

export interface WasmFlavour {
  module: WebAssembly.Module;
  relaxed: boolean;
  shared: boolean;
}


function sharedMemoryWorks(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  try { return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer; } catch { return false; }
}

/**
 * The best HNSW module this runtime runs, through the one loader (src/wasm/loader.ts, which
 * honours setWasmMode and KNNKIT_WASM): relaxed SIMD (fused multiply-add) when it validates,
 * else plain SIMD; on shared memory when available (worker threads), else private. null when
 * WebAssembly SIMD is missing or forced off: the index then uses the TypeScript kernel.
 */
export function wasmFlavour(): WasmFlavour | null {
  if (typeof WebAssembly === 'undefined') return null;
  try {
    const shared = sharedMemoryWorks();
    const loaded = shared
      ? loadEmbedded('hnsw_shared', { simd: simdShared, relaxed: relaxedShared })
      : loadEmbedded('hnsw', { simd: simdPrivate, relaxed: relaxedPrivate });
    return loaded ? { module: loaded.module, relaxed: loaded.variant === 'relaxed', shared } : null;
  } catch {
    return null;
  }
}

export function createMemory(flavour: WasmFlavour, bytes: number): WebAssembly.Memory {
  const pages = Math.max(2, Math.ceil(bytes / 65536));
  return new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared: flavour.shared } as WebAssembly.MemoryDescriptor);
}

interface Exports {
  setIndex(dim: number, kind: number, m: number, m0: number, vec: number, link0: number, upos: number,
    levels: number, flags: number, upper: number, allow: number): void;
  setScratch(q: number, tags: number, cap: number, cd: number, ci: number, td: number, ti: number, wd: number, wi: number,
    sd: number, si: number, xd: number, xi: number, yd: number, yi: number): void;
  insert(slot: number, level: number, ep: number, maxLevel: number, efC: number, excl: number): void;
  repair(slot: number, level: number): void;
  searchKnn(ep: number, maxLevel: number, ef: number, k: number, mode: number, excl: number): number;
  bruteList(n: number, k: number): number;
  queryDist(slot: number): number;
  setStaging(qf: number, inputDim: number): void;
  setCodec(dim: number, aff: number): void;
  packQuery(): number;
  distCount(): number;
  resetDistCount(): void;
  setLocks(locks: number): void;
}

/** One instance of the WebAssembly graph kernels on `memory` (one per thread). */
export class WasmKernel implements GraphKernel {
  readonly name: 'wasm-simd' | 'wasm-relaxed-simd';
  private ex: Exports;
  private hostFilter: ((slot: number) => boolean) | undefined;

  constructor(flavour: WasmFlavour, memory: WebAssembly.Memory, private kind: number) {
    this.name = flavour.relaxed ? 'wasm-relaxed-simd' : 'wasm-simd';
    const inst = new WebAssembly.Instance(flavour.module, {
      env: {
        memory,
        hnswAllowed: (slot: number) => (this.hostFilter && this.hostFilter(slot) ? 1 : 0),
        abort: () => { throw new Error('hnsw kernel: abort'); },
      },
    });
    this.ex = inst.exports as unknown as Exports;
  }

  bind(l: Layout, thread: number): void {
    const s = l.shape;
    this.ex.setIndex(s.dim, this.kind, s.M, s.M0, l.vec, l.link0, l.upos, l.levels, l.flags, l.upper, l.allow);
    const t = threadScratch(l, thread);
    this.ex.setScratch(t.q, t.tags, l.cap, t.cd, t.ci, t.td, t.ti, t.wd, t.wi, t.sd, t.si, t.xd, t.xi, t.yd, t.yi);
    this.ex.setStaging(t.qf, s.bits ? s.inputDim ?? 0 : 0);
    this.ex.setCodec(s.codec ? s.inputDim ?? 0 : 0, l.aff);
  }

  setHostFilter(f: ((slot: number) => boolean) | undefined): void { this.hostFilter = f; }
  insert(slot: number, level: number, ep: number, maxLevel: number, efC: number, excl: number): void { this.ex.insert(slot, level, ep, maxLevel, efC, excl); }
  repair(slot: number, level: number): void { this.ex.repair(slot, level); }
  searchKnn(ep: number, maxLevel: number, ef: number, k: number, mode: number, excl: number): number { return this.ex.searchKnn(ep, maxLevel, ef, k, mode, excl); }
  bruteList(n: number, k: number): number { return this.ex.bruteList(n, k); }
  queryDist(slot: number): number { return this.ex.queryDist(slot); }
  packQuery(): boolean { return this.ex.packQuery() !== 0; }
  distCount(): number { return this.ex.distCount() >>> 0; }
  resetDistCount(): void { this.ex.resetDistCount(); }
  /** Parallel build: the address of the per-slot lock words, or 0 (no locking). */
  setLocks(locks: number): void { this.ex.setLocks(locks); }
}
