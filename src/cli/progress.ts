import { createRequire } from 'node:module';
import type { ProgressEvent } from '../core/progress.js';

/**
 * Progress of long CLI runs on stderr, never on stdout (so `--json` output and piped results
 * stay clean). Fed with the library's `onProgress({ phase, done, total })` events (`report`,
 * usable as the callback itself) or with `update(done)` for a command's own loop:
 *  - stderr a terminal: a bar drawn by cli-progress (percentage, count, rate, ETA), redrawn in
 *    place, a new bar per phase, erased at the end;
 *  - stderr not a terminal (logs, CI): one plain line every `intervalMs` (default 5 s);
 *  - `quiet` (--quiet): nothing.
 * Nothing is written during the first `delayMs` (default 1 s), so quick runs stay silent.
 * KNNKIT_PROGRESS_MS=N sets both the delay and the line interval (tests, logs wanting more).
 */
export interface ProgressOptions {
  /** Where to write (default process.stderr). */
  stream?: { isTTY?: boolean; write(s: string): unknown };
  /** Quiet period before the first output (default 1000 ms). */
  delayMs?: number;
  /** Without a terminal: at most one line per this many ms (default 5000). */
  intervalMs?: number;
  /** --quiet: write nothing. */
  quiet?: boolean;
  /** Clock (ms), for tests. */
  now?: () => number;
}

interface Bar {
  start(total: number, value: number, payload: Record<string, string>): void;
  update(value: number, payload: Record<string, string>): void;
  stop(): void;
}

type BarLib = { SingleBar: new (opts: Record<string, unknown>) => Bar };

/** cli-progress, loaded only when a bar is drawn (a CommonJS package: a synchronous require). */
let barLib: BarLib | undefined;
function loadBarLib(): BarLib {
  return (barLib ??= createRequire(import.meta.url)('cli-progress') as BarLib);
}

export class Progress {
  readonly mode: 'bar' | 'lines' | 'off';
  private readonly stream: NonNullable<ProgressOptions['stream']>;
  private readonly delayMs: number;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly start: number;
  private phase = '';
  private phaseStart = 0;
  private phaseDone0 = 0;
  private lastLine: number;
  private bar: Bar | undefined;

  /** `label` starts every line (e.g. "knnkit search"); `total` is update()'s default total. */
  constructor(private readonly label: string, private readonly total = 0, opts: ProgressOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.mode = opts.quiet ? 'off' : this.stream.isTTY === true ? 'bar' : 'lines';
    const env = process.env.KNNKIT_PROGRESS_MS;
    const envMs = env !== undefined && /^\d+$/.test(env.trim()) ? Number(env) : undefined;
    this.delayMs = opts.delayMs ?? envMs ?? 1000;
    this.intervalMs = opts.intervalMs ?? envMs ?? 5000;
    this.now = opts.now ?? (() => performance.now());
    this.start = this.now();
    this.lastLine = this.start;
  }

  get enabled(): boolean { return this.mode !== 'off'; }

  /** `done` units of the constructor's total, in a phase named `unit` (a command's own loop). */
  update(done: number, unit = ''): void {
    this.report({ phase: unit, done, total: this.total });
  }

  /** An `onProgress` callback of the library (bound: pass `progress.report` as is). */
  readonly report = (p: ProgressEvent): void => {
    if (this.mode === 'off') return;
    const t = this.now();
    if (p.phase !== this.phase) { this.endBar(); this.phase = p.phase; this.phaseStart = t; this.phaseDone0 = p.done; }
    if (t - this.start < this.delayMs) return;
    // rate over the phase so far (from its first event), ETA at that rate
    const elapsed = (t - this.phaseStart) / 1000;
    const rate = elapsed > 0 ? (p.done - this.phaseDone0) / elapsed : 0;
    const etaSeconds = rate > 0 && p.total > p.done ? (p.total - p.done) / rate : undefined;
    if (this.mode === 'lines') {
      if (t - this.lastLine < this.intervalMs) return;
      this.lastLine = t;
      const eta = etaSeconds !== undefined ? `, ETA ${formatSeconds(etaSeconds)}` : '';
      const pct = p.total > 0 ? ` (${(100 * p.done / p.total).toFixed(0)} %)` : '';
      this.stream.write(`${this.label}: ${p.phase ? p.phase + ' ' : ''}${this.count(p.done)}/${this.count(p.total)}${pct}, ${this.count(rate)}/s${eta}, ${formatSeconds((t - this.start) / 1000)} elapsed\n`);
      return;
    }
    const payload = { phase: p.phase, rate: this.count(rate), doneText: this.count(p.done), totalText: this.count(p.total), etaText: etaSeconds !== undefined ? formatSeconds(etaSeconds) : '-' };
    if (!this.bar) {
      const { SingleBar } = loadBarLib();
      this.bar = new SingleBar({
        stream: this.stream, format: `${this.label}: {phase} [{bar}] {percentage}% {doneText}/{totalText} | {rate}/s | ETA {etaText}`,
        barCompleteChar: '#', barIncompleteChar: '-', barsize: 24, hideCursor: false, clearOnComplete: true, fps: 10,
      });
      this.bar.start(Math.max(1, p.total), p.done, payload);
    } else this.bar.update(p.done, payload);
  };

  /** Erases the bar (a terminal); ends the run's output. */
  done(): void {
    this.endBar();
  }

  private endBar(): void {
    if (this.bar) { this.bar.stop(); this.bar = undefined; }
  }

  /** Counts as written: bytes of a "read ..." phase in MB, others as integers with separators. */
  private count(v: number): string {
    if (this.phase.startsWith('read ')) return `${(v / 1e6).toFixed(1)} MB`;
    return Math.round(v).toLocaleString('en-US');
  }
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s - 60 * m)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
