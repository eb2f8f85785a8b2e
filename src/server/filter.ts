import { badRequest } from './errors.js';
import { pointKey } from './point-id.js';

/**
 * Qdrant's payload filter, validated once and compiled to a predicate over a point (its
 * canonical key and its payload). Supported: `must` (all), `should` (at least one), `must_not`
 * (none), `min_should` ({conditions, min_count}), nested filters; field conditions `match`
 * ({value}, {any}, {except}, {text}), `range` (gt, gte, lt, lte), `values_count`, `is_empty`,
 * `is_null`, `has_id` and `nested` ({key, filter}: some element of the array at key satisfies
 * the filter). Keys are dotted paths; `a[]` projects over an array, and arrays met on the way are
 * flattened, so a condition holds when any of the values it reaches holds (Qdrant's rule).
 */
export type Payload = Record<string, unknown>;
export type PointTest = (key: string, payload: Payload) => boolean;

/** A compiled filter plus what the planner can use: the conditions every match must meet. */
export interface CompiledFilter {
  test: PointTest;
  /** Field conditions under the top-level `must` (each must hold: a payload index may answer it). */
  required: FieldCond[];
  /** has_id under the top-level `must`: the candidates are at most these keys. */
  requiredIds: Set<string> | null;
  /**
   * True when the filter is exactly the conjunction of `required` (and `requiredIds`): only a
   * top-level `must` of match value / any, range and has_id conditions. Payload indexes covering
   * every one of them then answer the filter alone, with no per-point test.
   */
  pure: boolean;
  /** Whether the test reads the point's key (has_id somewhere); otherwise callers may pass ''. */
  usesIds: boolean;
}

interface Cx { usesIds: boolean }
const EMPTY: unknown[] = [];

/**
 * A predicate "some value at `path` satisfies `pred`", compiled once per condition: a plain key
 * (no dot, no []) reads the property directly (the common case, no allocation per point); a path
 * goes through valuesAt.
 */
function anyAt(path: string, pred: (v: unknown) => boolean): (p: Payload) => boolean {
  if (!path.includes('.') && !path.includes('[]')) {
    return (p) => {
      const v = p[path];
      if (v === undefined) return false;
      if (!Array.isArray(v)) return pred(v);
      for (const x of v) if (pred(x)) return true;
      return false;
    };
  }
  return (p) => { for (const v of valuesAt(p, path)) if (pred(v)) return true; return false; };
}

export type FieldCond =
  | { kind: 'match'; key: string; values: (string | number | boolean)[] }
  | { kind: 'range'; key: string; gt?: number; gte?: number; lt?: number; lte?: number };

const FILTER_KEYS = new Set(['must', 'should', 'must_not', 'min_should']);

/** Values at a dotted path (flattened over arrays); `[]` marks an explicit array projection. */
export function valuesAt(payload: unknown, path: string): unknown[] {
  const parts = path.split('.');
  let cur: unknown[] = [payload];
  for (const raw of parts) {
    const proj = raw.endsWith('[]');
    const name = proj ? raw.slice(0, -2) : raw;
    const next: unknown[] = [];
    for (const v of cur) {
      const objs = Array.isArray(v) ? v : [v];
      for (const o of objs) {
        if (o === null || typeof o !== 'object' || Array.isArray(o)) continue;
        if (!Object.prototype.hasOwnProperty.call(o, name)) continue;
        const got = (o as Record<string, unknown>)[name];
        if (proj && Array.isArray(got)) next.push(...got);
        else next.push(got);
      }
    }
    cur = next;
  }
  // a leaf array holds its elements (match a value "any of")
  const out: unknown[] = [];
  for (const v of cur) { if (Array.isArray(v)) out.push(...v); else out.push(v); }
  return out;
}

/** True when the path reaches at least one present value (null counts as present). */
function present(payload: unknown, path: string): { found: boolean; values: unknown[] } {
  const parts = path.split('.');
  let cur: unknown[] = [payload];
  let found = true;
  for (const raw of parts) {
    const name = raw.endsWith('[]') ? raw.slice(0, -2) : raw;
    const next: unknown[] = [];
    for (const v of cur) {
      for (const o of Array.isArray(v) ? v : [v]) {
        if (o !== null && typeof o === 'object' && !Array.isArray(o) && Object.prototype.hasOwnProperty.call(o, name)) next.push((o as Record<string, unknown>)[name]);
      }
    }
    if (next.length === 0) { found = false; break; }
    cur = next;
  }
  return { found, values: found ? cur : [] };
}

function list(v: unknown, where: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  if (typeof v === 'object') return [v];
  throw badRequest(`${where}: expected a condition or a list of conditions`);
}

