import { KnnkitError, invalidParam } from '../core/errors.js';

/**
 * A ratings data set: one (user, item, rating[, timestamp]) record per entry, users and items
 * numbered 0.. in order of first appearance (their raw ids kept as strings, as Surprise keeps
 * raw ids). Parallel typed arrays, one slot per rating, in file order.
 */
export interface Ratings {
  readonly user: Int32Array;
  readonly item: Int32Array;
  readonly rating: Float64Array;
  /** Seconds (or whatever unit the file uses); absent when the file has no timestamp column. */
  readonly timestamp?: Float64Array;
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
  readonly userIndex: ReadonlyMap<string, number>;
  readonly itemIndex: ReadonlyMap<string, number>;
  readonly size: number;
  readonly nUsers: number;
  readonly nItems: number;
  /** [lowest, highest] rating: predictions are clipped into it (Surprise's rating_scale). */
  readonly scale: readonly [number, number];
  /** Binary (implicit-feedback) data: every rating is 1 (no rating column, or `implicit: true`). */
  readonly implicit: boolean;
}

/** Layouts: `csv` = `user,item,rating[,timestamp]` with a header row; `ml-100k` = MovieLens 100k's `u.data` (tab, no header); `ml-1m` = `::`-separated, no header. */
export const RATING_FORMATS = ['auto', 'csv', 'ml-100k', 'ml-1m'] as const;
export type RatingFormat = (typeof RATING_FORMATS)[number];

export interface RatingsOptions {
  /** 'auto' (default) sniffs the layout from the content, whatever the file name. */
  format?: RatingFormat;
  /** Treat every record as a binary interaction (rating 1), whatever its rating column holds. */
  implicit?: boolean;
  /** Rating scale [lo, hi] for clipping; default the lowest and highest rating in the data. */
  scale?: readonly [number, number];
  /** Name used in error messages (the file path). */
  source?: string;
}

const USER_NAMES = /^(user|users|userid|user_id|uid|u|customer|customerid|customer_id)$/i;
const ITEM_NAMES = /^(item|items|itemid|item_id|iid|i|movie|movieid|movie_id|product|productid|product_id|book|isbn)$/i;
const RATING_NAMES = /^(rating|ratings|score|value|stars|r)$/i;
const TIME_NAMES = /^(timestamp|time|ts|date|datetime|t)$/i;

interface Layout { delimiter: string; header: boolean; user: number; item: number; rating: number; timestamp: number; fields: number }

function splitLine(line: string, delimiter: string): string[] {
  if (delimiter === ' ') return line.trim().split(/\s+/);
  return line.split(delimiter).map((f) => f.trim());
}

const isNumber = (s: string) => s !== '' && Number.isFinite(Number(s));

/** Works out the delimiter, the header and the columns from the first non-empty line. */
function sniff(first: string, format: RatingFormat, src: string): Layout {
  let delimiter: string;
  if (format === 'csv') delimiter = ',';
  else if (format === 'ml-100k') delimiter = '\t';
  else if (format === 'ml-1m') delimiter = '::';
  else if (first.includes('::')) delimiter = '::';
  else if (first.includes('\t')) delimiter = '\t';
  else if (first.includes(',')) delimiter = ',';
  else if (first.includes(';')) delimiter = ';';
  else delimiter = ' ';
  const f = splitLine(first, delimiter);
  if (f.length < 2) {
    throw new KnnkitError(src, `${src}: line 1 has ${f.length} field; expected user${delimiter === ' ' ? ' ' : delimiter}item[${delimiter}rating[${delimiter}timestamp]] (format ${format})`);
  }
  const named = f.some((x) => USER_NAMES.test(x) || ITEM_NAMES.test(x) || RATING_NAMES.test(x));
  // a header row: forced by --format csv, or sniffed (a known column name, or a rating field that is not a number)
  const header = format === 'csv' ? true : format === 'ml-100k' || format === 'ml-1m' ? false : named || (f.length >= 3 && !isNumber(f[2]));
  const lay: Layout = { delimiter, header, user: 0, item: 1, rating: f.length >= 3 ? 2 : -1, timestamp: f.length >= 4 ? 3 : -1, fields: f.length };
  if (header && named) {
    const find = (re: RegExp) => f.findIndex((x) => re.test(x));
    const u = find(USER_NAMES), i = find(ITEM_NAMES), r = find(RATING_NAMES), t = find(TIME_NAMES);
    if (u >= 0 && i >= 0) {
      lay.user = u; lay.item = i;
      lay.rating = r; lay.timestamp = t;
    }
  }
  return lay;
}

