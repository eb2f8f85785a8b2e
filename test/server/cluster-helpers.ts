// Test helpers for the cluster (issue 18): a JetStream cluster of nats-server processes on
// 127.0.0.1, free ports, a temporary store; every process started here is stopped by stop().
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';

/** A one-line reason to skip, or null when nats-server can run here. */
export function natsSkipReason(): string | null {
  const r = spawnSync('nats-server', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return 'nats-server is not installed (Debian package nats-server; .ci/run installs it on CI)';
  return null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
  });
}

export interface NatsServer { name: string; port: number; url: string; conf: string; child: ChildProcess | null; log: string }

export interface NatsCluster {
  servers: NatsServer[];
  urls: string[];
  /** SIGKILL one server (no shutdown of its own: as a crash). */
  kill(i: number): Promise<void>;
  /** Starts a killed server again on its ports and store. */
  restart(i: number): Promise<void>;
  stop(): Promise<void>;
}

function exitOf(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((r) => c.once('exit', () => r()));
}

/** n nats-server processes with JetStream, routed into one cluster (n = 1: a single server). */
export async function startNatsCluster(n: number): Promise<NatsCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'knnkit-nats-'));
  const ports = await Promise.all(Array.from({ length: n }, () => freePort()));
  const cports = await Promise.all(Array.from({ length: n }, () => freePort()));
  const servers: NatsServer[] = ports.map((port, i) => {
    const name = `n${i + 1}`;
    const conf = join(dir, `${name}.conf`);
    const routes = cports.map((p) => `"nats-route://127.0.0.1:${p}"`).join(', ');
    writeFileSync(conf, [
      `server_name: ${name}`,
      `listen: "127.0.0.1:${port}"`,
      `jetstream { store_dir: "${join(dir, name)}", max_memory_store: 64MB, max_file_store: 2GB }`,
      n > 1 ? `cluster { name: knnkit, listen: "127.0.0.1:${cports[i]}", routes: [${routes}] }` : '',
    ].join('\n'));
    return { name, port, url: `nats://127.0.0.1:${port}`, conf, child: null, log: '' };
  });
  const launch = (s: NatsServer) => {
    const child = spawn('nats-server', ['-c', s.conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (d) => { s.log = (s.log + d).slice(-20_000); });
    s.child = child;
  };
  servers.forEach(launch);
  const cluster: NatsCluster = {
    servers,
    urls: servers.map((s) => s.url),
    async kill(i) {
      const c = servers[i].child;
      if (!c) return;
      c.kill('SIGKILL');
      await exitOf(c);
      servers[i].child = null;
    },
    async restart(i) {
      if (servers[i].child) return;
      launch(servers[i]);
      await waitJetStream([servers[i].url], 30_000, servers);
    },
    async stop() {
      for (const s of servers) {
        if (!s.child) continue;
        s.child.kill('SIGKILL');
        await exitOf(s.child);
        s.child = null;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitJetStream(cluster.urls, 60_000, servers);
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  return cluster;
}

/** Waits (bounded) until JetStream answers through these URLs (the cluster's meta leader is elected). */
async function waitJetStream(urls: string[], timeoutMs: number, servers: NatsServer[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const nc = await connect({ servers: urls, timeout: 2_000, maxReconnectAttempts: 0 });
      try {
        const jsm = await jetstreamManager(nc, { timeout: 2_000 });
        await jsm.getAccountInfo();
        return;
      } finally {
        await nc.close();
      }
    } catch (e) {
      last = (e as Error).message;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`JetStream not ready in ${timeoutMs} ms (${last}); logs:\n${servers.map((s) => `${s.name}: ${s.log.slice(-1500)}`).join('\n')}`);
}

/** Seeded uniform floats in [-1, 1) (xorshift32). */
export function randomRows(n: number, d: number, seed = 1): number[][] {
  let s = seed >>> 0 || 1;
  const rnd = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 0x100000000; };
  return Array.from({ length: n }, () => Array.from({ length: d }, () => rnd() * 2 - 1));
}

/** Polls `fn` until it returns true, at most `timeoutMs`. */
export async function until(fn: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export interface NodeChild { id: string; child: ChildProcess; url: string; err: () => string }

/** A `knnkit serve --cluster` child process on a free port; resolves once it listens (bounded). */
export function startClusterNode(root: string, id: string, urls: string[], extra: string[] = [], timeoutMs = 60_000): Promise<NodeChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/server/serve-child.ts'),
    '--cluster', urls.join(','), '--node-id', id, '--port', '0', ...extra], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stderr!.on('data', (d) => { err = (err + d).slice(-50_000); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`node ${id} did not start in ${timeoutMs} ms: ${err}`)); }, timeoutMs);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ id, child, url: m[1], err: () => err }); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`node ${id} exited with ${code}: ${err}`)); });
  });
}

export async function sigkillChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  c.kill('SIGKILL');
  await exitOf(c);
}
