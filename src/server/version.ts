import { readFileSync } from 'node:fs';

/**
 * The Qdrant REST API version this server speaks (GET / reports it as `version`: the official
 * client's compatibility check compares its own major.minor with it). knnkit's own version is
 * reported beside it.
 */
export const QDRANT_API_VERSION = '1.18.0';

export const KNNKIT_VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    try { return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version; } catch { return 'unknown'; }
  }
})();
