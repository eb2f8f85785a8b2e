/**
 * Decimal text -> number straight from bytes, without building a string per field (the CSV and
 * LIBSVM readers call this once per value: it is the hot loop of text loading).
 *
 * Syntax (checked here, so `Number()`'s leniencies such as "" -> 0, "0x10" or "Infinity" never
 * get through): optional spaces/tabs, [+-]digits[.digits][(e|E)[+-]digits] with at least one
 * mantissa digit, optional spaces/tabs. Anything else gives NaN.
 *
 * - `parseDecimal` returns exactly `Number(text)` (the correctly rounded double).
 * - `parseFloat32` returns exactly `Math.fround(Number(text))`, which is what numpy's float64
 *   parse followed by astype(float32) gives, the value every knnkit reader stores.
 */

// Scan state shared by the two entry points (module-level: no allocation per call).
let sNeg = false;
let sM = 0; // the first (up to) 19 significant digits as a double (exact while < 2^53)
let sSig = 0; // significant digits seen (leading zeros not counted)
let sExp = 0; // decimal exponent: value = sM * 10^sExp
let sStart = 0;
let sEnd = 0;

const POW10 = new Float64Array(309);
for (let k = 0; k <= 308; k++) POW10[k] = Number(`1e${k}`); // each correctly rounded

/** Scans the syntax; false when the bytes are not a plain decimal. */
function scan(buf: Uint8Array, start: number, end: number): boolean {
  let p = start;
  while (p < end && (buf[p] === 32 || buf[p] === 9)) p++;
  while (end > p && (buf[end - 1] === 32 || buf[end - 1] === 9)) end--;
  if (p >= end) return false;
  sStart = p;
  sEnd = end;
  let neg = false;
  let c = buf[p];
  if (c === 45 /* - */ || c === 43 /* + */) { neg = c === 45; p++; }
  let m = 0;
  let sig = 0;
  let digits = 0;
  let exp = 0;
  while (p < end) {
    c = buf[p] - 48;
    if (c < 0 || c > 9) break;
    if (sig > 0 || c !== 0) { if (sig < 19) m = m * 10 + c; else exp++; sig++; }
    digits++; p++;
  }
  if (p < end && buf[p] === 46 /* . */) {
    p++;
    while (p < end) {
      c = buf[p] - 48;
      if (c < 0 || c > 9) break;
      if (sig > 0 || c !== 0) { if (sig < 19) { m = m * 10 + c; exp--; } sig++; } else exp--;
      digits++; p++;
    }
  }
  if (digits === 0) return false;
  if (p < end && (buf[p] === 101 || buf[p] === 69) /* e E */) {
    p++;
    let eneg = false;
    if (p < end && (buf[p] === 45 || buf[p] === 43)) { eneg = buf[p] === 45; p++; }
    let e = 0;
    let edigits = 0;
    while (p < end) {
      c = buf[p] - 48;
      if (c < 0 || c > 9) break;
      if (e < 100000) e = e * 10 + c;
      edigits++; p++;
    }
    if (edigits === 0) return false;
    exp += eneg ? -e : e;
  }
  if (p !== end) return false;
  sNeg = neg; sM = m; sSig = sig; sExp = exp;
  return true;
}

/** Exactly Number(text) for a plain decimal, NaN otherwise (see the module comment). */
export function parseDecimal(buf: Uint8Array, start: number, end: number): number {
  if (!scan(buf, start, end)) return NaN;
  if (sM === 0) return sNeg ? -0 : 0;
  // Clinger's fast path: m < 10^15 < 2^53 and 10^|e| exact (|e| <= 22) -> one correctly rounded op.
  if (sSig <= 15 && sExp >= -22 && sExp <= 22) {
    const v = sExp >= 0 ? sM * POW10[sExp] : sM / POW10[-sExp];
    return sNeg ? -v : v;
  }
  return Number(latin1(buf, sStart, sEnd)); // syntax already checked: Number() is exact here
}

/** 2^-46: a bracket of +-64 double ulps around the approximation (its error is < 25 ulps). */
const BRACKET = 2 ** -46;

/**
 * Exactly Math.fround(Number(text)) for a plain decimal, NaN otherwise.
 *
 * Fast path for any digit count: a = m * 10^e in doubles is within 25 ulps of the true value x
 * (<= 19 roundings of the digit accumulation, one for the power, one for the product; dropped
 * digits beyond 19 cost < 1e-18 relative). The correctly rounded double d = Number(text) lies
 * within half an ulp of x, so both lie in [a(1 - 2^-46), a(1 + 2^-46)]. When both ends of that
 * interval round to the same float32 f, fround(d) = f. Only values within 2^-46 of a float32
 * rounding boundary (about one in 10^7 random inputs) take the slow exact path.
 */
