// radixnet/topology, the topology API: radix lists, unit layers, sparse masks, fitted RadiX-Nets and the paper's enumerations.
// It knows nothing of training; the engine and tfjs layers consume SparseMask.
export {
  type RadixList,
  MAX_PRODUCT,
  parseRadixList,
  formatRadixList,
  validateRadixList,
  isValidRadixList,
  product,
  unitSize,
} from './radix.js';
export { UnitLayer, unitLayers } from './unit-layer.js';
export { SparseMask, type FanStats, MAX_DENSE_ELEMENTS } from './mask.js';
export {
  type RadixNet,
  type LayerStats,
  radixNet,
  radixNetSparsity,
  defaultKron,
  parseSizes,
  validateLayers,
} from './radixnet.js';
export {
  type EnumeratedList,
  type Enumeration,
  type FamilyModel,
  type SimpleFamily,
  MAX_CANDIDATES,
  type EnumerationOptions,
  validPermutations,
  simpleFamily,
  topologyKey,
  parseFactors,
} from './enumerate.js';
// the Sparse DNN Graph Challenge's networks, generated (docs/graph-challenge.md)
export {
  ChallengeNet,
  challengeBias,
  challengeRadices,
  CHALLENGE_BIAS,
  CHALLENGE_LAYERS,
  CHALLENGE_WEIGHT,
  CHALLENGE_YMAX,
  CHALLENGE_KRON,
  CHALLENGE_SEED,
  type ChallengeLayer,
} from './challenge-net.js';
// the limits every entry point checks its estimated cost against (each overridable by an environment variable); the
// estimates and checks themselves are internals
export { LIMITS } from './cost.js';
