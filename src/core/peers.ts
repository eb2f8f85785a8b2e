import { KnnkitError } from './errors.js';

/**
 * Optional peer dependencies (TensorFlow.js for knnkit/convnn): each is imported once; the
 * missing ones give one KnnkitError naming every package to install, instead of the module
 * loader's raw ERR_MODULE_NOT_FOUND.
 */
export async function requirePeers(feature: string, packages: readonly string[], load: (name: string) => Promise<unknown>): Promise<void> {
  const missing: string[] = [];
  for (const p of packages) {
    try { await load(p); } catch (e) {
      const code = (e as { code?: string }).code;
      if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((e as Error).message).includes(p)) missing.push(p);
      else throw e;
    }
  }
  if (missing.length) throw missingPeers(feature, packages, missing);
}

/** The error for missing peers (also thrown by the CommonJS entry, which checks with require). */
export function missingPeers(feature: string, packages: readonly string[], missing: readonly string[]): KnnkitError {
  return new KnnkitError(missing[0], `${feature} needs the optional peer dependencies ${packages.join(', ')}; missing: ${missing.join(', ')}; install them: npm install ${packages.join(' ')}`);
}