export function parseFloat32(buf: Uint8Array, start: number, end: number): number {
  if (!scan(buf, start, end)) return NaN;
  const m = sM;
  if (m === 0) return sNeg ? -0 : 0;
  const e = sExp;
  if (sSig <= 15 && e >= -22 && e <= 22) {
    const v = Math.fround(e >= 0 ? m * POW10[e] : m / POW10[-e]); // exact double, then one rounding
    return sNeg ? -v : v;
  }
  if (e >= -300 && e <= 300) {
    const a = e >= 0 ? m * POW10[e] : m / POW10[-e];
    const lo = Math.fround(a * (1 - BRACKET));
    if (lo === Math.fround(a * (1 + BRACKET))) return sNeg ? -lo : lo;
  }
  return Math.fround(Number(latin1(buf, sStart, sEnd)));
}

/** Parses a plain (optionally signed) decimal integer; NaN when the bytes are not one. */
export function parseIntBytes(buf: Uint8Array, start: number, end: number): number {
  let p = start;
  if (p >= end) return NaN;
  let neg = false;
  if (buf[p] === 45 || buf[p] === 43) { neg = buf[p] === 45; p++; }
  if (p >= end) return NaN;
  let v = 0;
  for (; p < end; p++) {
    const c = buf[p] - 48;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
  }
  return v > Number.MAX_SAFE_INTEGER ? NaN : neg ? -v : v;
}

export function latin1(buf: Uint8Array, start: number, end: number): string {
  return String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);
}

/** FIELD_END[0]: where parseFieldFloat32 stopped (the delimiter / line end after the number). */
export const FIELD_END = new Int32Array(1);

/**
 * The CSV hot path: scans one unquoted numeric field starting at p and stops at `delim`, LF or
 * CR, returning Math.fround(Number(text)) and setting FIELD_END[0]. It returns NaN, leaving the
 * field to the general (slower, fully checked) path, whenever anything is unusual: spaces,
 * quotes, a missing value, bad syntax, or the end of the buffer before a terminator. One pass
 * over the bytes instead of a find-the-delimiter pass plus a parse pass.
 *
 * All mantissa digits (leading zeros included) are accumulated into a double m. With <= 15
 * digits m is exact (Clinger's fast path, as in parseFloat32). With up to 40 digits each of the
 * <= 40 multiply-adds errs by at most one rounding (2^-53 relative), so a = m * 10^e is within
 * 42 ulps of the true value and the +-2^-46 (128 ulp) bracket test of parseFloat32 applies.
 */
export function parseFieldFloat32(buf: Uint8Array, p: number, end: number, delim: number): number {
  const s0 = p;
  if (p >= end) return NaN;
  let c = buf[p];
  let neg = false;
  if (c === 45) { neg = true; p++; }
  let m = 0;
  let exp = 0;
  const d0 = p;
  while (p < end) {
    c = buf[p];
    if (c < 48 || c > 57) break;
    m = m * 10 + (c - 48);
    p++;
  }
  let digits = p - d0;
  if (c === 46 && p < end) {
    p++;
    const f0 = p;
    while (p < end) {
      c = buf[p];
      if (c < 48 || c > 57) break;
      m = m * 10 + (c - 48);
      p++;
    }
    exp = f0 - p;
    digits += p - f0;
  }
  if (digits === 0 || p >= end) return NaN;
  if (c === 101 || c === 69) {
    p++;
    let eneg = false;
    if (p < end && (buf[p] === 45 || buf[p] === 43)) { eneg = buf[p] === 45; p++; }
    let e = 0;
    const e0 = p;
    while (p < end) {
      c = buf[p];
      if (c < 48 || c > 57) break;
      if (e < 100000) e = e * 10 + (c - 48);
      p++;
    }
    if (p === e0 || p >= end) return NaN;
    exp += eneg ? -e : e;
  }
  if (c !== delim && c !== 10 && c !== 13) return NaN;
  FIELD_END[0] = p;
  if (m === 0) return neg ? -0 : 0;
  let v: number;
  if (digits <= 15 && exp >= -22 && exp <= 22) {
    v = Math.fround(exp >= 0 ? m * POW10[exp] : m / POW10[-exp]);
  } else {
    v = NaN;
    if (digits <= 40 && exp >= -300 && exp <= 300) {
      const a = exp >= 0 ? m * POW10[exp] : m / POW10[-exp];
      const lo = Math.fround(a * (1 - BRACKET));
      if (lo === Math.fround(a * (1 + BRACKET))) v = lo;
    }
    if (v !== v) return Math.fround(Number(latin1(buf, s0, p)));
  }
  return neg ? -v : v;
}
