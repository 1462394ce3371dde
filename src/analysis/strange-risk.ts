// A calibrated risk of strangeness instead of a yes/no: the probability that a run of a topology ends strange
// (training accuracy <= 0.75 after the paper's 3-epoch screen), by the topology's risk group, fitted on some seeds and
// scored on others (reliability table, Brier score against a sparsity-only model). The groups come from the output
// fan-in (docs/strange-models.md): outputs fed by 1, 2 or 3 last-hidden units, and for 2 whether those units feed that
// output alone.
import { InputError } from '../errors.js';
import type { SparseMask } from '../topology/mask.js';
import type { RunRecord } from '../records/run-record.js';
import { parseRadixList } from '../topology/radix.js';
import { radixNet } from '../topology/radixnet.js';
import {
  brier,
  fitLogistic,
  predictLogistic,
  reliabilityTable,
  wilson,
  xorshift,
  type Logistic,
  type ReliabilityRow,
} from './inference.js';
import { isStrange, STRANGE_ACCURACY } from './strangeness.js';

export const RISK_GROUPS = [
  'fan-in 1',
  'fan-in 2, own units',
  'fan-in 2, shared units',
  'fan-in 3',
  'fan-in >= 4',
] as const;
export type RiskGroup = (typeof RISK_GROUPS)[number];

/** The risk group of a last weight layer (mask [n_{L-1}, n_L]; null when dense). */
export function riskGroupOfMask(last: SparseMask | null): RiskGroup {
  if (!last) return 'fan-in >= 4';
  const fanIn = last.fanInCounts();
  const least = fanIn.reduce((a, b) => Math.min(a, b), Infinity);
  if (least <= 1) return 'fan-in 1';
  if (least === 2) {
    const fanOut = last.fanOutCounts();
    let own = true;
    for (let o = 0; o < last.nOut; o++) {
      if (fanIn[o] !== 2) continue;
      for (let k = last.rowPtr[o]; k < last.rowPtr[o + 1]; k++) if (fanOut[last.colIdx[k]] > 1) own = false;
    }
    return own ? 'fan-in 2, own units' : 'fan-in 2, shared units';
  }
  return least === 3 ? 'fan-in 3' : 'fan-in >= 4';
}

/** The risk group of a radix list on layer sizes. */
export function riskGroup(radices: string, layers: number[]): RiskGroup {
  const net = radixNet(parseRadixList(radices), layers);
  return riskGroupOfMask(net.masks[net.masks.length - 1]);
}

/** One run as the risk models see it. */
export interface RiskRun {
  radices: string;
  seed: number;
  group: RiskGroup;
  sparsity: number;
  strange: boolean;
}

/** The runs of records (training accuracy of the last epoch against `threshold`), with their topology's group. */
export function riskRuns(records: readonly RunRecord[], layers: number[], threshold = STRANGE_ACCURACY): RiskRun[] {
  const groups = new Map<string, RiskGroup>();
  return records.map((r) => {
    const acc = r.final?.trainAccuracy;
    if (typeof acc !== 'number')
      throw new InputError(
        `record ${r.index} (${r.key}) has no final.trainAccuracy; the risk model needs trained runs`,
      );
    const radices = r.topology.radices;
    let group = groups.get(radices);
    if (!group) groups.set(radices, (group = riskGroup(radices, layers)));
    return {
      radices,
      seed: r.config?.seed ?? NaN,
      group,
      sparsity: r.topology.sparsity,
      strange: isStrange(acc, threshold),
    };
  });
}

/** Probability of a strange run per group: Jeffreys estimate (k + 1/2) / (n + 1) from the fit runs, with k and n. */
export interface GroupRisk {
  group: RiskGroup;
  probability: number;
  strange: number;
  runs: number;
}

/** The Jeffreys estimate of a probability from k successes in n trials: (k + 1/2) / (n + 1). */
export function jeffreys(k: number, n: number): number {
  return (k + 0.5) / (n + 1);
}

/** Fits the group model on runs. Groups without runs get the Jeffreys prior's 0.5 and runs 0 (say so where shown). */
export function fitGroupRisk(runs: readonly RiskRun[]): GroupRisk[] {
  return RISK_GROUPS.map((group) => {
    const mine = runs.filter((r) => r.group === group);
    const k = mine.filter((r) => r.strange).length;
    return { group, probability: jeffreys(k, mine.length), strange: k, runs: mine.length };
  });
}

