/**
 * Singular value decomposition of a square d x d matrix by one-sided Jacobi rotations
 * (Hestenes 1958; Demmel & Veselic 1992): plane rotations applied on the right make the columns
 * of A V mutually orthogonal, then A V = U S with U's columns the normalised columns and S their
 * norms. Float64, O(d^3) per sweep; sweeps until every pair is orthogonal to `tol`. Enough for
 * OPQ's d x d Procrustes step (d in the hundreds), not a general-purpose LAPACK replacement.
 *
 * Input and outputs are row-major d x d: A = U diag(s) V^T.
 */
export function jacobiSvd(A: Float64Array, d: number, tol = 1e-12, maxSweeps = 60): { U: Float64Array; s: Float64Array; V: Float64Array } {
  // columns stored contiguously (column j at j * d) so each rotation streams two runs of memory
  const W = new Float64Array(d * d), V = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) W[j * d + i] = A[i * d + j];
  for (let j = 0; j < d; j++) V[j * d + j] = 1;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let rotated = 0;
    for (let p = 0; p < d - 1; p++) {
      for (let q = p + 1; q < d; q++) {
        const po = p * d, qo = q * d;
        let alpha = 0, beta = 0, gamma = 0;
        for (let i = 0; i < d; i++) { const x = W[po + i], y = W[qo + i]; alpha += x * x; beta += y * y; gamma += x * y; }
        if (gamma === 0 || Math.abs(gamma) <= tol * Math.sqrt(alpha * beta)) continue;
        rotated++;
        // the rotation that zeroes the (p, q) entry of W^T W (Golub & Van Loan 8.4)
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t), s = c * t;
        for (let i = 0; i < d; i++) {
          const x = W[po + i], y = W[qo + i];
          W[po + i] = c * x - s * y; W[qo + i] = s * x + c * y;
          const vx = V[po + i], vy = V[qo + i];
          V[po + i] = c * vx - s * vy; V[qo + i] = s * vx + c * vy;
        }
      }
    }
    if (rotated === 0) break;
  }
  const s = new Float64Array(d), U = new Float64Array(d * d);
  let smax = 0;
  for (let j = 0; j < d; j++) {
    let n2 = 0;
    for (let i = 0; i < d; i++) n2 += W[j * d + i] * W[j * d + i];
    s[j] = Math.sqrt(n2);
    if (s[j] > smax) smax = s[j];
  }
  // U's columns: the normalised columns; those of (numerically) zero singular values are
  // completed to an orthonormal basis by Gram-Schmidt on the unit vectors
  const Uc = new Float64Array(d * d), done = new Uint8Array(d);
  for (let j = 0; j < d; j++) {
    if (s[j] > smax * 1e-13 && s[j] > 0) {
      for (let i = 0; i < d; i++) Uc[j * d + i] = W[j * d + i] / s[j];
      done[j] = 1;
    }
  }
  let e = 0;
  for (let j = 0; j < d; j++) {
    if (done[j]) continue;
    for (; e < d; e++) {
      const v = new Float64Array(d); v[e] = 1;
      for (let k = 0; k < d; k++) {
        if (!done[k]) continue;
        let dot = 0;
        for (let i = 0; i < d; i++) dot += Uc[k * d + i] * v[i];
        for (let i = 0; i < d; i++) v[i] -= dot * Uc[k * d + i];
      }
      let n2 = 0;
      for (let i = 0; i < d; i++) n2 += v[i] * v[i];
      if (n2 > 1e-6) {
        const inv = 1 / Math.sqrt(n2);
        for (let i = 0; i < d; i++) Uc[j * d + i] = v[i] * inv;
        done[j] = 1; e++;
        break;
      }
    }
    s[j] = 0;
  }
  const Vr = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) { U[i * d + j] = Uc[j * d + i]; Vr[i * d + j] = V[j * d + i]; }
  return { U, s, V: Vr };
}
