import { invalidParam } from '../core/errors.js';
import type { Envelope } from '../index/envelope.js';
import { BitsCodec } from './bits.js';
import { F16Codec } from './f16.js';
import { F32Codec } from './f32.js';
import { Sq8Codec } from './sq8.js';
import { CODEC_NAMES, type Codec, type CodecName } from './types.js';

export type { Codec, CodecName } from './types.js';
export { CODEC_NAMES } from './types.js';
export { BitsCodec, u64Words } from './bits.js';
export { F16Codec, toHalf, fromHalf } from './f16.js';
export { F32Codec } from './f32.js';
export { Sq8Codec } from './sq8.js';

/** A fresh codec by name. */
export function makeCodec(name: string, dim: number): Codec {
  switch (name as CodecName) {
    case 'f32': return new F32Codec(dim);
    case 'f16': return new F16Codec(dim);
    case 'sq8': return new Sq8Codec(dim);
    case 'bits': return new BitsCodec(dim);
    default: throw invalidParam('codec', name, `one of ${CODEC_NAMES.map((c) => JSON.stringify(c)).join(', ')}`);
  }
}

/** A codec restored from an envelope (the sections its persist() wrote). */
export function loadCodec(name: string, dim: number, env: Envelope): Codec {
  if (name === 'sq8') return new Sq8Codec(dim, env.typed('sq8.vmin', Float32Array, true), env.typed('sq8.vdiff', Float32Array, true));
  return makeCodec(name, dim);
}
