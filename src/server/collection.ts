import { readdir, readFile } from 'node:fs/promises';
import { createIndex, emptyIndex } from '../index/api.js';
import { indexFromBytes } from '../index/persist.js';
import { KeyMap } from '../index/ids.js';
import { getFamily, listFamilies } from '../index/registry.js';
import type { VectorIndex } from '../index/types.js';
import { KnnkitError } from '../core/errors.js';
import { denseMatrix, markValidated } from '../core/matrix.js';
import { badRequest, notFound } from './errors.js';
import { compileFilter, type CompiledFilter, type Payload } from './filter.js';
import { FieldIndex, type FieldType } from './payload-index.js';
import { compareKeys } from './point-id.js';
import { decodePoints, encodePoints, readManifest, removeQuietly, syncDir, writeDurable, writeManifest, type Manifest } from './storage.js';
import { Wal, encodeRecord, readWal, type WalRecord } from './wal.js';
import { Bm25Index } from './bm25.js';
import { deletePath, mergeAt } from './payload-edit.js';
import { IndexGate } from './index-gate.js';

export const DISTANCES = ['Cosine', 'Euclid', 'Dot', 'Manhattan'] as const;
export type Distance = typeof DISTANCES[number];

/** Qdrant distance -> knnkit metric. Cosine and Dot report similarity scores (1 - distance). */
const METRIC: Record<Distance, string> = { Cosine: 'cosine', Euclid: 'euclidean', Dot: 'ip', Manhattan: 'manhattan' };

export interface CollectionConfig {
  name: string;
  size: number;
  distance: Distance;
  /** The knnkit family (from the registry) and its validated options. */
  family: string;
  familyOptions: Record<string, unknown>;
  /** Payload indexes: field -> type. */
  payloadSchema: Record<string, FieldType>;
  createdAt: string;
}

export interface SearchOptions {
  limit: number;
  offset: number;
  filter: CompiledFilter | null;
  scoreThreshold?: number;
  ef?: number;
  exact?: boolean;
  /** Internal id left out of the results (query by point id: the point itself). */
  exclude?: number;
}

export interface Hit { id: number; score: number }

/** A change once applied to memory: its log sequence number, and the log's fsync of it. */
export interface Applied { seq: number; durable: Promise<void> }

/** A point as a change carries it: canonical key, vector (already checked), payload. */
export interface PointIn { key: string; vector: Float32Array; payload: Payload }

/**
 * One collection: its index (any registered family through the index contract), the point keys
 * (KeyMap: canonical id string <-> the index's numeric ids), payloads and payload indexes, and
 * its durable storage (write-ahead log + segment + manifest, see ./storage.ts and ./wal.ts).
 *
 * Every change is applied to memory and queued in the log in the same synchronous step, so the
 * log's order is the order of application; replay applies the same records to the same state and
 * gets the same ids. `wait=true` callers await the log's fsync before they are answered.
 */
export class Collection {
  readonly keys: KeyMap;
  readonly payloads = new Map<number, Payload>();
  readonly fields = new Map<string, FieldIndex>();
  readonly bm25: Bm25Index;
  seq = 0;
  /** seq of the segment on disk. */
  segmentSeq = 0;
  private sortedKeys: string[] | null = null;
  private closed = false;
  snapshots = 0;
  /** Points removed from the index (deleted or replaced) since it was built: the compaction trigger. */
  removedSinceBuild = 0;
  compactions = 0;
  /** Compaction: rebuild the index at a snapshot once removals reach this share of its slots... */
  static compactRatio = 0.25;
  /** ...and at least this many. */
  static compactMin = 256;
  snapshotting: Promise<void> | null = null;
  lastSnapshotMs = 0;
  /**
   * Worker searches (readers) against this thread's work on the index (changes, filtered and exact
   * searches, snapshots): see ./index-gate.ts. Everything that touches the index outside a worker
   * search goes through gate.exclusive.
   */
  readonly gate = new IndexGate();

  private constructor(readonly dir: string, readonly config: CollectionConfig, public index: VectorIndex, keys: KeyMap, private wal: Wal) {
    this.keys = keys;
    this.bm25 = new Bm25Index();
    // payload indexes of the config (filled as payloads are loaded / replayed)
    for (const [f, t] of Object.entries(config.payloadSchema)) {
      if (t === 'text') this.bm25.setField(f, this.payloads);
      else this.fields.set(f, new FieldIndex(f, t));
    }
  }

