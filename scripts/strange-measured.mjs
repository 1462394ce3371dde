// Writes src/analysis/strange-measured.ts (the numbers `radixnet diagnose` reports) from strange-causes results
// files: the counts only, from which the module derives the estimates and intervals with the analyses' own functions.
//   npm run build:ts && node scripts/strange-measured.mjs --calibrate A.jsonl,B.jsonl --calibrate-command "..." \
//     --prevent C.jsonl --prevent-command "..." > src/analysis/strange-measured.ts
import { parseArgs } from 'node:util';
import { readCombined } from '../dist/src/suite/combine.js';
import { evaluateRisk, inRiskScope, riskRuns } from '../dist/src/analysis/strange-risk.js';
import { measureTable } from '../dist/src/analysis/prevention.js';

const { values: a } = parseArgs({
  options: {
    calibrate: { type: 'string' },
    'calibrate-command': { type: 'string' },
    prevent: { type: 'string' },
    'prevent-command': { type: 'string' },
  },
});
for (const k of ['calibrate', 'calibrate-command', 'prevent', 'prevent-command'])
  if (!a[k]) throw new Error(`give --${k}`);
const calib = readCombined(a.calibrate.split(',')).filter((r) => r.tags.stage === 'calibrate');
const layers = calib[0].params.layers;
const threshold = calib[0].params.threshold;
const role = (x) => calib.filter((r) => r.tags.role === x);
const e = evaluateRisk(riskRuns(role('fit'), layers, threshold), riskRuns(role('eval'), layers, threshold));
const seeds = (rs) => [...new Set(rs.map((r) => r.tags.seed))].sort((x, y) => x - y).join(',');
const prevent = readCombined(a.prevent.split(','));
// diagnose recommends from the rows measured on models of the same kind: the simple family, or the Fig. 4 lists
// outside it (on which the family's remedies were measured to fail)
const kinds = [true, false].map((family) => {
  const recs = prevent.filter((r) => inRiskScope(String(r.tags.radices), layers) === family);
  const models = [...new Set(recs.filter((r) => r.tags.stage === 'prevent').map((r) => r.tags.radices))];
  return { recs, models, rows: measureTable(recs, threshold) };
});
if (kinds.some((k) => k.models.length === 0))
  throw new Error('give prevention runs of family models and of other lists');
const r3 = (x) => Math.round(x * 1000) / 1000;
const q = (s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

console.log(`// Measured numbers diagnose reports (docs/strange-models.md): the risk groups' strange-run probabilities and the
// preventive measures' recovery. Written by scripts/strange-measured.mjs from the strange-causes results files named
// in MEASURED_SOURCE and PREVENTION_MODELS: only the counts are written; estimates, intervals and tests are derived
// below with the analyses' own functions. Change them only by measuring again.
import { wilson } from './inference.js';
import { measureRow, type MeasureRow } from './prevention.js';
import { jeffreys, type MeasuredGroupRisk, type RiskGroup } from './strange-risk.js';

/** Where the risk numbers come from. */
export const MEASURED_SOURCE =
  ${q(`fitted on seeds ${seeds(role('fit'))} (${e.fitRuns} runs), checked on seeds ${seeds(role('eval'))} (${e.evalRuns} runs): ${a['calibrate-command']}`)};

/** Per risk group: strange runs and runs on the fit seeds, then on the evaluation seeds. */
const RISK_COUNTS: readonly (readonly [RiskGroup, number, number, number, number])[] = [
${e.reliability.map((g) => `  [${q(g.group)}, ${g.strange}, ${g.runs}, ${g.evalStrange}, ${g.evalRuns}],`).join('\n')}
];

/** Per risk group: fit runs (Jeffreys estimate) and the held-out check (Wilson 95% interval). */
export const MEASURED_RISK: MeasuredGroupRisk[] = RISK_COUNTS.map(([group, fitStrange, fitRuns, evalStrange, evalRuns]) => ({
  group,
  probability: jeffreys(fitStrange, fitRuns),
  fitStrange,
  fitRuns,
  evalStrange,
  evalRuns,
  evalCi: wilson(evalStrange, evalRuns),
}));

/** The models and seeds the measures were tried on: simple-family models, then Fig. 4 lists outside the family. */
export const PREVENTION_MODELS =
  ${q(`${kinds[0].models.join(', ')} on seeds ${seeds(kinds[0].recs)} (${a['prevent-command']})`)};
export const PREVENTION_MODELS_OTHER =
  ${q(`${kinds[1].models.join(', ')} on seeds ${seeds(kinds[1].recs)} (${a['prevent-command']})`)};

/**
 * Per measure over those models and seeds (the baseline is the paper's protocol): runs, runs that end normal, runs
 * that lost a class, mean parameters added, mean final training accuracy.
 */
type Counts = readonly (readonly [string, number, number, number, number, number])[];
const PREVENTION_COUNTS: Counts = [
${kinds[0].rows.map((r) => `  [${q(r.measure)}, ${r.runs}, ${r.normal}, ${r.withLostClass}, ${r3(r.addedWeights)}, ${r3(r.meanTrainAccuracy)}],`).join('\n')}
];
const PREVENTION_COUNTS_OTHER: Counts = [
${kinds[1].rows.map((r) => `  [${q(r.measure)}, ${r.runs}, ${r.normal}, ${r.withLostClass}, ${r3(r.addedWeights)}, ${r3(r.meanTrainAccuracy)}],`).join('\n')}
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
export const MEASURED_PREVENTION_OTHER: MeasureRow[] = measureRows(PREVENTION_COUNTS_OTHER);`);
