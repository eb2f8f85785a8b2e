// Worker-thread entry of WorkerPool (./pool.ts): imports task modules by URL (cached by the
// module loader) and runs the named export with the message's args. Replies
// {id, ok, result} or {id, ok: false, error}; `quiet` requests (broadcasts) echo the flag.
import { parentPort } from 'node:worker_threads';
import { transferList } from './transfer.js';

interface Request { id: number; module: string; fn: string; args: unknown; quiet?: boolean }

const port = parentPort;
if (!port) throw new Error('knnkit: src/parallel/worker is a worker_threads entry, not a module to import');

port.on('message', async (m: Request) => {
  try {
    const mod = (await import(m.module)) as Record<string, unknown>;
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
