import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QdrantClient } from '@qdrant/js-client-rest';
import { buildServer, type KnnkitServer, type ServerOptions } from '../../src/server/app.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function tempDir(prefix = 'knnkit-serve-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An in-process server on 127.0.0.1 at a free port. */
export async function startServer(opts: Partial<ServerOptions> & { dataDir: string }): Promise<{ server: KnnkitServer; url: string; port: number }> {
  const server = await buildServer({ snapshotIntervalMs: 0, ...opts });
  const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  return { server, url, port: Number(new URL(url).port) };
}

export function client(url: string, apiKey?: string): QdrantClient {
  // the compatibility check runs against GET / (tested separately); apiKey over http warns, which is expected here
  return new QdrantClient({ url, checkCompatibility: false, ...(apiKey ? { apiKey, https: false } : {}) });
}

/** `knnkit serve` as a child process; resolves once it prints its address. */
export function spawnServer(args: string[], timeoutMs = 30_000): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/server/serve-child.ts'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stderr!.on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`server did not start in ${timeoutMs} ms: ${err}`)); }, timeoutMs);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ child, url: m[1], stderr: () => err }); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code} before listening: ${err}`)); });
  });
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Seeded uniform floats in [-1, 1). */
export function vectors(n: number, d: number, seed = 1): number[][] {
  let s = seed >>> 0 || 1;
  const rnd = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 0x100000000; };
  return Array.from({ length: n }, () => Array.from({ length: d }, () => rnd() * 2 - 1));
}
