import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { output } from '../../src/cli/output.js';

export interface CliRun { code: number; out: string; err: string }

/** Runs the CLI in-process, capturing its output and errors. */
export async function cli(args: string[]): Promise<CliRun> {
  // stdout goes through the CLI's output sink (node:test owns process.stdout in its workers);
  // errors are printed by main with console.error
  const out: string[] = [], err: string[] = [];
  const ow = output.write, ce = console.error;
  output.write = (s: string) => { out.push(s); };
  console.error = (...a: unknown[]) => { err.push(a.map(String).join(' ') + '\n'); };
  try {
    const code = await main(args);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    output.write = ow; console.error = ce;
  }
}

/** A temporary directory for a test file's inputs; `remove` deletes it (call it in `after`). */
export function cliTempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The CLI's usage-error contract: each case exits 2 with nothing on stdout and exactly one
 * stderr line, prefixed `knnkit <command>: ` and matching the case's pattern.
 */
export async function assertUsageErrors(command: string, cases: [string[], RegExp][]): Promise<void> {
  for (const [args, re] of cases) {
    const r = await cli([command, ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: code ${r.code}, ${r.err}`);
    assert.equal(r.out, '');
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.match(r.err, new RegExp(`^knnkit ${command}: `));
    assert.match(r.err, re, args.join(' '));
  }
}
