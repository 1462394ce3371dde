// Measured numbers diagnose reports (docs/strange-models.md): the risk groups' strange-run probabilities and the
// preventive measures' recovery, from the strange-causes experiment's records. Written from the results files by the
// commands in MEASURED_SOURCE; change them only by measuring again.
import type { MeasureRow } from './prevention.js';
import type { MeasuredGroupRisk } from './strange-risk.js';

/** Where the numbers below come from. */
export const MEASURED_SOURCE =
  'fitted on seeds 100,101 (270 runs), checked on seeds 200 (135 runs): radixnet experiment strange-causes --stages calibrate --fit-seeds 100,101 --eval-seeds 200..203 --others 16 (4 shards, merged; stopped early)';

/** Per risk group: fit runs (Jeffreys estimate) and the held-out check. */
export const MEASURED_RISK: MeasuredGroupRisk[] = [
  {
    group: 'fan-in 1',
    probability: 0.94086,
    fitStrange: 87,
    fitRuns: 92,
    evalStrange: 45,
    evalRuns: 46,
    evalCi: [0.886647, 0.996152],
  },
  {
    group: 'fan-in 2, own units',
    probability: 0.396552,
    fitStrange: 11,
    fitRuns: 28,
    evalStrange: 10,
    evalRuns: 14,
    evalCi: [0.453509, 0.882786],
  },
  {
    group: 'fan-in 2, shared units',
    probability: 0.376923,
    fitStrange: 24,
    fitRuns: 64,
    evalStrange: 5,
    evalRuns: 32,
    evalCi: [0.068644, 0.317541],
  },
  {
    group: 'fan-in 3',
    probability: 0.027273,
    fitStrange: 1,
    fitRuns: 54,
    evalStrange: 0,
    evalRuns: 27,
    evalCi: [0, 0.124555],
  },
  {
    group: 'fan-in >= 4',
    probability: 0.015152,
    fitStrange: 0,
    fitRuns: 32,
    evalStrange: 0,
    evalRuns: 16,
    evalCi: [0, 0.193608],
  },
];

/** The models and seeds the measures were tried on. */
export const PREVENTION_MODELS =
  '10,10/1, 12,10/1, 6,13/1, 14,14/2 on seeds 200,201,202,203 (radixnet experiment strange-causes --stages prevent --eval-seeds 200..203 --prevent-models "10,10/1;12,10/1;6,13/1;14,14/2")';

/** Per measure over those models and seeds (the baseline is the paper's protocol). */
export const MEASURED_PREVENTION: MeasureRow[] = [
  {
    measure: 'baseline',
    runs: 16,
    normal: 4,
    recovery: 0.25,
    ciLow: 0.101821,
    ciHigh: 0.494983,
    pVsBaseline: NaN,
    withLostClass: 15,
    addedWeights: 0,
    meanTrainAccuracy: 0.625115,
  },
  {
    measure: 'nearby',
    runs: 16,
    normal: 16,
    recovery: 1,
    ciLow: 0.806392,
    ciHigh: 1,
    pVsBaseline: 0.000016,
    withLostClass: 1,
    addedWeights: -2003.5,
    meanTrainAccuracy: 0.90948,
  },
  {
    measure: 'bias',
    runs: 16,
    normal: 16,
    recovery: 1,
    ciLow: 0.806392,
    ciHigh: 1,
    pVsBaseline: 0.000016,
    withLostClass: 0,
    addedWeights: 410,
    meanTrainAccuracy: 0.910481,
  },
  {
    measure: 'dense-last',
    runs: 16,
    normal: 16,
    recovery: 1,
    ciLow: 0.806392,
    ciHigh: 1,
    pVsBaseline: 0.000016,
    withLostClass: 0,
    addedWeights: 985,
    meanTrainAccuracy: 0.941878,
  },
  {
    measure: 'wider-last',
    runs: 16,
    normal: 10,
    recovery: 0.625,
    ciLow: 0.38641,
    ciHigh: 0.815188,
    pVsBaseline: 0.073173,
    withLostClass: 10,
    addedWeights: 3170.25,
    meanTrainAccuracy: 0.78752,
  },
  {
    measure: 'glorot',
    runs: 16,
    normal: 3,
    recovery: 0.1875,
    ciLow: 0.065916,
    ciHigh: 0.430089,
    pVsBaseline: 1,
    withLostClass: 14,
    addedWeights: 0,
    meanTrainAccuracy: 0.633481,
  },
  {
    measure: 'lr-3e-4',
    runs: 16,
    normal: 2,
    recovery: 0.125,
    ciLow: 0.034977,
    ciHigh: 0.360228,
    pVsBaseline: 0.653936,
    withLostClass: 15,
    addedWeights: 0,
    meanTrainAccuracy: 0.572979,
  },
  {
    measure: 'sgd-momentum',
    runs: 16,
    normal: 0,
    recovery: 0,
    ciLow: 0,
    ciHigh: 0.193608,
    pVsBaseline: 0.101224,
    withLostClass: 16,
    addedWeights: 0,
    meanTrainAccuracy: 0.243022,
  },
];
