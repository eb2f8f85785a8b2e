/**
 * numpy's legacy `np.random.RandomState(seed).permutation(n)` (MT19937 seeded by init_genrand,
 * Fisher-Yates from the top with numpy's masked rejection sampling), so that a benchmark can use
 * the very train/test splits scikit-learn's train_test_split(random_state=RandomState(seed))
 * draws: test = permutation[:ceil(test_size n)], train = the rest, in permutation order.
 */
export class NumpyRandomState {
  private mt = new Uint32Array(624);
  private pos = 624;

  constructor(seed: number) {
    const mt = this.mt;
    let s = seed >>> 0;
    for (let i = 0; i < 624; i++) {
      mt[i] = s;
      s = (Math.imul(1812433253, (s ^ (s >>> 30)) >>> 0) + i + 1) >>> 0;
    }
  }

  /** MT19937's genrand_int32. */
  nextUint32(): number {
    const mt = this.mt;
    if (this.pos >= 624) {
      for (let i = 0; i < 624; i++) {
        const y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7fffffff);
        mt[i] = (mt[(i + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0)) >>> 0;
      }
      this.pos = 0;
    }
    let y = mt[this.pos++];
    y ^= y >>> 11;
    y = (y ^ ((y << 7) & 0x9d2c5680)) >>> 0;
    y = (y ^ ((y << 15) & 0xefc60000)) >>> 0;
    return (y ^ (y >>> 18)) >>> 0;
  }

  /** Uniform integer in [0, max] by numpy's random_interval (mask, reject above max); max < 2^32. */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1; mask |= mask >>> 2; mask |= mask >>> 4; mask |= mask >>> 8; mask |= mask >>> 16;
    mask >>>= 0;
    let v: number;
    while ((v = (this.nextUint32() & mask) >>> 0) > max);
    return v;
  }

  /** np.random.RandomState.permutation(n). */
  permutation(n: number): Int32Array {
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.interval(i);
      const t = a[i]; a[i] = a[j]; a[j] = t;
    }
    return a;
  }
}