function checkKey(k: unknown, where: string): string {
  if (typeof k !== 'string' || k === '') throw badRequest(`${where}.key: expected a non-empty payload key`);
  return k;
}

function finiteOrUndef(v: unknown, where: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw badRequest(`${where}: got ${JSON.stringify(v)}; expected a finite number`);
  return v;
}

function scalar(v: unknown, where: string): string | number | boolean {
  if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) return v;
  throw badRequest(`${where}: got ${JSON.stringify(v)}; expected a string, an integer or a boolean`);
}

function compileRange(r: unknown, where: string): { gt?: number; gte?: number; lt?: number; lte?: number } {
  if (r === null || typeof r !== 'object' || Array.isArray(r)) throw badRequest(`${where}: expected {gt, gte, lt, lte}`);
  const o = r as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['gt', 'gte', 'lt', 'lte'].includes(k)) throw badRequest(`${where}: unknown bound ${JSON.stringify(k)}; expected gt, gte, lt, lte`);
  return { gt: finiteOrUndef(o.gt, `${where}.gt`), gte: finiteOrUndef(o.gte, `${where}.gte`), lt: finiteOrUndef(o.lt, `${where}.lt`), lte: finiteOrUndef(o.lte, `${where}.lte`) };
}

export function inRange(x: number, r: { gt?: number; gte?: number; lt?: number; lte?: number }): boolean {
  return (r.gt === undefined || x > r.gt) && (r.gte === undefined || x >= r.gte) && (r.lt === undefined || x < r.lt) && (r.lte === undefined || x <= r.lte);
}

function compileCondition(c: unknown, where: string, top: boolean, req: CompiledFilter | null, cx: Cx): PointTest {
  if (c === null || typeof c !== 'object' || Array.isArray(c)) throw badRequest(`${where}: expected a condition object`);
  const o = c as Record<string, unknown>;
  if (Object.keys(o).some((k) => FILTER_KEYS.has(k))) return compileFilterInner(o, where, null, cx);
  if ('has_id' in o) {
    if (!top) throw badRequest(`${where}.has_id: not allowed inside a nested condition`);
    if (!Array.isArray(o.has_id)) throw badRequest(`${where}.has_id: expected a list of point ids`);
    const ids = new Set((o.has_id as unknown[]).map((id, i) => pointKey(id, `${where}.has_id[${i}]`)));
    cx.usesIds = true;
    if (req) req.requiredIds = req.requiredIds ? new Set([...req.requiredIds].filter((k) => ids.has(k))) : ids;
    return (key) => ids.has(key);
  }
  if ('is_empty' in o) {
    const key = checkKey((o.is_empty as Record<string, unknown>)?.key, `${where}.is_empty`);
    return (_k, p) => valuesAt(p, key).every((v) => v === null);
  }
  if ('is_null' in o) {
    const key = checkKey((o.is_null as Record<string, unknown>)?.key, `${where}.is_null`);
    return (_k, p) => { const r = present(p, key); return r.found && r.values.some((v) => v === null); };
  }
  if ('nested' in o) {
    const n = o.nested as Record<string, unknown>;
    const key = checkKey(n?.key, `${where}.nested`);
    if (n.filter === null || typeof n.filter !== 'object') throw badRequest(`${where}.nested.filter: expected a filter`);
    const inner = compileFilterInner(n.filter as Record<string, unknown>, `${where}.nested.filter`, null, cx, false);
    const path = key.endsWith('[]') ? key.slice(0, -2) : key;
    return (k, p) => {
      for (const v of valuesAt(p, path)) if (v !== null && typeof v === 'object' && inner(k, v as Payload)) return true;
      return false;
    };
  }
  const key = checkKey(o.key, where);
  for (const k of Object.keys(o)) {
    if (!['key', 'match', 'range', 'values_count', 'is_empty', 'is_null'].includes(k)) {
      throw badRequest(`${where}: unsupported condition field ${JSON.stringify(k)} (supported: match, range, values_count, is_empty, is_null, has_id, nested)`);
    }
  }
  const tests: PointTest[] = [];
  if (o.match !== undefined) {
    const m = o.match as Record<string, unknown>;
    if (m === null || typeof m !== 'object') throw badRequest(`${where}.match: expected {value}, {any}, {except} or {text}`);
    if ('value' in m) {
      const want = scalar(m.value, `${where}.match.value`);
      if (top && req) req.required.push({ kind: 'match', key, values: [want] });
      const t = anyAt(key, (v) => v === want);
      tests.push((_k, p) => t(p));
    } else if ('any' in m) {
      if (!Array.isArray(m.any)) throw badRequest(`${where}.match.any: expected a list of values`);
      const set = new Set((m.any as unknown[]).map((v, i) => scalar(v, `${where}.match.any[${i}]`)));
      if (top && req) req.required.push({ kind: 'match', key, values: [...set] });
      const t = anyAt(key, (v) => set.has(v as string));
      tests.push((_k, p) => t(p));
    } else if ('except' in m) {
      if (!Array.isArray(m.except)) throw badRequest(`${where}.match.except: expected a list of values`);
      const set = new Set((m.except as unknown[]).map((v, i) => scalar(v, `${where}.match.except[${i}]`)));
      tests.push((_k, p) => valuesAt(p, key).every((v) => !set.has(v as string)));
    } else if ('text' in m) {
      if (typeof m.text !== 'string') throw badRequest(`${where}.match.text: expected a string`);
      const t = m.text;
      const tt = anyAt(key, (v) => typeof v === 'string' && v.includes(t));
      tests.push((_k, p) => tt(p));
    } else {
      throw badRequest(`${where}.match: expected one of value, any, except, text`);
    }
  }
  if (o.range !== undefined) {
    const r = compileRange(o.range, `${where}.range`);
    if (top && req) req.required.push({ kind: 'range', key, ...r });
    const t = anyAt(key, (v) => typeof v === 'number' && inRange(v, r));
    tests.push((_k, p) => t(p));
  }
  if (o.values_count !== undefined) {
    const r = compileRange(o.values_count, `${where}.values_count`);
    tests.push((_k, p) => inRange(valuesAt(p, key).length, r));
  }
  if (o.is_empty !== undefined || o.is_null !== undefined) throw badRequest(`${where}: is_empty / is_null take {key} as their own condition`);
  if (tests.length === 0) throw badRequest(`${where}: the condition on ${JSON.stringify(key)} has no match, range or values_count`);
  return tests.length === 1 ? tests[0] : (k, p) => tests.every((t) => t(k, p));
}

