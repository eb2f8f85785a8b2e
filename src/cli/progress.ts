/**
 * Progress on stderr for long CLI runs (folds, query blocks). It only ever writes when stderr
 * is a terminal and the run has already taken more than `delayMs` (default 1 s), so piped
 * output, logs and quick runs stay clean; the line is rewritten in place and erased at the end.
 */
export interface ProgressOptions {
  /** Where to write (default process.stderr). */
  stream?: { isTTY?: boolean; write(s: string): unknown };
  /** Quiet period before the first line (default 1000 ms). */
  delayMs?: number;
  /** Force on/off (default: stream.isTTY). */
  enabled?: boolean;
  /** Clock (ms), for tests. */
  now?: () => number;
}

export class Progress {
  readonly enabled: boolean;
  private readonly stream: NonNullable<ProgressOptions['stream']>;
  private readonly delayMs: number;
  private readonly now: () => number;
  private readonly start: number;
  private lastWrite = -Infinity;
  private shown = false;
  private width = 0;

  constructor(private readonly label: string, private readonly total: number, opts: ProgressOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.enabled = opts.enabled ?? this.stream.isTTY === true;
    this.delayMs = opts.delayMs ?? 1000;
    this.now = opts.now ?? (() => performance.now());
    this.start = this.now();
  }

  /** Reports `done` of `total` units (written at most ~10 times a second). */
  update(done: number, unit = ''): void {
    if (!this.enabled) return;
    const t = this.now();
    if (t - this.start < this.delayMs || (t - this.lastWrite < 100 && done < this.total)) return;
    this.lastWrite = t;
    const secs = ((t - this.start) / 1000).toFixed(1);
    const text = `${this.label}: ${done}/${this.total}${unit ? ' ' + unit : ''} (${secs} s)`;
    this.stream.write('\r' + text.padEnd(this.width));
    this.width = text.length;
    this.shown = true;
  }

  /** Erases the line if anything was written. */
  done(): void {
    if (this.shown) this.stream.write('\r' + ' '.repeat(this.width) + '\r');
    this.shown = false;
  }
}
