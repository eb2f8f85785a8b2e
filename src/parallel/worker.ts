// Worker-thread entry of WorkerPool (./pool.ts): imports task modules by URL (cached by the
// module loader) and runs the named export with the message's args. Replies
// {id, ok, result} or {id, ok: false, error}; `quiet` requests (broadcasts) echo the flag.
import { parentPort } from 'node:worker_threads';
import { transferList } from './transfer.js';

interface Request { id: number; module: string; fn: string; args: unknown; quiet?: boolean }

const port = parentPort;
if (!port) throw new Error('knnkit: src/parallel/worker is a worker_threads entry, not a module to import');

// Task modules by URL, imported once: a repeated import() is not free (under tsx every call goes
// through the loader hooks' thread and stats the file), and small tasks arrive thousands of
// times a second (a server's searches).
const modules = new Map<string, Promise<Record<string, unknown>>>();
function taskModule(url: string): Promise<Record<string, unknown>> {
  let p = modules.get(url);
  if (!p) {
    p = import(url) as Promise<Record<string, unknown>>;
    modules.set(url, p);
    p.catch(() => modules.delete(url));
  }
  return p;
}

port.on('message', async (m: Request) => {
  try {
    const mod = await taskModule(m.module);
    const f = mod[m.fn];
    if (typeof f !== 'function') throw new Error(`task module ${m.module} has no exported function ${m.fn}`);
    const result = await (f as (a: unknown) => unknown)(m.args);
    port.postMessage({ id: m.id, ok: true, result, quiet: m.quiet }, transferList(result));
  } catch (e) {
    const err = e as Error & { param?: string };
    port.postMessage({
      id: m.id, ok: false, quiet: m.quiet,
      error: { message: err?.message ?? String(e), name: err?.name ?? 'Error', param: err?.param, stack: err?.stack },
    });
  }
});
