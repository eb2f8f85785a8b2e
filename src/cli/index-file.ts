import { open } from 'node:fs/promises';
import { isEnvelope } from '../index/envelope.js';
import { legacyLoaders } from '../index/legacy.js';

/**
 * True when the file starts with a knnkit index magic (the envelope's, or a legacy HNSW file's):
 * `search` then takes it as a saved index instead of base vectors. Reads only the first bytes.
 */
export async function isIndexFile(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const head = new Uint8Array(64);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    const b = head.subarray(0, bytesRead);
    return isEnvelope(b) || legacyLoaders().some((l) => l.matches(b));
  } finally {
    await fh.close();
  }
}
