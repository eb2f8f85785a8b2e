/**
 * Base64 without Node: Buffer when the runtime has it (fast, Node), else btoa / atob (browsers,
 * Deno). The library's JSON model formats and its embedded WebAssembly modules use these, so
 * neither depends on a Node global.
 */
type BufferLike = { from(data: ArrayBufferLike | string, a?: number | string, b?: number): Uint8Array & { toString(enc: string): string } };
const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer;

/** Base64 of bytes. */
export function encodeBase64(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  return encodeBase64Portable(bytes);
}

/** @internal encodeBase64 without Buffer (what browsers run), exported for tests. */
export function encodeBase64Portable(bytes: Uint8Array): string {
  let bin = '';
  // String.fromCharCode over bounded chunks: one call per byte is slow, one call for all overflows the stack
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + 0x8000)));
  return btoa(bin);
}

/** Bytes of base64 text, in a fresh buffer of their own. */
export function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  if (NodeBuffer) return Uint8Array.from(NodeBuffer.from(s, 'base64'));
  return decodeBase64Portable(s);
}

/** @internal decodeBase64 without Buffer (what browsers run), exported for tests. */
export function decodeBase64Portable(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
