// knnkit/learn: k-NN estimators with scikit-learn's verbs in camelCase, prototype selection and
// kNN outlier detection.
export { KNeighborsClassifier } from './knn-classifier.js';
export type { KNeighborsClassifierParams } from './knn-classifier.js';
export { KNeighborsRegressor } from './knn-regressor.js';
export type { KNeighborsRegressorParams } from './knn-regressor.js';
export { RadiusNeighborsClassifier } from './radius-classifier.js';
export type { RadiusNeighborsClassifierParams } from './radius-classifier.js';
export { RadiusNeighborsRegressor } from './radius-regressor.js';
export type { RadiusNeighborsRegressorParams, OutlierPolicy } from './radius-regressor.js';
export { NearestNeighbors } from './nearest-neighbors.js';
export type { NearestNeighborsParams, GraphMode } from './nearest-neighbors.js';
export { LocalOutlierFactor, knnOutlierScores } from './outliers.js';
export type { LocalOutlierFactorParams, KnnOutlierOptions } from './outliers.js';
export { KNNOutlierDetector, KNN_OUTLIER_METHODS } from './knn-outlier.js';
export type { KNNOutlierDetectorParams, KnnOutlierMethod } from './knn-outlier.js';
export { editedNearestNeighbors, condensedNearestNeighbors, stolp } from './prototypes.js';
export type { EnnOptions, CnnOptions, StolpOptions, StolpResult } from './prototypes.js';
export { KERNELS } from './params.js';
export type { Algorithm, KernelName, WeightFunction, ClassifierWeights, RegressorWeights, IndexParams } from './params.js';
export type { Aggregate } from './regression.js';
export type { ClassWeight } from './class-weight.js';
export type { SerializeOptions } from './serialize.js';
export { FORMAT_VERSION } from './serialize.js';
export { KMeans, trainCentroids } from './kmeans.js';
export type { KMeansParams, KMeansInit } from './kmeans.js';
