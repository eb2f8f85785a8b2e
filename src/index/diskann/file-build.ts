import { KnnkitError } from '../../core/errors.js';
import { crc32 } from '../../io/crc32.js';
import { nodeFsSync } from '../../io/node-fs.js';
import { resolveMetric, metricToSpec } from '../../metrics/registry.js';
import { ENVELOPE_END, ENVELOPE_MAGIC, ENVELOPE_VERSION, SECTION_ALIGN, type EnvelopeHeader, type SectionType } from '../envelope.js';
import { parseOptions } from '../options.js';
import type { DiskState } from './build.js';
import { diskannFamily, diskannOptions } from './descriptor.js';
import { SECTOR } from './layout.js';
import { buildPartitioned, type PartitionedReport } from './partitioned.js';

const enc = new TextEncoder();
/** Bytes per read when the sector image is copied into the index file. */
const COPY_CHUNK = 8 << 20;

/**
 * Options of `buildDiskannFile`: the family's (R, L, alpha, ramBudget, pqBytes, partitionRows,
 * overlap, ...; src/index/diskann/descriptor.ts) plus how the build runs.
 */
export interface FileBuildOptions extends Record<string, unknown> {
  /** Points per partition (default 500 000); an input of at most this many is one partition. */
  partitionRows?: number;
  /** Partitions per point (default 2, DiskANN's). */
  overlap?: number;
  /** Partitions built at once on worker threads (default 1). */
  threads?: number;
  chunkRows?: number;
  sampleRows?: number;
}

/**
 * Builds a `diskann` index file from an .fvecs / .bvecs input without reading the input into
 * memory (DiskANN's divide and conquer, ./partitioned.ts), metric euclidean. The sector image is
 * written to `<out>.sectors.tmp`, then streamed into the index envelope at `out` (CRC computed
 * on the way) and removed; load the result with `loadIndex(out)`, which reads sectors from it.
 */
export async function buildDiskannFile(input: string, out: string, options: FileBuildOptions = {}, onProgress?: (p: { phase: string; done: number; total: number }) => void): Promise<PartitionedReport> {
  const { threads = 1, chunkRows, sampleRows, ...family } = options;
  const opts = parseOptions('the "diskann" index', diskannFamily.options, family);
  const o = diskannOptions({ options: opts });
  const partitionRows = opts.partitionRows as number, overlap = opts.overlap as number;
  const tmp = `${out}.sectors.tmp`;
  const fs = nodeFsSync();
  try {
    const { state, report } = await buildPartitioned(input, tmp, { ...o, partitionRows, overlap, threads, chunkRows, sampleRows }, onProgress);
    state.source.close();
    writeEnvelope(out, opts, state, tmp);
    return report;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * The index envelope (src/index/envelope.ts's format, version 1) written section by section with
 * the sector image copied from its file in chunks: envelopeChunks would need the image in memory.
 * Written to a temporary name, fsynced and renamed (an interrupted build leaves no index).
 */
function writeEnvelope(out: string, options: Record<string, unknown>, st: DiskState, sectorFile: string): void {
  const fs = nodeFsSync();
  const n = st.n, dim = st.pq.d;
  const header: EnvelopeHeader = {
    family: diskannFamily.name, familyVersion: diskannFamily.formatVersion, dim, metric: metricToSpec(resolveMetric('euclidean')), size: n, options,
    state: {
      core: { n, R: st.R, medoid: st.medoid, cosine: false, m: st.pq.m, nbits: st.pq.nbits, cacheNodes: st.cacheNodes, nodeBytes: st.layout.nodeBytes, sectorCount: st.layout.sectorCount },
      ids: { count: n, nextId: n, live: n, identity: true },
    },
  };
  const small: { name: string; data: ArrayBufferView; type: SectionType }[] = [
    { name: 'diskann.pq', data: st.pq.centroids, type: 'f32' },
    { name: 'diskann.codes', data: st.codes, type: 'u8' },
  ];
  const tmp = `${out}.${process.pid}.writing`;
  const fd = fs.openSync(tmp, 'w');
  let pos = 0;
  const put = (b: Uint8Array) => { let o = 0; while (o < b.length) o += fs.writeSync(fd, b, o, b.length - o, pos + o); pos += b.length; };
  const u32 = (x: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, x >>> 0, true); return b; };
  const pad = () => { const a = Math.ceil(pos / SECTION_ALIGN) * SECTION_ALIGN; if (a > pos) put(new Uint8Array(a - pos)); };
  try {
    const head = enc.encode(JSON.stringify(header));
    const pre = new Uint8Array(16);
    pre.set(enc.encode(ENVELOPE_MAGIC));
    new DataView(pre.buffer).setUint32(8, ENVELOPE_VERSION, true);
    new DataView(pre.buffer).setUint32(12, head.length, true);
    put(pre); put(head); put(u32(crc32(head)));
    const entries: { name: string; offset: number; bytes: number; crc: number; type: string }[] = [];
    for (const s of small) {
      pad();
      const b = new Uint8Array(s.data.buffer, s.data.byteOffset, s.data.byteLength);
      entries.push({ name: s.name, offset: pos, bytes: b.length, crc: crc32(b), type: s.type });
      put(b);
    }
    pad();
    const start = pos, total = st.layout.bytes, src = fs.openSync(sectorFile, 'r');
    let crc = 0;
    try {
      const buf = new Uint8Array(COPY_CHUNK);
      for (let o = 0; o < total; o += COPY_CHUNK) {
        const len = Math.min(COPY_CHUNK, total - o);
        let got = 0;
        while (got < len) {
          const k = fs.readSync(src, buf, got, len - got, o + got);
          if (k <= 0) throw new KnnkitError('index', `index: the sector file ${JSON.stringify(sectorFile)} ended at ${o + got} of ${total} bytes`);
          got += k;
        }
        const view = buf.subarray(0, len);
        crc = crc32(view, crc);
        put(view);
      }
    } finally {
      fs.closeSync(src);
    }
    entries.push({ name: 'diskann.sectors', offset: start, bytes: total, crc, type: 'u8' });
    if (total % SECTOR !== 0) throw new KnnkitError('index', `index: a sector image of ${total} bytes`);
    const trailer = enc.encode(JSON.stringify({ sections: entries }));
    put(trailer);
    const tail = new Uint8Array(16);
    new DataView(tail.buffer).setUint32(0, trailer.length, true);
    new DataView(tail.buffer).setUint32(4, crc32(trailer), true);
    tail.set(enc.encode(ENVELOPE_END), 8);
    put(tail);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, out);
}
