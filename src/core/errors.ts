/**
 * One error type for every bad input, so that callers (and the CLI, which maps it to exit code 2)
 * can tell a user's mistake from a bug. Messages always name the parameter, the value received
 * and what is accepted.
 */
export class KnnkitError extends Error {
  /** The parameter, option or file the error is about (e.g. "k", "--metric", "train.csv"). */
  readonly param: string;
  constructor(param: string, message: string) {
    super(message);
    this.name = 'KnnkitError';
    this.param = param;
  }
}

/** Formats a received value for an error message without dumping huge arrays. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (Array.isArray(value)) return `array(length ${value.length})`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(length ${(value as unknown as { length: number }).length})`;
  if (typeof value === 'function') return 'function';
  try {
    const s = JSON.stringify(value);
    return s.length > 80 ? s.slice(0, 77) + '...' : s;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** `invalidParam('k', 0, 'an integer >= 1')` -> "k: got 0; expected an integer >= 1". */
export function invalidParam(param: string, value: unknown, accepted: string): KnnkitError {
  return new KnnkitError(param, `${param}: got ${describeValue(value)}; expected ${accepted}`);
}

export function checkInteger(param: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw invalidParam(param, value, `an integer ${range}`);
  }
  return value;
}

export function checkNumber(param: string, value: unknown, min = -Infinity, max = Infinity, opts: { minExclusive?: boolean } = {}): number {
  const low = opts.minExclusive ? (value as number) <= min : (value as number) < min;
  if (typeof value !== 'number' || !Number.isFinite(value) || low || value > max) {
    const lo = min === -Infinity ? '' : `${opts.minExclusive ? '>' : '>='} ${min}`;
    const hi = max === Infinity ? '' : `<= ${max}`;
    throw invalidParam(param, value, `a finite number${lo || hi ? ' ' + [lo, hi].filter(Boolean).join(' and ') : ''}`);
  }
  return value;
}

export function checkOneOf<T extends string>(param: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidParam(param, value, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
  }
  return value as T;
}
