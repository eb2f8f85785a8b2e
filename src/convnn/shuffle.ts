/**
 * Pixel (un)shuffle with the PyTorch channel order the reference uses (section 1.8), in NHWC / NWC.
 * Built from reshape + transpose so autodiff works on every backend (tf.depthToSpace has another
 * channel order and no gradient; there is no spaceToDepth op).
 */
import { tf } from './tf.js';
import { invalidParam } from '../core/errors.js';

function check(size: number | null, r: number, what: string): void {
  if (size == null || size % r !== 0) throw invalidParam(what, size, `a multiple of shuffleScale ${r}`);
}

/** [B,H,W,C] -> [B,H/r,W/r,C*r^2]; output channel c*r^2 + i*r + j holds input pixel (h*r+i, w*r+j, c). */
export function pixelUnshuffle2d(x: tf.Tensor4D, r: number): tf.Tensor4D {
  if (r === 1) return x;
  const [B, H, W, C] = x.shape;
  check(H, r, 'input height'); check(W, r, 'input width');
  return tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(x, [B, H / r, r, W / r, r, C]), [0, 1, 3, 5, 2, 4]), [B, H / r, W / r, C * r * r]));
}

/** Inverse of pixelUnshuffle2d: [B,h,w,O*r^2] -> [B,h*r,w*r,O]. */
export function pixelShuffle2d(x: tf.Tensor4D, r: number): tf.Tensor4D {
  if (r === 1) return x;
  const [B, h, w, Cr] = x.shape;
  check(Cr, r * r, 'channels');
  const O = Cr / (r * r);
  return tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(x, [B, h, w, O, r, r]), [0, 1, 4, 2, 5, 3]), [B, h * r, w * r, O]));
}

/**
 * 1D unshuffle as the reference's plain memory reshape [B,C,T] -> [B,C*r,T/r]: output channel
 * c*r + j holds the contiguous block j (tokens j*T/r ... (j+1)*T/r - 1) of input channel c.
 */
export function pixelUnshuffle1d(x: tf.Tensor3D, r: number): tf.Tensor3D {
  if (r === 1) return x;
  const [B, T, C] = x.shape;
  check(T, r, 'input length');
  return tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(x, [B, r, T / r, C]), [0, 2, 3, 1]), [B, T / r, C * r]));
}

/** Inverse of pixelUnshuffle1d: [B,T',C*r] -> [B,T'*r,C]. */
export function pixelShuffle1d(x: tf.Tensor3D, r: number): tf.Tensor3D {
  if (r === 1) return x;
  const [B, T, Cr] = x.shape;
  check(Cr, r, 'channels');
  const C = Cr / r;
  return tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(x, [B, T, C, r]), [0, 3, 1, 2]), [B, T * r, C]));
}
