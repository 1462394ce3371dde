// Measured numbers diagnose reports (docs/strange-models.md): the risk groups' strange-run probabilities and the
// preventive measures' recovery. Written by scripts/strange-measured.mjs from the strange-causes results files named
// in MEASURED_SOURCE and PREVENTION_MODELS: only the counts are written; estimates, intervals and tests are derived
// below with the analyses' own functions. Change them only by measuring again.
import { wilson } from './inference.js';
import { measureRow, type MeasureRow } from './prevention.js';
import { jeffreys, type MeasuredGroupRisk, type RiskGroup } from './strange-risk.js';

/** Where the risk numbers come from. */
export const MEASURED_SOURCE =
  'fitted on seeds 100,101,102,103 (540 runs), checked on seeds 200,201,202,203 (540 runs): radixnet experiment strange-causes --stages calibrate --fit-seeds 100,101 --eval-seeds 200..203 --others 16 (stopped after seeds 100, 200, 101) and --fit-seeds 102,103 --eval-seeds 201..203 --others 16 --feed-fan-in -1; radixnet summarize of both files';

/** Per risk group: strange runs and runs on the fit seeds, then on the evaluation seeds. */
const RISK_COUNTS: readonly (readonly [RiskGroup, number, number, number, number])[] = [
  ['fan-in 1', 178, 184, 177, 184],
  ['fan-in 2, own units', 30, 56, 28, 56],
  ['fan-in 2, shared units', 42, 128, 32, 128],
  ['fan-in 3', 1, 108, 1, 108],
  ['fan-in >= 4', 0, 64, 0, 64],
];

/** Per risk group: fit runs (Jeffreys estimate) and the held-out check (Wilson 95% interval). */
export const MEASURED_RISK: MeasuredGroupRisk[] = RISK_COUNTS.map(
  ([group, fitStrange, fitRuns, evalStrange, evalRuns]) => ({
    group,
    probability: jeffreys(fitStrange, fitRuns),
    fitStrange,
    fitRuns,
    evalStrange,
    evalRuns,
    evalCi: wilson(evalStrange, evalRuns),
  }),
);

/** The models and seeds the measures were tried on: simple-family models, then Fig. 4 lists outside the family. */
export const PREVENTION_MODELS =
  '10,10/1, 12,10/1, 6,13/1, 14,14/2, 12,15/2, 10,11/2, 11,11/1, 12,12/2 on seeds 200,201,202,203,204,205,206,207 (radixnet experiment strange-causes --stages prevent, the plans listed in docs/strange-models.md)';
export const PREVENTION_MODELS_OTHER =
  '8,9,8, 10,7,10, 7,10,10, 6,6,9 on seeds 200,201,202,203,204,205,206,207 (radixnet experiment strange-causes --stages prevent, the plans listed in docs/strange-models.md)';

/**
 * Per measure over those models and seeds (the baseline is the paper's protocol): runs, runs that end normal, runs
 * that lost a class, mean parameters added, mean final training accuracy.
 */
type Counts = readonly (readonly [string, number, number, number, number, number])[];
const PREVENTION_COUNTS: Counts = [
  ['baseline', 64, 26, 48, 0, 0.672],
  ['nearby', 64, 64, 3, -1785.375, 0.91],
  ['bias', 64, 64, 1, 410, 0.903],
  ['dense-last', 64, 64, 0, 983.75, 0.942],
  ['non-negative-last', 64, 56, 28, 0, 0.855],
  ['wider-last', 64, 50, 27, 2934.875, 0.842],
  ['glorot', 64, 26, 49, 0, 0.675],
  ['lr-3e-4', 64, 18, 52, 0, 0.619],
  ['sgd-momentum', 64, 0, 64, 0, 0.263],
];
const PREVENTION_COUNTS_OTHER: Counts = [
  ['baseline', 32, 0, 28, 0, 0.377],
  ['wider-last', 32, 8, 21, 815, 0.527],
  ['dense-last', 32, 8, 2, 977.5, 0.593],
  ['glorot', 32, 0, 28, 0, 0.361],
  ['lr-3e-4', 32, 0, 31, 0, 0.31],
  ['sgd-momentum', 32, 0, 32, 0, 0.13],
  ['non-negative-last', 32, 0, 21, 0, 0.444],
  ['bias', 32, 0, 24, 410, 0.452],
];

/** The measures' rows as measureTable gives them (measureRow: recovery, Wilson 95% interval, Fisher p vs baseline). */
function measureRows(counts: Counts): MeasureRow[] {
  const [, baseRuns, baseNormal] = counts.find((r) => r[0] === 'baseline')!;
  const base = { runs: baseRuns, normal: baseNormal };
  return counts.map(([measure, runs, normal, withLostClass, addedWeights, meanTrainAccuracy]) =>
    measureRow({ measure, runs, normal, withLostClass, addedWeights, meanTrainAccuracy }, base),
  );
}

/** The rows measured on simple-family models, and on Fig. 4 lists outside the family. */
export const MEASURED_PREVENTION: MeasureRow[] = measureRows(PREVENTION_COUNTS);
export const MEASURED_PREVENTION_OTHER: MeasureRow[] = measureRows(PREVENTION_COUNTS_OTHER);