function compileFilterInner(f: Record<string, unknown>, where: string, req: CompiledFilter | null, cx: Cx, allowIds = true): PointTest {
  for (const k of Object.keys(f)) if (!FILTER_KEYS.has(k)) throw badRequest(`${where}: unknown filter clause ${JSON.stringify(k)}; expected must, should, must_not, min_should`);
  const mustRaw = list(f.must, `${where}.must`);
  const must = mustRaw.map((c, i) => compileCondition(c, `${where}.must[${i}]`, allowIds, req, cx));
  const should = list(f.should, `${where}.should`).map((c, i) => compileCondition(c, `${where}.should[${i}]`, allowIds, null, cx));
  const mustNot = list(f.must_not, `${where}.must_not`).map((c, i) => compileCondition(c, `${where}.must_not[${i}]`, allowIds, null, cx));
  if (req) req.pure = should.length === 0 && mustNot.length === 0 && (f.min_should === undefined || f.min_should === null) && mustRaw.every(capturable);
  let minShould: { tests: PointTest[]; count: number } | null = null;
  if (f.min_should !== undefined && f.min_should !== null) {
    const ms = f.min_should as Record<string, unknown>;
    const count = ms?.min_count;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) throw badRequest(`${where}.min_should.min_count: expected a non-negative integer`);
    minShould = { tests: list(ms.conditions, `${where}.min_should.conditions`).map((c, i) => compileCondition(c, `${where}.min_should.conditions[${i}]`, allowIds, null, cx)), count };
  }
  return (key, p) => {
    for (const t of must) if (!t(key, p)) return false;
    for (const t of mustNot) if (t(key, p)) return false;
    if (should.length > 0 && !should.some((t) => t(key, p))) return false;
    if (minShould) {
      let n = 0;
      for (const t of minShould.tests) if (t(key, p) && ++n >= minShould.count) break;
      if (n < minShould.count) return false;
    }
    return true;
  };
}

/** Validates and compiles a filter (null/undefined: no filter). Bad filters are 400s naming the clause. */
export function compileFilter(filter: unknown, where = 'filter'): CompiledFilter | null {
  if (filter === undefined || filter === null) return null;
  if (typeof filter !== 'object' || Array.isArray(filter)) throw badRequest(`${where}: expected a filter object {must, should, must_not}`);
  const out: CompiledFilter = { test: () => true, required: [], requiredIds: null, pure: false, usesIds: false };
  const cx: Cx = { usesIds: false };
  out.test = compileFilterInner(filter as Record<string, unknown>, where, out, cx);
  out.usesIds = cx.usesIds;
  return out;
}

/** A must entry that is exactly what it adds to `required` / `requiredIds`. */
function capturable(c: unknown): boolean {
  const o = c as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 && keys[0] === 'has_id') return true;
  if (!keys.includes('key') || !keys.every((k) => k === 'key' || k === 'match' || k === 'range')) return false;
  const m = o.match as Record<string, unknown> | undefined;
  return m === undefined || 'value' in m || 'any' in m;
}
