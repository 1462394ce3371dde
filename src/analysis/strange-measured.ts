// Measured numbers diagnose reports (docs/strange-models.md): the risk groups' strange-run probabilities and the
// preventive measures' recovery, from the strange-causes experiment's records. Written from the results files by the
// commands in MEASURED_SOURCE; change them only by measuring again.
import type { MeasureRow } from './prevention.js';
import type { MeasuredGroupRisk } from './strange-risk.js';

/** Where the numbers below come from. */
export const MEASURED_SOURCE = "fitted on seeds 100 (135 runs), checked on seeds 200 (15 runs): radixnet experiment strange-causes --stages calibrate --fit-seeds 100,101 --eval-seeds 200..203 --others 16 (4 shards, merged)";

/** Per risk group: fit runs (Jeffreys estimate) and the held-out check. */
export const MEASURED_RISK: MeasuredGroupRisk[] = [
  {
    "group": "fan-in 1",
    "probability": 0.904255,
    "fitStrange": 42,
    "fitRuns": 46,
    "evalStrange": 2,
    "evalRuns": 2,
    "evalCi": [
      0.34238,
      1
    ]
  },
  {
    "group": "fan-in 2, own units",
    "probability": 0.3,
    "fitStrange": 4,
    "fitRuns": 14,
    "evalStrange": 3,
    "evalRuns": 4,
    "evalCi": [
      0.300642,
      0.954413
    ]
  },
  {
    "group": "fan-in 2, shared units",
    "probability": 0.287879,
    "fitStrange": 9,
    "fitRuns": 32,
    "evalStrange": 1,
    "evalRuns": 2,
    "evalCi": [
      0.094531,
      0.905469
    ]
  },
  {
    "group": "fan-in 3",
    "probability": 0.053571,
    "fitStrange": 1,
    "fitRuns": 27,
    "evalStrange": 0,
    "evalRuns": 2,
    "evalCi": [
      0,
      0.65762
    ]
  },
  {
    "group": "fan-in >= 4",
    "probability": 0.029412,
    "fitStrange": 0,
    "fitRuns": 16,
    "evalStrange": 0,
    "evalRuns": 5,
    "evalCi": [
      0,
      0.434482
    ]
  }
];

/** The models and seeds the measures were tried on. */
export const PREVENTION_MODELS = "10,10/1, 12,10/1, 6,13/1, 14,14/2 on seeds 200,201,202 (radixnet experiment strange-causes --stages prevent --eval-seeds 200..203 --prevent-models \"10,10/1;12,10/1;6,13/1;14,14/2\")";

/** Per measure over those models and seeds (the baseline is the paper's protocol). */
export const MEASURED_PREVENTION: MeasureRow[] = [
  {
    "measure": "baseline",
    "runs": 9,
    "normal": 2,
    "recovery": 0.222222,
    "ciLow": 0.063225,
    "ciHigh": 0.547411,
    "pVsBaseline": NaN,
    "withLostClass": 9,
    "addedWeights": 0,
    "meanTrainAccuracy": 0.590704
  },
  {
    "measure": "nearby",
    "runs": 8,
    "normal": 8,
    "recovery": 1,
    "ciLow": 0.675592,
    "ciHigh": 1,
    "pVsBaseline": 0.002262,
    "withLostClass": 0,
    "addedWeights": -2003.5,
    "meanTrainAccuracy": 0.911667
  },
  {
    "measure": "bias",
    "runs": 9,
    "normal": 9,
    "recovery": 1,
    "ciLow": 0.700855,
    "ciHigh": 1,
    "pVsBaseline": 0.002262,
    "withLostClass": 0,
    "addedWeights": 410,
    "meanTrainAccuracy": 0.912963
  },
  {
    "measure": "dense-last",
    "runs": 8,
    "normal": 8,
    "recovery": 1,
    "ciLow": 0.675592,
    "ciHigh": 1,
    "pVsBaseline": 0.002262,
    "withLostClass": 0,
    "addedWeights": 985,
    "meanTrainAccuracy": 0.941086
  },
  {
    "measure": "wider-last",
    "runs": 8,
    "normal": 4,
    "recovery": 0.5,
    "ciLow": 0.215216,
    "ciHigh": 0.784784,
    "pVsBaseline": 0.334842,
    "withLostClass": 6,
    "addedWeights": 3170.25,
    "meanTrainAccuracy": 0.750625
  },
  {
    "measure": "glorot",
    "runs": 9,
    "normal": 2,
    "recovery": 0.222222,
    "ciLow": 0.063225,
    "ciHigh": 0.547411,
    "pVsBaseline": 1,
    "withLostClass": 7,
    "addedWeights": 0,
    "meanTrainAccuracy": 0.654603
  },
  {
    "measure": "lr-3e-4",
    "runs": 9,
    "normal": 0,
    "recovery": 0,
    "ciLow": 0,
    "ciHigh": 0.299145,
    "pVsBaseline": 0.470588,
    "withLostClass": 9,
    "addedWeights": 0,
    "meanTrainAccuracy": 0.537644
  },
  {
    "measure": "sgd-momentum",
    "runs": 8,
    "normal": 0,
    "recovery": 0,
    "ciLow": 0,
    "ciHigh": 0.324408,
    "pVsBaseline": 0.470588,
    "withLostClass": 8,
    "addedWeights": 0,
    "meanTrainAccuracy": 0.232301
  }
];

