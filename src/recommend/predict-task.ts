// Worker-thread task of KNNRecommender.predictBatchAsync (./predict-parallel.ts): rebuilds the
// fitted model once per shared state, then predicts a chunk of the (x-grouped) pairs, computing
// each similarity row once, into the shared output. Runs in src/parallel's pool.
import { KNNRecommender, type SharedKnnState } from './knn.js';

// One rebuilt model per worker: a new fitted state (new id) replaces the old one.
let cached: { id: number; model: KNNRecommender } | null = null;

export function predict(a: { state: SharedKnnState; users: Int32Array; items: Int32Array; order: Int32Array; p0: number; p1: number; out: Float64Array }): number {
  if (!cached || cached.id !== a.state.id) cached = { id: a.state.id, model: KNNRecommender.fromSharedState(a.state) };
  const model = cached.model;
  for (let t = a.p0; t < a.p1; t++) {
    const p = a.order[t];
    a.out[p] = model.estimate(a.users[p], a.items[p]).estimate;
  }
  return a.p1 - a.p0;
}
