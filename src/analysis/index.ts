// radixnet/analysis: what is computed about topologies and trained models: the diagnosis of a topology before
// training, the strange-model predictor, magnitude pruning (one-shot and gradual) and saliency maps.
export {
  diagnoseRadixNet,
  diagnoseMasks,
  suggestAlternatives,
  minOutputFanIn,
  type Diagnosis,
  type RadixDiagnosis,
  type Suggestion,
  type LayerDiagnosis,
  type UnitLayerDiagnosis,
  type ClassDiagnosis,
  type PathDiagnosis,
  type Risk,
  type Spread,
} from './diagnose.js';
export { predictStrange, isStrange, STRANGE_ACCURACY, type StrangePrediction } from './strangeness.js';
export {
  magnitudePrune,
  keepCount,
  PolynomialDecay,
  MagnitudePruner,
  prunedModel,
  maskSparsity,
  randomMask,
  type PolynomialDecayOptions,
} from './pruning.js';
export { saliency, saliencyStats, type SaliencyMap, type SaliencyStats, type SaliencyRing } from './saliency.js';