  get pointsCount(): number { return this.index.size; }
  get walBytes(): number { return this.wal.bytes; }
  get walSyncs(): number { return this.wal.syncs; }
  get walRecords(): number { return this.wal.records; }
  /** Distances are similarities (larger = closer) for Cosine and Dot. */
  get similarity(): boolean { return this.config.distance === 'Cosine' || this.config.distance === 'Dot'; }

  /** An empty index of the config's family (validates family, metric and options: KnnkitError on bad ones). */
  static makeIndex(c: Pick<CollectionConfig, 'family' | 'familyOptions' | 'size' | 'distance'>): VectorIndex {
    const fam = getFamily(c.family, 'knnkit.index');
    const need = (['add', 'remove', 'getVector'] as const).filter((k) => !fam.capabilities[k]);
    if (need.length) {
      throw new KnnkitError('knnkit.index', `knnkit.index: the "${fam.name}" family cannot back a collection (it lacks ${need.map((n) => `capabilities.${n}`).join(', ')})`);
    }
    const index = emptyIndex(fam.name, c.size, { metric: METRIC[c.distance], ...c.familyOptions });
    // a family that learns from data first (IVF, quantisers) cannot take points into an empty index
    if (!index.isTrained) throw new KnnkitError('knnkit.index', `knnkit.index: the "${fam.name}" index with these options must be trained before points are added; collections start empty`);
    return index;
  }

