// Measured numbers diagnose reports (docs/strange-models.md): the risk groups' strange-run probabilities and the
// preventive measures' recovery. Written by scripts/strange-measured.mjs from the strange-causes results files named
// in MEASURED_SOURCE and PREVENTION_MODELS: only the counts are written; estimates, intervals and tests are derived
// below with the analyses' own functions. Change them only by measuring again.
import { fisherExact, wilson } from './inference.js';
import type { MeasureRow } from './prevention.js';
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

/** The models and seeds the measures were tried on. */
export const PREVENTION_MODELS =
  '10,10/1, 12,10/1, 6,13/1, 14,14/2 on seeds 200,201,202,203 (radixnet experiment strange-causes --stages prevent --eval-seeds 200..203 --prevent-models "10,10/1;12,10/1;6,13/1;14,14/2")';

/**
 * Per measure over those models and seeds (the baseline is the paper's protocol): runs, runs that end normal, runs
 * that lost a class, mean parameters added, mean final training accuracy.
 */
const PREVENTION_COUNTS: readonly (readonly [string, number, number, number, number, number])[] = [
  ['baseline', 16, 4, 15, 0, 0.625],
  ['nearby', 16, 16, 1, -2003.5, 0.909],
  ['bias', 16, 16, 0, 410, 0.91],
  ['dense-last', 16, 16, 0, 985, 0.942],
  ['wider-last', 16, 10, 10, 3170.25, 0.788],
  ['glorot', 16, 3, 14, 0, 0.633],
  ['lr-3e-4', 16, 2, 15, 0, 0.573],
  ['sgd-momentum', 16, 0, 16, 0, 0.243],
];

/** The measures' rows as measureTable gives them: recovery with its Wilson 95% interval, Fisher p against the baseline. */
export const MEASURED_PREVENTION: MeasureRow[] = PREVENTION_COUNTS.map(
  ([measure, runs, normal, withLostClass, addedWeights, meanTrainAccuracy]) => {
    const [, baseRuns, baseNormal] = PREVENTION_COUNTS.find((r) => r[0] === 'baseline')!;
    const [ciLow, ciHigh] = wilson(normal, runs);
    return {
      measure,
      runs,
      normal,
      recovery: normal / runs,
      ciLow,
      ciHigh,
      pVsBaseline: measure === 'baseline' ? NaN : fisherExact(normal, runs - normal, baseNormal, baseRuns - baseNormal),
      withLostClass,
      addedWeights,
      meanTrainAccuracy,
    };
  },
);
