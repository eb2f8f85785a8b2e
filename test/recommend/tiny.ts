import { ratingsFromArrays, type Ratings } from '../../src/recommend/index.js';

/**
 * The hand-computed example: 4 users x 4 items, ratings 1..5.
 *   u0: i0=5 i1=3 i2=4
 *   u1: i0=3 i1=1 i2=2 i3=3
 *   u2: i0=4 i1=3 i2=4 i3=5
 *   u3:      i1=2      i3=4
 */
export function tiny(): Ratings {
  const rows: [string, string, number][] = [
    ['u0', 'i0', 5], ['u0', 'i1', 3], ['u0', 'i2', 4],
    ['u1', 'i0', 3], ['u1', 'i1', 1], ['u1', 'i2', 2], ['u1', 'i3', 3],
    ['u2', 'i0', 4], ['u2', 'i1', 3], ['u2', 'i2', 4], ['u2', 'i3', 5],
    ['u3', 'i1', 2], ['u3', 'i3', 4],
  ];
  return ratingsFromArrays(rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2]), { scale: [1, 5] });
}

export const close = (a: number, b: number, tol = 1e-12) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
