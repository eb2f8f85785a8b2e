import { mkdir, open, readFile, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { Collection, type CollectionConfig } from './collection.js';
import { badRequest, notFound } from './errors.js';
import { syncDir } from './storage.js';

const NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,254}$/;

export interface ManagerOptions {
  /** Snapshot a collection whose log holds at least this many bytes (checked every interval). */
  snapshotMinBytes?: number;
  /** How often to look for collections to snapshot, ms (0: never, only at shutdown). */
  snapshotIntervalMs?: number;
  log?: (msg: string) => void;
}

/**
 * The collections under DATA/collections/<name>/: opened (recovered) at start, created and
 * deleted on request, snapshotted in the background when their log has grown, and closed (log
 * flushed, final snapshot) at shutdown.
 */
export class CollectionManager {
  readonly collections = new Map<string, Collection>();
  private timer: NodeJS.Timeout | null = null;
  private pendingCreates = new Set<string>();
  private readonly root: string;

  private constructor(readonly dataDir: string, private opts: ManagerOptions) {
    this.root = `${dataDir}/collections`;
  }

  static async open(dataDir: string, opts: ManagerOptions = {}): Promise<CollectionManager> {
    const m = new CollectionManager(dataDir, opts);
    await mkdir(m.root, { recursive: true });
    await m.lock();
    for (const name of await readdir(m.root)) {
      if (name.startsWith('.')) {
        // a create or delete cut short by a crash
        await rm(`${m.root}/${name}`, { recursive: true, force: true });
        continue;
      }
      if (!(await stat(`${m.root}/${name}`)).isDirectory()) continue;
      m.collections.set(name, await Collection.open(`${m.root}/${name}`, opts.log));
    }
    const every = opts.snapshotIntervalMs ?? 30_000;
    if (every > 0) {
      m.timer = setInterval(() => { void m.snapshotDue(); }, every);
      m.timer.unref();
    }
    return m;
  }

  /**
   * One server per data directory: DATA/LOCK holds the owner's pid, created exclusively. A lock
   * left by a process that is gone (killed) is taken over; a live owner is an error.
   */
  private async lock(): Promise<void> {
    const path = `${this.dataDir}/LOCK`;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fh = await open(path, 'wx');
        await fh.writeFile(String(process.pid));
        await fh.sync();
        await fh.close();
        this.locked = path;
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
          throw new Error(`data directory ${this.dataDir} is in use by process ${pid} (${path}); one server per data directory`);
        }
        await unlink(path).catch(() => undefined); // stale: its process is gone
      }
    }
    throw new Error(`cannot lock the data directory ${this.dataDir}`);
  }

  private locked: string | null = null;

  /** Snapshots the collections whose log has grown past the threshold. */
  async snapshotDue(): Promise<void> {
    const min = this.opts.snapshotMinBytes ?? 1;
    for (const c of this.collections.values()) {
      if (c.walBytes >= min && c.seq > c.segmentSeq) {
        await c.snapshot().catch((e) => this.opts.log?.(`snapshot of ${c.config.name} failed: ${(e as Error).message}`));
      }
    }
  }

  get(name: string): Collection {
    const c = this.collections.get(name);
    if (!c) throw notFound(`Collection \`${name}\` doesn't exist!`);
    return c;
  }

  has(name: string): boolean { return this.collections.has(name); }

  static checkName(name: string): void {
    if (!NAME.test(name)) throw badRequest(`collection name ${JSON.stringify(name)}: expected 1-255 characters of letters, digits, _, - and . (not starting with .)`);
  }

  async create(config: CollectionConfig): Promise<Collection> {
    CollectionManager.checkName(config.name);
    if (this.collections.has(config.name) || this.pendingCreates.has(config.name)) throw badRequest(`Collection \`${config.name}\` already exists!`);
    this.pendingCreates.add(config.name);
    try {
      const c = await Collection.create(`${this.root}/${config.name}`, config);
      this.collections.set(config.name, c);
      return c;
    } finally {
      this.pendingCreates.delete(config.name);
    }
  }

  /** Removes a collection: renamed aside (atomic), then its files deleted. */
  async delete(name: string): Promise<boolean> {
    const c = this.collections.get(name);
    if (!c) return false;
    this.collections.delete(name);
    await c.close(false);
    const trash = `${this.root}/.deleting-${name}-${Date.now()}`;
    await rename(`${this.root}/${name}`, trash);
    await syncDir(this.root);
    await rm(trash, { recursive: true, force: true });
    return true;
  }

  /** Flushes every log and writes a final snapshot of each collection. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const c of this.collections.values()) await c.close(true);
    if (this.locked) { await unlink(this.locked).catch(() => undefined); this.locked = null; }
  }
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}