  /** Creates the collection's directory (written under a temporary name, then renamed). */
  static async create(dir: string, config: CollectionConfig): Promise<Collection> {
    const index = Collection.makeIndex(config);
    const { mkdir, rename, rm } = await import('node:fs/promises');
    const parent = dir.slice(0, dir.lastIndexOf('/'));
    const tmp = `${parent}/.creating-${config.name}-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    await writeManifest(tmp, { version: 1, config: config as unknown as Record<string, unknown>, segment: null });
    await rename(tmp, dir);
    await syncDir(parent);
    const wal = await Wal.open(`${dir}/wal.log`);
    return new Collection(dir, config, index, new KeyMap(), wal);
  }

  /** Recovery: the manifest's segment, then the log's records after it (a torn tail dropped). */
  static async open(dir: string, log: (msg: string) => void = () => undefined): Promise<Collection> {
    const m = await readManifest(dir);
    const config = m.config as unknown as CollectionConfig;
    let index: VectorIndex, keys = new KeyMap(), payloads: [number, Payload][] = [], segSeq = 0;
    if (m.segment) {
      // a plain Uint8Array, not the Buffer readFile returns: Buffer.slice is a view, not a copy, and
      // the HNSW loader copies sections with .slice() (see the report of issue 17)
      const b = await readFile(`${dir}/${m.segment.index}`);
      index = indexFromBytes(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), { source: `${dir}/${m.segment.index}` });
      const pts = decodePoints(await readFile(`${dir}/${m.segment.points}`), `${dir}/${m.segment.points}`) as { seq: number; keys: ReturnType<KeyMap['toJSON']>; payloads: [number, Payload][] };
      if (pts.seq !== m.segment.seq) throw new Error(`${dir}: segment files disagree (index at ${m.segment.seq}, points at ${pts.seq})`);
      keys = KeyMap.fromJSON(pts.keys);
      payloads = pts.payloads;
      segSeq = m.segment.seq;
    } else {
      index = Collection.makeIndex(config);
    }
    const replay = readWal(`${dir}/wal.log`);
    if (replay.tornBytes > 0) log(`collection ${config.name}: dropped a torn write-ahead-log tail of ${replay.tornBytes} bytes (never acknowledged)`);
    const wal = await Wal.open(`${dir}/wal.log`);
    const c = new Collection(dir, config, index, keys, wal);
    for (const [id, p] of payloads) c.setPayloadState(id, p);
    c.seq = c.segmentSeq = segSeq;
    let applied = 0;
    for (const r of replay.records) {
      if (r.meta.seq <= c.seq) continue; // already in the segment (a crash between manifest and truncation)
      c.apply(r);
      applied++;
    }
    if (applied) log(`collection ${config.name}: replayed ${applied} write-ahead-log records after segment ${segSeq}`);
    // segments the manifest no longer names (a crash after writing a new one, before the
    // manifest), and temporary files of writes a crash cut short (segment names change with each
    // snapshot, so the next atomic write of the same name would never clean them; the data
    // directory's lock says no other process writes here)
    for (const f of await readdir(dir)) {
      const orphan = /^segment-\d+\.(idx|pts)$/.test(f) && f !== m.segment?.index && f !== m.segment?.points;
      if (orphan || (f.startsWith('.') && f.endsWith('.tmp'))) await removeQuietly(`${dir}/${f}`);
    }
    return c;
  }

  // ---- changes: build the record, apply it, log it ----

  /**
   * Applies a change and queues it in the log, in one synchronous step taken when no worker
   * search reads the index (at once when none is in flight): resolves once applied, with the
   * record's seq and a promise of its fsync.
   */
  private commit(meta: Omit<WalRecord['meta'], 'seq'>, floats?: Float32Array): Promise<Applied> {
    if (this.closed) throw new Error(`collection ${this.config.name} is closed`);
    return this.gate.exclusive(() => {
      if (this.closed) throw new Error(`collection ${this.config.name} is closed`);
      const rec = { meta: { ...meta, seq: this.seq + 1 }, floats: floats ?? new Float32Array(0) };
      this.apply(rec);
      return { seq: rec.meta.seq, durable: this.wal.append(encodeRecord(rec.meta, rec.floats.length ? rec.floats : undefined)) };
    });
  }

  upsert(points: PointIn[]): Promise<Applied> {
    // the last of repeated ids wins (Qdrant's rule)
    const last = new Map<string, PointIn>();
    for (const p of points) last.set(p.key, p);
    const list = [...last.values()];
    const floats = new Float32Array(list.length * this.config.size);
    list.forEach((p, i) => floats.set(p.vector, i * this.config.size));
    return this.commit({ op: 'upsert', keys: list.map((p) => p.key), payloads: list.map((p) => p.payload) }, floats);
  }

  deletePoints(keys: string[]): Promise<Applied> { return this.commit({ op: 'delete', keys }); }
  setPayload(keys: string[], payload: Payload, path?: string): Promise<Applied> { return this.commit({ op: 'set_payload', keys, payload, path: path ?? null }); }
  overwritePayload(keys: string[], payload: Payload): Promise<Applied> { return this.commit({ op: 'overwrite_payload', keys, payload }); }
  deletePayloadKeys(keys: string[], fields: string[]): Promise<Applied> { return this.commit({ op: 'delete_payload', keys, fields }); }
  clearPayload(keys: string[]): Promise<Applied> { return this.commit({ op: 'clear_payload', keys }); }

  /** Applies one record to memory (live changes and replay go through here alike). */
  private apply(r: WalRecord): void {
    const m = r.meta as Record<string, unknown> & { seq: number };
    const keys = m.keys as string[];
    switch (m.op) {
      case 'upsert': {
        const payloads = m.payloads as Payload[];
        const ids = new Float64Array(keys.length);
        const stale: number[] = [];
        keys.forEach((k, i) => {
          const id = this.keys.idFor(k);
          ids[i] = id;
          if (this.index.has(id)) stale.push(id);
        });
        if (stale.length) { this.index.remove(stale); this.removedSinceBuild += stale.length; }
        this.index.add(denseMatrix(r.floats, keys.length, this.config.size), ids);
        keys.forEach((k, i) => { if (this.payloads.has(ids[i])) this.dropPayloadState(ids[i]); this.setPayloadState(ids[i], payloads[i] ?? {}); });
        if (stale.length !== keys.length) this.sortedKeys = null;
        break;
      }
      case 'delete': {
        const ids: number[] = [];
        for (const k of keys) {
          const id = this.keys.get(k);
          if (id === undefined) continue;
          ids.push(id);
          this.dropPayloadState(id);
          this.keys.delete(k);
        }
        if (ids.length) { this.index.remove(ids); this.removedSinceBuild += ids.length; this.sortedKeys = null; }
        break;
      }
      case 'set_payload':
      case 'overwrite_payload':
      case 'delete_payload':
      case 'clear_payload': {
        for (const k of keys) {
          const id = this.keys.get(k);
          if (id === undefined || !this.index.has(id)) continue;
          const old = this.payloads.get(id) ?? {};
          let next: Payload;
          if (m.op === 'set_payload') next = mergeAt(old, m.payload as Payload, m.path as string | null);
          else if (m.op === 'overwrite_payload') next = structuredClone(m.payload as Payload);
          else if (m.op === 'clear_payload') next = {};
          else { next = structuredClone(old); for (const f of m.fields as string[]) deletePath(next, f); }
          this.dropPayloadState(id);
          this.setPayloadState(id, next);
        }
        break;
      }
      default:
        throw new Error(`collection ${this.config.name}: unknown log record op ${JSON.stringify(m.op)} at seq ${m.seq}`);
    }
    this.seq = m.seq;
  }

  private setPayloadState(id: number, p: Payload): void {
    this.payloads.set(id, p);
    for (const f of this.fields.values()) f.add(id, p);
    this.bm25.add(id, p);
  }

  private dropPayloadState(id: number): void {
    const p = this.payloads.get(id);
    if (!p) return;
    for (const f of this.fields.values()) f.remove(id, p);
    this.bm25.remove(id, p);
    this.payloads.delete(id);
  }

  // ---- payload indexes (config, not log records: the manifest is rewritten) ----

  async createFieldIndex(field: string, type: FieldType, textField: boolean): Promise<void> {
    if (textField) {
      this.bm25.setField(field, this.payloads);
    } else {
      const fi = new FieldIndex(field, type);
      for (const [id, p] of this.payloads) fi.add(id, p);
      this.fields.set(field, fi);
    }
    this.config.payloadSchema[field] = type;
    await this.writeManifest();
  }

  async deleteFieldIndex(field: string): Promise<void> {
    if (!(field in this.config.payloadSchema)) throw notFound(`no payload index on field ${JSON.stringify(field)}`);
    delete this.config.payloadSchema[field];
    this.fields.delete(field);
    if (this.bm25.field === field) this.bm25.setField(null, this.payloads);
    await this.writeManifest();
  }

  private async writeManifest(): Promise<void> {
    const m: Manifest = { version: 1, config: this.config as unknown as Record<string, unknown>, segment: this.segmentSeq > 0 ? segmentNames(this.segmentSeq) : null };
    await writeManifest(this.dir, m);
  }

  // ---- reads ----

  keyOf(id: number): string { return this.keys.keyOf(id)!; }
  idOf(key: string): number | undefined { const id = this.keys.get(key); return id !== undefined && this.index.has(id) ? id : undefined; }
  payloadOf(id: number): Payload { return this.payloads.get(id) ?? {}; }
  vectorOf(id: number): number[] { return Array.from(this.index.getVector(id)); }

  /**
   * The internal ids a filter allows, as a set (null: no filter), read-only (it may be a payload
   * index's own set). Payload indexes answer the
   * top-level `must` conditions they cover (the smallest answer becomes the candidates); the
   * whole filter is then tested on the candidates, or on every point when no index applies.
   */
  allowed(f: CompiledFilter | null): Set<number> | null {
    if (!f) return null;
    const answers: Iterable<number>[] = [];
    let covered = true;
    if (f.requiredIds) {
      const s: number[] = [];
      for (const k of f.requiredIds) { const id = this.idOf(k); if (id !== undefined) s.push(id); }
      answers.push(s);
    }
    for (const c of f.required) {
      const got = this.fields.get(c.key)?.lookup(c);
      if (got) answers.push(got); else covered = false;
    }
    const sizeOf = (x: Iterable<number>) => (x instanceof Set ? x.size : (x as number[]).length);
    answers.sort((a, b) => sizeOf(a) - sizeOf(b));
    const out = new Set<number>();
    if (f.pure && covered && answers.length > 0) {
      // the indexes answer the whole filter: intersect their answers, no per-point test (the
      // indexes hold live points only; a single answer is returned as is, read-only)
      if (answers.length === 1) return answers[0] instanceof Set ? answers[0] : new Set(answers[0]);
      const rest = answers.slice(1).map((a) => (a instanceof Set ? a : new Set(a)));
      for (const id of answers[0]) if (rest.every((r) => r.has(id))) out.add(id);
      return out;
    }
    const key = f.usesIds ? (id: number) => this.keyOf(id) : () => '';
    if (answers.length > 0) {
      for (const id of answers[0]) { const p = this.payloads.get(id); if (p && f.test(key(id), p)) out.add(id); }
    } else {
      for (const [id, p] of this.payloads) if (f.test(key(id), p)) out.add(id);
    }
    return out;
  }

  /** k nearest by vector with Qdrant's options; scores are Qdrant's (similarity for Cosine/Dot, distance otherwise). */
  search(vector: Float32Array, o: SearchOptions): Hit[] {
    let allow = this.allowed(o.filter);
    // query by point id leaves the point out: from the allowed set, or by asking for one more
    let extra = 0;
    if (o.exclude !== undefined) {
      if (allow?.has(o.exclude)) { allow = new Set(allow); allow.delete(o.exclude); } else if (!allow) extra = 1;
    }
    if (allow && allow.size === 0) return [];
    const k = o.offset + o.limit + extra;
    if (k === 0 || this.index.size === 0) return [];
    // the request's vector was checked finite when parsed: no second scan in the index
    const q = markValidated(denseMatrix(vector, 1, this.config.size));
    const fam = getFamily(this.index.kind);
    const declared = new Set(fam.searchParams.map((s) => s.name));
    const params: Record<string, unknown> = {};
    if (allow) params.filter = allow;
    if (o.ef !== undefined && declared.has('ef')) params.ef = Math.max(o.ef, 1);
    let hits: Hit[];
    if (o.exact && !this.index.exact) {
      if (declared.has('filterStrategy')) {
        // HNSW's exact scan of the allowed points (every live point when there is no filter)
        params.filterStrategy = 'scan';
        if (!allow) params.filter = () => true;
        hits = this.toHits(this.index.search(q, k, params));
      } else {
        hits = this.exactScan(vector, k, allow);
      }
    } else {
      hits = this.toHits(this.index.search(q, k, params));
    }
    if (extra) hits = hits.filter((h) => h.id !== o.exclude).slice(0, k - extra);
    return this.page(hits, o);
  }

  /** offset and score_threshold applied to the top offset + limit hits. */
  page(hits: Hit[], o: Pick<SearchOptions, 'offset' | 'scoreThreshold'>): Hit[] {
    if (o.offset > 0) hits = hits.slice(o.offset);
    if (o.scoreThreshold !== undefined) {
      const t = o.scoreThreshold;
      hits = hits.filter((h) => (this.similarity ? h.score >= t : h.score <= t));
    }
    return hits;
  }

  /**
   * Whether a search can share one index call with other searches (the server's micro-batching,
   * ./search-batcher.ts): no filter (each query would need its own allowed set), no point to leave
   * out, and no exact scan forced on an approximate index. These searches are answered by
   * searchRows exactly as search() answers them one at a time.
   */
  batchable(o: SearchOptions): boolean {
    return o.filter === null && o.exclude === undefined && !(o.exact && !this.index.exact);
  }

  /**
   * n plain searches (rows of `vectors`, n x size, each already checked finite) in one index
   * search with the same k (= offset + limit) and ef: the per-call cost of the index (options,
   * validation, result arrays) is paid once for the batch, and the family's batch path runs.
   * Row i's hits are what search() returns for row i before offset / score_threshold (page()).
   */
  searchRows(vectors: Float32Array, n: number, k: number, ef: number | undefined): Hit[][] {
    if (k === 0 || this.index.size === 0) return Array.from({ length: n }, () => []);
    return this.rowsToHits(this.index.search(markValidated(denseMatrix(vectors, n, this.config.size)), k, this.rowParams(ef)), n);
  }

  /**
   * Whether plain searches can run on worker threads: HNSW walks its index memory, which is
   * shared with worker threads (searchAsync), while this thread serves HTTP.
   */
  get offloads(): boolean { return this.index.kind === 'hnsw' && typeof SharedArrayBuffer !== 'undefined'; }

  /**
   * searchRows on `threads` worker threads (HNSW's searchAsync over the shared index memory, even
   * for one query): the same answers. Call as a reader of `gate` only (no change may run while
   * the workers walk the index), one call at a time per collection (the workers' scratch blocks
   * are the index's own).
   */
  async searchRowsAsync(vectors: Float32Array, n: number, k: number, ef: number | undefined, threads: number): Promise<Hit[][]> {
    if (k === 0 || this.index.size === 0) return Array.from({ length: n }, () => []);
    const q = markValidated(denseMatrix(vectors, n, this.config.size));
    const r = await this.index.searchAsync(q, k, { ...this.rowParams(ef), threads, minQueriesPerThread: 1 });
    return this.rowsToHits(r, n);
  }

  private rowParams(ef: number | undefined): Record<string, unknown> {
    const params: Record<string, unknown> = {};
    if (ef !== undefined && this.declaresEf()) params.ef = Math.max(ef, 1);
    return params;
  }

  /** One search result of n rows as hits per row. */
  private rowsToHits(r: { ids: ArrayLike<number>; distances: Float32Array; k: number }, n: number): Hit[][] {
    const out: Hit[][] = [];
    // the index clamps k to its size: rows are r.k wide, -1 padded
    const ids = r.ids, d = r.distances, kk = r.k;
    for (let i = 0; i < n; i++) {
      const hits: Hit[] = [];
      for (let j = i * kk, e = j + kk; j < e; j++) if (ids[j] >= 0) hits.push({ id: ids[j], score: this.score(d[j]) });
      out.push(hits);
    }
    return out;
  }

  private efDeclared: { kind: string; yes: boolean } | null = null;
  /** Whether the index's family takes an `ef` search parameter (cached per family: compaction keeps the kind). */
  private declaresEf(): boolean {
    const kind = this.index.kind;
    if (this.efDeclared?.kind !== kind) this.efDeclared = { kind, yes: getFamily(kind).searchParams.some((s) => s.name === 'ef') };
    return this.efDeclared.yes;
  }

  private score(d: number): number { return this.similarity ? 1 - d : d; }

  private toHits(r: { ids: ArrayLike<number>; distances: Float32Array }): Hit[] {
    const out: Hit[] = [];
    for (let i = 0; i < r.ids.length; i++) if (r.ids[i] >= 0) out.push({ id: r.ids[i], score: this.score(r.distances[i]) });
    return out;
  }

  /** Exact k nearest over stored vectors (families without an exact mode of their own). */
  private exactScan(vector: Float32Array, k: number, allow: Set<number> | null): Hit[] {
    const metric = this.index.metric;
    const all: Hit[] = [];
    for (const id of allow ?? this.payloads.keys()) all.push({ id, score: metric.distance(vector, 0, this.index.getVector(id), 0, vector.length) });
    all.sort((a, b) => a.score - b.score || a.id - b.id);
    return all.slice(0, k).map((h) => ({ id: h.id, score: this.score(h.score) }));
  }

  /** Keys in Qdrant's scroll order (cached until the key set changes). */
  orderedKeys(): string[] {
    if (!this.sortedKeys) {
      const ks: string[] = [];
      for (const id of this.payloads.keys()) ks.push(this.keyOf(id));
      this.sortedKeys = ks.sort(compareKeys);
    }
    return this.sortedKeys;
  }

  scroll(offsetKey: string | null, limit: number, f: CompiledFilter | null): { ids: number[]; next: string | null } {
    const keys = this.orderedKeys();
    let lo = 0;
    if (offsetKey !== null) {
      let hi = keys.length;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (compareKeys(keys[mid], offsetKey) < 0) lo = mid + 1; else hi = mid; }
    }
    const allow = f && (f.requiredIds || f.required.some((c) => this.fields.has(c.key))) ? this.allowed(f) : null;
    const ids: number[] = [];
    for (let i = lo; i < keys.length; i++) {
      const id = this.keys.get(keys[i])!;
      const ok = !f || (allow ? allow.has(id) : f.test(keys[i], this.payloads.get(id)!));
      if (!ok) continue;
      if (ids.length === limit) return { ids, next: keys[i] };
      ids.push(id);
    }
    return { ids, next: null };
  }

  count(f: CompiledFilter | null): number {
    return f ? this.allowed(f)!.size : this.index.size;
  }

  /** Keys of points a filter selects (delete / set payload by filter). */
  keysMatching(filter: unknown): string[] {
    const f = compileFilter(filter);
    const allow = this.allowed(f);
    const out: string[] = [];
    for (const id of allow ?? this.payloads.keys()) out.push(this.keyOf(id));
    return out;
  }

  // ---- snapshots ----

  /**
   * Writes a new segment and truncates the log. Runs in the log writer's queue: first every
   * queued record is written and fsynced, then the state is captured in one synchronous step
   * (index bytes through the index contract's toBytes, keys and payloads as JSON) at seq S, so
   * every record written to the log so far has seq <= S. The segment files and then the
   * manifest naming them are written atomically; only then is the log emptied. A crash before
   * the manifest leaves the old segment + the full log; after it, replay skips records <= S.
   */
  snapshot(): Promise<void> {
    if (this.snapshotting) return this.snapshotting;
    if (this.seq === this.segmentSeq) return Promise.resolve();
    const run = this.wal.exclusive(async () => {
      await this.wal.writePending();
      const t0 = Date.now();
      // the capture is exclusive work on the index (compaction replaces it): no worker search in flight
      const { S, indexBytes, pts } = await this.gate.exclusive(() => {
        const S = this.seq;
        if (this.removedSinceBuild >= Collection.compactMin && this.removedSinceBuild >= Collection.compactRatio * (this.index.size + this.removedSinceBuild)) this.compact();
        return { S, indexBytes: this.index.toBytes(), pts: encodePoints({ seq: S, keys: this.keys.toJSON(), payloads: [...this.payloads.entries()] }) };
      });
      const names = segmentNames(S);
      await writeDurable(this.dir, names.index, indexBytes);
      await writeDurable(this.dir, names.points, pts);
      const prev = this.segmentSeq;
      this.segmentSeq = S;
      await this.writeManifest();
      await this.wal.truncateNow();
      if (prev > 0 && prev !== S) {
        const old = segmentNames(prev);
        await removeQuietly(`${this.dir}/${old.index}`);
        await removeQuietly(`${this.dir}/${old.points}`);
      }
      this.snapshots++;
      this.lastSnapshotMs = Date.now() - t0;
    });
    this.snapshotting = run.finally(() => { this.snapshotting = null; });
    return this.snapshotting;
  }

  /**
   * Rebuilds the index from the live points (same ids, same vectors), dropping what removals left
   * behind: tombstones, reused-slot churn, the id map's dead labels. Runs inside the snapshot's
   * synchronous step (no change can interleave) and blocks requests for the rebuild's duration.
   */
  private compact(): void {
    const ids = [...this.payloads.keys()];
    const dim = this.config.size;
    let next: VectorIndex;
    if (ids.length === 0) {
      next = Collection.makeIndex(this.config);
    } else {
      const data = new Float32Array(ids.length * dim);
      ids.forEach((id, i) => data.set(this.index.getVector(id), i * dim));
      next = createIndex(this.index.kind, denseMatrix(data, ids.length, dim), { metric: METRIC[this.config.distance], ...this.config.familyOptions, ids: Float64Array.from(ids) });
    }
    this.index = next;
    this.removedSinceBuild = 0;
    this.compactions++;
  }

  async flush(): Promise<void> { await this.wal.flush(); }

  async close(snapshot: boolean): Promise<void> {
    if (this.closed) return;
    if (snapshot) await this.snapshot().catch(() => undefined);
    this.closed = true;
    await this.wal.close();
  }
}

function segmentNames(seq: number): { seq: number; index: string; points: string } {
  return { seq, index: `segment-${seq}.idx`, points: `segment-${seq}.pts` };
}

/** Families that can back a collection: add and remove after creation, stored vectors (and, with the chosen options, no training step). */
export function listServable(): string[] {
  return listFamilies().filter((f) => f.capabilities.add && f.capabilities.remove && f.capabilities.getVector).map((f) => f.name);
}

export { badRequest };