/** The sparsity-only baseline: logistic regression of strange on (true) sparsity. */
export function fitSparsityRisk(runs: readonly RiskRun[]): Logistic {
  return fitLogistic(
    runs.map((r) => [r.sparsity]),
    runs.map((r) => r.strange),
  );
}

/** The two models scored on held-out runs. */
export interface RiskEvaluation {
  fitRuns: number;
  evalRuns: number;
  groups: GroupRisk[];
  /** Per group on the evaluation runs: predicted probability, observed frequency and its Wilson 95% interval. */
  reliability: (GroupRisk & {
    evalRuns: number;
    evalStrange: number;
    frequency: number;
    ciLow: number;
    ciHigh: number;
  })[];
  /** The sparsity-only model's reliability, binned by its prediction. */
  sparsityReliability: ReliabilityRow[];
  brierGroup: number;
  brierSparsity: number;
  /** Brier score of the fit runs' overall strange fraction (no topology at all). */
  brierBase: number;
  /** 95% percentile bootstrap interval (over evaluation runs, 2000 resamples, fixed seed) of brierSparsity - brierGroup. */
  brierGainCi: [number, number];
}

/** Fits both risk models on `fit` runs and scores them on `evaluation` runs (which must not share a seed with them). */
export function evaluateRisk(fit: readonly RiskRun[], evaluation: readonly RiskRun[]): RiskEvaluation {
  if (fit.length === 0 || evaluation.length === 0)
    throw new InputError(`the risk models need fit and evaluation runs, got ${fit.length} and ${evaluation.length}`);
  const fitSeeds = new Set(fit.map((r) => r.seed));
  const shared = [...new Set(evaluation.map((r) => r.seed))].filter((s) => fitSeeds.has(s));
  if (shared.length)
    throw new InputError(
      `evaluation runs share seeds ${shared.join(',')} with the fit runs; keep evaluation seeds apart`,
    );
  const groups = fitGroupRisk(fit);
  const p = new Map(groups.map((g) => [g.group, g.probability]));
  const sparsity = fitSparsityRisk(fit);
  const observed = evaluation.map((r) => r.strange);
  const predGroup = evaluation.map((r) => p.get(r.group)!);
  const predSparsity = evaluation.map((r) => predictLogistic(sparsity, [r.sparsity]));
  const base = fit.filter((r) => r.strange).length / fit.length;
  const reliability = groups.map((g) => {
    const mine = evaluation.filter((r) => r.group === g.group);
    const k = mine.filter((r) => r.strange).length;
    const [ciLow, ciHigh] = wilson(k, mine.length);
    return {
      ...g,
      evalRuns: mine.length,
      evalStrange: k,
      frequency: mine.length ? k / mine.length : NaN,
      ciLow,
      ciHigh,
    };
  });
  return {
    fitRuns: fit.length,
    evalRuns: evaluation.length,
    groups,
    reliability,
    sparsityReliability: reliabilityTable(predSparsity, observed, [0, 0.02, 0.1, 0.3, 0.5, 0.7, 0.9, 1]),
    brierGroup: brier(predGroup, observed),
    brierSparsity: brier(predSparsity, observed),
    brierBase: brier(
      evaluation.map(() => base),
      observed,
    ),
    brierGainCi: bootstrapGain(predGroup, predSparsity, observed),
  };
}

function bootstrapGain(a: readonly number[], b: readonly number[], y: readonly boolean[]): [number, number] {
  const next = xorshift(0x9e3779b9);
  const n = y.length;
  const gains: number[] = [];
  for (let rep = 0; rep < 2000; rep++) {
    let g = 0;
    for (let i = 0; i < n; i++) {
      const k = Math.floor(next() * n);
      const o = y[k] ? 1 : 0;
      g += (b[k] - o) ** 2 - (a[k] - o) ** 2;
    }
    gains.push(g / n);
  }
  gains.sort((x, z) => x - z);
  return [gains[Math.floor(0.025 * gains.length)], gains[Math.floor(0.975 * gains.length)]];
}