/**
 * Parses ratings text. Layouts: CSV with a header (`user,item,rating[,timestamp]`, columns found
 * by name: userId/movieId/rating/timestamp as in MovieLens's ratings.csv, else by position),
 * MovieLens 100k's tab layout without header (`u.data`, `u1.base` ... `u5.test`), MovieLens
 * 1M's `::` layout; two columns (user, item) are implicit (binary) data. The layout is sniffed
 * from the first line unless `format` forces it.
 */
export function parseRatings(text: string, opts: RatingsOptions = {}): Ratings {
  const src = opts.source ?? 'ratings';
  const format = opts.format ?? 'auto';
  if (!(RATING_FORMATS as readonly string[]).includes(format)) throw invalidParam('format', format, `one of ${RATING_FORMATS.join(', ')}`);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r?\n/);
  let li = 0;
  while (li < lines.length && lines[li].trim() === '') li++;
  if (li === lines.length) throw new KnnkitError(src, `${src}: no ratings (the file is empty)`);
  const lay = sniff(lines[li], format, src);
  if (lay.header) li++;
  const implicit = opts.implicit === true || lay.rating < 0;
  const userIndex = new Map<string, number>(), itemIndex = new Map<string, number>();
  const userIds: string[] = [], itemIds: string[] = [];
  let cap = Math.max(16, lines.length - li);
  let user = new Int32Array(cap), item = new Int32Array(cap), rating = new Float64Array(cap);
  let ts = lay.timestamp >= 0 ? new Float64Array(cap) : undefined;
  let n = 0, lo = Infinity, hi = -Infinity;
  const need = Math.max(lay.user, lay.item, lay.rating, lay.timestamp) + 1;
  for (; li < lines.length; li++) {
    const line = lines[li];
    if (line.trim() === '') continue;
    const f = splitLine(line, lay.delimiter);
    if (f.length < need) {
      throw new KnnkitError(src, `${src}:${li + 1}: ${f.length} field${f.length === 1 ? '' : 's'}; expected at least ${need} (user, item${lay.rating >= 0 ? ', rating' : ''}${lay.timestamp >= 0 ? ', timestamp' : ''}) separated by ${JSON.stringify(lay.delimiter)}`);
    }
    const us = f[lay.user], is = f[lay.item];
    if (us === '' || is === '') throw new KnnkitError(src, `${src}:${li + 1}: empty ${us === '' ? 'user' : 'item'} id`);
    let r = 1;
    if (lay.rating >= 0 && !opts.implicit) {
      const s = f[lay.rating];
      r = Number(s);
      if (s === '' || !Number.isFinite(r)) throw new KnnkitError(src, `${src}:${li + 1}: rating ${JSON.stringify(s)}; expected a finite number`);
    }
    if (n === cap) {
      cap *= 2;
      const grow = <T extends Int32Array | Float64Array>(a: T, C: new (n: number) => T) => { const b = new C(cap); b.set(a); return b; };
      user = grow(user, Int32Array); item = grow(item, Int32Array); rating = grow(rating, Float64Array);
      if (ts) ts = grow(ts, Float64Array);
    }
    let u = userIndex.get(us);
    if (u === undefined) { u = userIds.length; userIndex.set(us, u); userIds.push(us); }
    let it = itemIndex.get(is);
    if (it === undefined) { it = itemIds.length; itemIndex.set(is, it); itemIds.push(is); }
    user[n] = u; item[n] = it; rating[n] = r;
    if (ts) {
      const s = f[lay.timestamp];
      const t = Number(s);
      ts[n] = s !== '' && Number.isFinite(t) ? t : Date.parse(s);
      if (!Number.isFinite(ts[n])) throw new KnnkitError(src, `${src}:${li + 1}: timestamp ${JSON.stringify(s)}; expected a number or a date`);
    }
    if (r < lo) lo = r;
    if (r > hi) hi = r;
    n++;
  }
  if (n === 0) throw new KnnkitError(src, `${src}: no ratings after the header`);
  return makeRatings(user.slice(0, n), item.slice(0, n), rating.slice(0, n), ts?.slice(0, n), userIds, itemIds, userIndex, itemIndex, checkScale(opts.scale, lo, hi), implicit);
}

