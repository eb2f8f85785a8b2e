/**
 * A readers-writer gate over one collection's index, for searches that run on a worker thread
 * (src/server/search-batcher.ts) while this thread goes on serving HTTP.
 *
 * Readers: worker searches over the index's shared memory. Exclusive work: anything this thread
 * does to the index that a concurrent walk must not see half done or that writes the memory the
 * walk reads: changes (upsert, delete: links and vectors are rewritten, the memory may grow and
 * move), and searches run here (filtered / exact: they write the index's filter bitmap and may
 * grow its scratch), snapshots (compaction replaces the index).
 *
 * Rules: an exclusive task runs at once when no reader is in flight and none waits before it;
 * otherwise it waits until the readers in flight are done, and readers that come after it wait
 * behind it (a steady stream of searches cannot starve a write). So a change acknowledged to a
 * client (acknowledged after its task ran) is seen by every search that starts later: that
 * search is admitted after the task. Exclusive tasks run in arrival order (the write-ahead log's
 * order is the order they were queued in).
 */
export class IndexGate {
  /** Readers in flight. */
  private readers = 0;
  /** Exclusive tasks waiting for the readers in flight, in arrival order. */
  private exclusiveQueue: (() => void)[] = [];
  /** Readers waiting behind queued exclusive tasks. */
  private readerQueue: (() => void)[] = [];

  /** True when nothing runs or waits (an exclusive task would run at once). */
  get idle(): boolean { return this.readers === 0 && this.exclusiveQueue.length === 0; }

  /**
   * Runs `task` (synchronous) with no reader in flight: at once when the gate is idle, else after
   * the readers in flight and the tasks queued before it. Resolves with its value.
   */
  exclusive<T>(task: () => T): Promise<T> {
    if (this.idle) {
      try { return Promise.resolve(task()); } catch (e) { return Promise.reject(e); }
    }
    return new Promise<T>((resolve, reject) => {
      this.exclusiveQueue.push(() => { try { resolve(task()); } catch (e) { reject(e); } });
    });
  }

  /**
   * Runs `task` (asynchronous: a worker search) as a reader: at once unless exclusive tasks are
   * queued, else after them. Readers run concurrently with each other.
   */
  read<T>(task: () => Promise<T>): Promise<T> {
    const start = (): Promise<T> => {
      this.readers++;
      let p: Promise<T>;
      try { p = task(); } catch (e) { p = Promise.reject(e); }
      return p.finally(() => this.leave());
    };
    if (this.exclusiveQueue.length === 0) return start();
    return new Promise<T>((resolve, reject) => { this.readerQueue.push(() => { start().then(resolve, reject); }); });
  }

  private leave(): void {
    if (--this.readers > 0) return;
    // the last reader is done: every queued exclusive task, in order, then the waiting readers
    while (this.exclusiveQueue.length > 0 && this.readers === 0) this.exclusiveQueue.shift()!();
    const waiting = this.readerQueue;
    this.readerQueue = [];
    for (const r of waiting) r();
  }
}
