import { checkInteger, checkNumber, checkOneOf, invalidParam } from '../core/errors.js';
import type { RatingMatrix } from './matrix.js';

/**
 * Baseline estimates b_ui = mu + b_u + b_i (Koren 2010, section 2.1; Surprise's
 * `bsl_options`): ALS alternates closed-form updates of the item and user biases, SGD walks the
 * ratings.
 */
export interface BaselineOptions {
  /** 'als' (default, as Surprise) or 'sgd'. */
  method?: 'als' | 'sgd';
  /** Passes (ALS default 10, SGD default 20, as Surprise). */
  epochs?: number;
  /** ALS: item regularisation lambda_2 (default 10). */
  regI?: number;
  /** ALS: user regularisation lambda_3 (default 15). */
  regU?: number;
  /** SGD: regularisation (default 0.02). */
  reg?: number;
  /** SGD: learning rate (default 0.005). */
  learningRate?: number;
}

export interface ResolvedBaselineOptions { method: 'als' | 'sgd'; epochs: number; regI: number; regU: number; reg: number; learningRate: number }

export function resolveBaselineOptions(o: BaselineOptions = {}): ResolvedBaselineOptions {
  if (o == null || typeof o !== 'object') throw invalidParam('baseline', o, 'an object {method, epochs, regI, regU, reg, learningRate}');
  const method = o.method === undefined ? 'als' : checkOneOf('baseline.method', o.method, ['als', 'sgd'] as const);
  return {
    method,
    epochs: o.epochs === undefined ? (method === 'als' ? 10 : 20) : checkInteger('baseline.epochs', o.epochs, 1),
    regI: o.regI === undefined ? 10 : checkNumber('baseline.regI', o.regI, 0),
    regU: o.regU === undefined ? 15 : checkNumber('baseline.regU', o.regU, 0),
    reg: o.reg === undefined ? 0.02 : checkNumber('baseline.reg', o.reg, 0),
    learningRate: o.learningRate === undefined ? 0.005 : checkNumber('baseline.learningRate', o.learningRate, 0, Infinity, { minExclusive: true }),
  };
}

export interface Baselines {
  globalMean: number;
  bu: Float64Array;
  bi: Float64Array;
  /** Training loss sum (r - b_ui)^2 + regularisation after each epoch (decreasing for ALS). */
  loss: Float64Array;
}

/** Fits user and item biases on the matrix. */
export function fitBaselines(m: RatingMatrix, opts: BaselineOptions = {}): Baselines {
  const o = resolveBaselineOptions(opts);
  const mu = m.globalMean;
  const bu = new Float64Array(m.nUsers), bi = new Float64Array(m.nItems);
  const loss = new Float64Array(o.epochs);
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    if (o.method === 'als') {
      // b_i = sum_{u in U_i} (r_ui - mu - b_u) / (lambda_2 + |U_i|), then b_u likewise with lambda_3
      for (let i = 0; i < m.nItems; i++) {
        const s = m.itemPtr[i], e = m.itemPtr[i + 1];
        let dev = 0;
        for (let p = s; p < e; p++) dev += m.itemValues[p] - mu - bu[m.itemUsers[p]];
        bi[i] = dev / (o.regI + (e - s));
      }
      for (let u = 0; u < m.nUsers; u++) {
        const s = m.userPtr[u], e = m.userPtr[u + 1];
        let dev = 0;
        for (let p = s; p < e; p++) dev += m.userValues[p] - mu - bi[m.userItems[p]];
        bu[u] = dev / (o.regU + (e - s));
      }
    } else {
      // Surprise's order: users in id order, each user's ratings
      const lr = o.learningRate, reg = o.reg;
      for (let u = 0; u < m.nUsers; u++) {
        for (let p = m.userPtr[u], e = m.userPtr[u + 1]; p < e; p++) {
          const i = m.userItems[p];
          const err = m.userValues[p] - (mu + bu[u] + bi[i]);
          bu[u] += lr * (err - reg * bu[u]);
          bi[i] += lr * (err - reg * bi[i]);
        }
      }
    }
    loss[epoch] = baselineLoss(m, mu, bu, bi, o.method === 'als' ? o.regU : o.reg, o.method === 'als' ? o.regI : o.reg);
  }
  return { globalMean: mu, bu, bi, loss };
}

/** sum (r_ui - mu - b_u - b_i)^2 + regU sum b_u^2 + regI sum b_i^2: the objective ALS minimises. */
export function baselineLoss(m: RatingMatrix, mu: number, bu: Float64Array, bi: Float64Array, regU: number, regI: number): number {
  let s = 0;
  for (let u = 0; u < m.nUsers; u++) {
    for (let p = m.userPtr[u], e = m.userPtr[u + 1]; p < e; p++) {
      const d = m.userValues[p] - mu - bu[u] - bi[m.userItems[p]];
      s += d * d;
    }
  }
  for (let u = 0; u < m.nUsers; u++) s += regU * bu[u] * bu[u];
  for (let i = 0; i < m.nItems; i++) s += regI * bi[i] * bi[i];
  return s;
}
