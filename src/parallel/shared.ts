/**
 * SharedArrayBuffer helpers: typed arrays that worker threads see without a copy (posting a
 * SharedArrayBuffer-backed view shares its memory).
 */
export type NumericArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array | Int16Array | Uint16Array | Int8Array;

type Ctor<T> = { new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): T; BYTES_PER_ELEMENT: number };

/** True when SharedArrayBuffer exists (always in Node; browsers need cross-origin isolation). */
export function sharedMemoryAvailable(): boolean {
  return typeof SharedArrayBuffer === 'function';
}

/** A zero-filled typed array on a fresh SharedArrayBuffer. */
export function sharedArray<T extends NumericArray>(ctor: Ctor<T>, length: number): T {
  return new ctor(new SharedArrayBuffer(Math.max(1, length) * ctor.BYTES_PER_ELEMENT), 0, length);
}

/** `a` itself when already shared, else a copy of it on a SharedArrayBuffer. */
export function toShared<T extends NumericArray>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const ctor = a.constructor as unknown as Ctor<T>;
  const out = sharedArray(ctor, a.length);
  (out as unknown as { set(x: ArrayLike<number>): void }).set(a);
  return out;
}
