export {
  accuracy, precisionRecallF1, perClassScores, confusionMatrix, unionLabels, classificationScores, AVERAGES,
} from './classification.js';
export type { Average, ConfusionMatrix, PerClassScores, PrecisionRecallF1 } from './classification.js';
export { meanSquaredError, meanAbsoluteError, r2Score, regressionScores } from './regression.js';
export { rocAuc, precisionAtN } from './outliers.js';
