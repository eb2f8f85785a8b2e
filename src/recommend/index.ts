// knnkit/recommend: collaborative filtering with neighbourhood models (Surprise's KNNBasic,
// KNNWithMeans, KNNWithZScore, KNNBaseline, BaselineOnly), top-N recommendation, rating
// splits and metrics.
export { parseRatings, readRatings, ratingsFromArrays, alignRatings, concatRatings, RATING_FORMATS } from './ratings.js';
export type { Ratings, RatingsOptions, RatingFormat } from './ratings.js';
export { ratingMatrix, toCsr } from './matrix.js';
export type { RatingMatrix } from './matrix.js';
export { fitBaselines, baselineLoss } from './baselines.js';
export type { BaselineOptions, Baselines } from './baselines.js';
export { SIMILARITIES, similarityData, similarityMatrix } from './similarity.js';
export { similarityMatrixParallel } from './similarity-parallel.js';
export type { SimilarityName, SimilarityOptions } from './similarity.js';
export { KNNRecommender, KNNBasic, KNNWithMeans, KNNWithZScore, KNNBaseline, BaselineOnly, RULES, topScores } from './knn.js';
export type { KnnRecommenderParams, RecommenderParams, Rule, RatingPrediction, Recommendation, RecommendOptions, Recommender } from './knn.js';
export { ratingFolds, randomSplit, leaveKOut, temporalSplit } from './splits.js';
export type { RatingSplit } from './splits.js';
export { rmse, mae, rankingScores, catalogCoverage } from './metrics.js';
export type { RankingScores } from './metrics.js';
export { evaluateSplit, evaluateSplitAsync, crossValidateRatings, crossValidateRatingsAsync, summarize } from './evaluate.js';
export type { SplitScores, EvaluateOptions, CrossValidationResult } from './evaluate.js';