/** Text lines of an evaluation. */
export function riskLines(e: RiskEvaluation): string[] {
  const f = (x: number): string => (Number.isNaN(x) ? '-' : x.toFixed(3));
  return [
    `risk of a strange run by topology group: fitted on ${e.fitRuns} runs, scored on ${e.evalRuns} runs of other seeds`,
    '  group                    fit strange/runs  predicted  eval strange/runs  observed  95% CI',
    ...e.reliability.map(
      (r) =>
        `  ${r.group.padEnd(24)} ${`${r.strange}/${r.runs}`.padStart(16)}  ${f(r.probability).padStart(9)}  ` +
        `${`${r.evalStrange}/${r.evalRuns}`.padStart(17)}  ${f(r.frequency).padStart(8)}  ${f(r.ciLow)}-${f(r.ciHigh)}`,
    ),
    `  Brier score on the evaluation runs: group model ${e.brierGroup.toFixed(4)}, sparsity-only logistic ${e.brierSparsity.toFixed(4)}, ` +
      `base rate ${e.brierBase.toFixed(4)}; sparsity-only minus group ${(e.brierSparsity - e.brierGroup).toFixed(4)} ` +
      `(bootstrap 95% CI ${e.brierGainCi[0].toFixed(4)} to ${e.brierGainCi[1].toFixed(4)})`,
    '  sparsity-only model, binned by its prediction: predicted range  runs  mean predicted  observed  95% CI',
    ...e.sparsityReliability.map(
      (r) =>
        `    ${r.low.toFixed(2)}-${r.high.toFixed(2)}  ${String(r.runs).padStart(5)}  ${f(r.meanPredicted).padStart(14)}  ` +
        `${f(r.frequency).padStart(8)}  ${f(r.ciLow)}-${f(r.ciHigh)}`,
    ),
  ];
}

/** Where the measured risk holds: the networks, data and protocol it was measured on. */
export const RISK_SCOPE =
  'the simple family [[i,j],[k]] (i, j <= 15, k | i*j, Kronecker sparsity >= 0.9) on LeNet-300-100 ' +
  "(784,300,100,10), MNIST, the paper's protocol (3 epochs, batch 100, Adam 1e-3, no bias, normal(0.05) init)";

/** A group's measured risk: fitted on some seeds, checked on held-out ones. */
export interface MeasuredGroupRisk {
  group: RiskGroup;
  /** Jeffreys estimate of the fit runs. */
  probability: number;
  fitStrange: number;
  fitRuns: number;
  evalStrange: number;
  evalRuns: number;
  evalCi: [number, number];
}

/** Whether a radix list on layer sizes (default Kronecker widths) lies where the measured risk holds. */
export function inRiskScope(radices: string, layers: readonly number[], kron?: readonly number[]): boolean {
  if (kron !== undefined || layers.join(',') !== '784,300,100,10') return false;
  let list;
  try {
    list = parseRadixList(radices);
  } catch {
    return false;
  }
  if (list.length !== 2 || list[0].length !== 2 || list[1].length !== 1) return false;
  const [[i, j], [k]] = list;
  if (i > 15 || j > 15 || (i * j) % k !== 0) return false;
  return radixNet(list, [...layers]).kroneckerSparsity >= 0.9 - 1e-12;
}

/** The calibrated risk of a topology as diagnose reports it, in or out of the measured scope. */
export interface CalibratedRisk {
  group: RiskGroup;
  inScope: boolean;
  /** The measured numbers of the group (null out of scope). */
  measured: MeasuredGroupRisk | null;
}

/** The calibrated risk of a radix list, read from `table` (the measured one by default). */
export function calibratedRisk(
  radices: string,
  layers: number[],
  kron: number[] | undefined,
  table: readonly MeasuredGroupRisk[],
): CalibratedRisk {
  const net = radixNet(parseRadixList(radices), layers, { kron });
  const group = riskGroupOfMask(net.masks[net.masks.length - 1]);
  const inScope = inRiskScope(radices, layers, kron);
  return { group, inScope, measured: inScope ? (table.find((g) => g.group === group) ?? null) : null };
}

/** Lines diagnose prints for a calibrated risk. */
export function calibratedRiskLines(r: CalibratedRisk, source: string): string[] {
  if (!r.inScope || !r.measured) {
    return [
      `calibrated risk: not measured for this network; the numbers hold only for ${RISK_SCOPE}. Its topology group ` +
        `would be '${r.group}'.`,
    ];
  }
  const m = r.measured;
  return [
    `calibrated risk: a run of this topology ends strange (training accuracy <= 0.75 after 3 epochs) with probability ` +
      `${m.probability.toFixed(2)} (topology group '${m.group}': ${m.fitStrange} of ${m.fitRuns} fit runs strange; on held-out seeds ` +
      `${m.evalStrange} of ${m.evalRuns}, 95% CI ${m.evalCi[0].toFixed(2)}-${m.evalCi[1].toFixed(2)})`,
    `  measured on ${RISK_SCOPE}; ${source}`,
  ];
}