function checkScale(scale: readonly [number, number] | undefined, lo: number, hi: number): [number, number] {
  if (scale === undefined) return [lo, hi];
  if (!Array.isArray(scale) || scale.length !== 2 || !Number.isFinite(scale[0]) || !Number.isFinite(scale[1]) || !(scale[0] <= scale[1])) {
    throw invalidParam('scale', scale, '[lowest, highest] finite numbers with lowest <= highest');
  }
  return [scale[0], scale[1]];
}

function makeRatings(user: Int32Array, item: Int32Array, rating: Float64Array, timestamp: Float64Array | undefined,
  userIds: string[], itemIds: string[], userIndex: Map<string, number>, itemIndex: Map<string, number>,
  scale: [number, number], implicit: boolean): Ratings {
  return {
    user, item, rating, ...(timestamp ? { timestamp } : {}), userIds, itemIds, userIndex, itemIndex,
    size: user.length, nUsers: userIds.length, nItems: itemIds.length, scale, implicit,
  };
}

/**
 * Ratings from arrays of raw ids (numbers or strings) and ratings; `ratings` omitted = implicit
 * (binary) data.
 */
export function ratingsFromArrays(users: ArrayLike<string | number>, items: ArrayLike<string | number>,
  ratings?: ArrayLike<number>, opts: { timestamps?: ArrayLike<number>; scale?: readonly [number, number]; implicit?: boolean } = {}): Ratings {
  const n = users.length;
  if (items.length !== n) throw invalidParam('items', items, `as many entries as users (${n})`);
  if (ratings && ratings.length !== n) throw invalidParam('ratings', ratings, `as many entries as users (${n})`);
  if (opts.timestamps && opts.timestamps.length !== n) throw invalidParam('timestamps', opts.timestamps, `as many entries as users (${n})`);
  if (n === 0) throw invalidParam('users', users, 'at least one rating');
  const implicit = opts.implicit === true || !ratings;
  const userIndex = new Map<string, number>(), itemIndex = new Map<string, number>();
  const userIds: string[] = [], itemIds: string[] = [];
  const user = new Int32Array(n), item = new Int32Array(n), rating = new Float64Array(n);
  let lo = Infinity, hi = -Infinity;
  for (let p = 0; p < n; p++) {
    const us = String(users[p]), is = String(items[p]);
    let u = userIndex.get(us);
    if (u === undefined) { u = userIds.length; userIndex.set(us, u); userIds.push(us); }
    let it = itemIndex.get(is);
    if (it === undefined) { it = itemIds.length; itemIndex.set(is, it); itemIds.push(is); }
    const r = implicit ? 1 : Number(ratings![p]);
    if (!Number.isFinite(r)) throw invalidParam(`ratings[${p}]`, ratings![p], 'a finite number');
    user[p] = u; item[p] = it; rating[p] = r;
    if (r < lo) lo = r;
    if (r > hi) hi = r;
  }
  const timestamp = opts.timestamps ? Float64Array.from(opts.timestamps) : undefined;
  return makeRatings(user, item, rating, timestamp, userIds, itemIds, userIndex, itemIndex, checkScale(opts.scale, lo, hi), implicit);
}

