export { KnnGraphClassifier } from './classifier.js';
export type { Explanation, ExplainedNeighbour, FitInfo, FitOptions } from './classifier.js';
export type { KnnGraphOptions, NeighbourRule } from './options.js';
export { DEFAULTS as KNN_GRAPH_DEFAULTS } from './options.js';
export { fistaLasso, DenseGram, FistaColumn } from './fista.js';
export type { GramOperator, FistaOptions, FistaResult } from './fista.js';
export { densityLambda, classNeighbourhoods, medianOfSquared } from './density.js';
export { consensus } from './neighbours.js';
export { FORMAT as KNN_GRAPH_FORMAT, VERSION as KNN_GRAPH_FORMAT_VERSION } from './serialize.js';