/** Reads a ratings file (Node): `ratings.csv`, `u.data`, `u1.base`, `ratings.dat`, ... (see parseRatings). */
export async function readRatings(path: string, opts: RatingsOptions = {}): Promise<Ratings> {
  if (typeof path !== 'string' || path === '') throw invalidParam('path', path, 'a ratings file path');
  const { readFile } = await import('node:fs/promises');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new KnnkitError(path, `${path}: no such file`);
    if (code === 'EISDIR') throw new KnnkitError(path, `${path}: is a directory; expected a ratings file`);
    throw e;
  }
  return parseRatings(text, { ...opts, source: opts.source ?? path });
}

/**
 * Re-expresses `test` in the ids of `train` (a separate test file such as MovieLens's u1.test):
 * users and items unseen in `train` get new ids past train's (they are unknown to the model).
 */
export function alignRatings(train: Ratings, test: Ratings): { train: Ratings; test: Ratings } {
  const userIds = [...train.userIds], itemIds = [...train.itemIds];
  const userIndex = new Map(train.userIndex), itemIndex = new Map(train.itemIndex);
  const user = new Int32Array(test.size), item = new Int32Array(test.size);
  for (let p = 0; p < test.size; p++) {
    const us = test.userIds[test.user[p]], is = test.itemIds[test.item[p]];
    let u = userIndex.get(us);
    if (u === undefined) { u = userIds.length; userIndex.set(us, u); userIds.push(us); }
    let it = itemIndex.get(is);
    if (it === undefined) { it = itemIds.length; itemIndex.set(is, it); itemIds.push(is); }
    user[p] = u; item[p] = it;
  }
  const scale: [number, number] = [Math.min(train.scale[0], test.scale[0]), Math.max(train.scale[1], test.scale[1])];
  const implicit = train.implicit || test.implicit;
  const tr = makeRatings(train.user, train.item, implicit ? new Float64Array(train.size).fill(1) : train.rating, train.timestamp, userIds, itemIds, userIndex, itemIndex, train.scale.slice() as [number, number], implicit);
  const te = makeRatings(user, item, implicit ? new Float64Array(test.size).fill(1) : test.rating, test.timestamp, userIds, itemIds, userIndex, itemIndex, scale, implicit);
  return { train: tr, test: te };
}

/** Concatenates two Ratings expressed in the same ids (alignRatings output) into one, with the index ranges of each. */
export function concatRatings(a: Ratings, b: Ratings): { all: Ratings; first: Int32Array; second: Int32Array } {
  if (a.userIds !== b.userIds && a.nUsers !== b.nUsers) throw new KnnkitError('ratings', 'ratings: concatRatings needs two sets in the same ids (alignRatings)');
  const n = a.size + b.size;
  const cat = <T extends Int32Array | Float64Array>(x: T, y: T, C: new (n: number) => T) => { const o = new C(n); o.set(x); o.set(y, x.length); return o; };
  const ts = a.timestamp && b.timestamp ? cat(a.timestamp, b.timestamp, Float64Array) : undefined;
  const all = makeRatings(cat(a.user, b.user, Int32Array), cat(a.item, b.item, Int32Array), cat(a.rating, b.rating, Float64Array), ts,
    b.userIds as string[], b.itemIds as string[], b.userIndex as Map<string, number>, b.itemIndex as Map<string, number>,
    [Math.min(a.scale[0], b.scale[0]), Math.max(a.scale[1], b.scale[1])], a.implicit || b.implicit);
  const first = new Int32Array(a.size), second = new Int32Array(b.size);
  for (let i = 0; i < a.size; i++) first[i] = i;
  for (let i = 0; i < b.size; i++) second[i] = a.size + i;
  return { all, first, second };
}
