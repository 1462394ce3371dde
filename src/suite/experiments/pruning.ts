// The pruning comparison: at each target sparsity, LeNet-300-100 pruned by weight magnitude after dense training
// (one-shot) and during it (gradual, polynomial decay), against the RadiX-Net nearest that sparsity trained sparse
// from the start and a random static mask of the same per-layer sizes; plus a case where the RadiX-Net keeps 1% of
// the first layer (Fig. 7's). Every method ends with the RadiX-Net's connection count in every layer; fine-tuning and
// sparse-from-start training run on the sparse kernels, timed side by side against the same model dense.
import { median } from '../../analysis/stats.js';
import { InputError } from '../../errors.js';
import { radixNet } from '../../topology/radixnet.js';
import { nearestRadixNet } from '../../topology/nearest.js';
import { formatRadixList, parseRadixList } from '../../topology/radix.js';
import type { Experiment, ParamSpec, RunRecord, RunSpec } from '../experiment.js';
import { factorsParam, intParam, numberParam, seedsParam } from '../param-specs.js';
import { PRUNING_METHODS, type PruningMethod } from '../pruning-methods.js';
import { executePruning, settingsTags } from '../pruning-runs.js';
import {
  TRAINING_DEFAULTS,
  TRAINING_PARAMS,
  trainingConfig,
  trainingKey,
  type TrainingParams,
} from '../training-runs.js';

export interface PruningParams extends TrainingParams {
  /** Overall target sparsities; each is matched to the nearest RadiX-Net within `tolerance`. */
  targets: number[];
  /**
   * Radix list of the first-layer case (its first layer keeps 1%), or null for none. 1,100/100 rather than 1,100/1:
   * the latter's last layer keeps 10 of 1000 connections, one per class, which caps every method at that size.
   */
  firstLayer: string | null;
  methods: PruningMethod[];
  seeds: number[];
  factors: number[];
  tolerance: number;
  fineTuneEpochs: number;
  frequency: number;
  pruneEnd: number;
  timingSteps: number;
}

export const pruning: Experiment<PruningParams> = {
  name: 'pruning',
  description:
    'pruning comparison: one-shot and gradual magnitude pruning vs RadiX-Nets and random masks of equal per-layer size',
  defaults: {
    ...TRAINING_DEFAULTS,
    targets: [0.5, 0.75, 0.9, 0.96],
    firstLayer: '1,100/100',
    methods: [...PRUNING_METHODS],
    seeds: [1, 2, 3],
    factors: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    tolerance: 0.01,
    fineTuneEpochs: 2,
    frequency: 100,
    pruneEnd: 0.75,
    timingSteps: 50,
  },
  quick: {
    targets: [0.9],
    seeds: [1],
    epochs: 1,
    fineTuneEpochs: 1,
    trainSamples: 1000,
    frequency: 2,
    timingSteps: 10,
  },
  params: {
    ...TRAINING_PARAMS,
    targets: listParam('targets', 'overall target sparsities, e.g. 0.5,0.75,0.9,0.96', (t) => {
      const v = Number(t);
      if (t.trim() === '' || !(v >= 0 && v < 1))
        throw new InputError(`--targets takes sparsities in [0, 1), got "${t}"`);
      return v;
    }),
    firstLayer: {
      flag: 'first-layer',
      description: 'radix list of the first-layer case (default 1,100/100: first layer 1%, the rest dense), or "none"',
      parse: (t) => (t.trim() === 'none' ? null : formatRadixList(parseRadixList(t))),
    },
    methods: listParam('methods', `methods, any of ${PRUNING_METHODS.join(',')}`, (t) => {
      if (!PRUNING_METHODS.includes(t as PruningMethod))
        throw new InputError(`--methods takes ${PRUNING_METHODS.join(', ')}, got "${t}"`);
      return t;
    }),
    seeds: seedsParam('seeds', 'training seeds, e.g. 1..3 or 1,7,42'),
    factors: factorsParam('factors', 'radix factors the RadiX-Net of each target is chosen from, e.g. 1..10'),
    tolerance: numberParam('tolerance', 'largest accepted |RadiX-Net sparsity - target|', 0, 1),
    fineTuneEpochs: intParam(
      'fine-tune-epochs',
      'epochs of sparse fine-tuning after pruning (sparse-from-start methods train epochs + this)',
      1,
      10000,
    ),
    frequency: intParam('frequency', 'gradual pruning: steps between mask updates', 1),
    pruneEnd: numberParam('prune-end', 'gradual pruning ends at this fraction of the dense steps', 0.01, 1),
    timingSteps: intParam(
      'timing-steps',
      'steps timed side by side, sparse kernels vs the same model dense (0: skip)',
      0,
      100000,
    ),
  },
  needsData: true,

  plan(p) {
    const cases = pruningCases(p);
    const runs: RunSpec[] = [];
    for (const c of cases) {
      for (const method of p.methods) {
        for (const seed of p.seeds) {
          const config = trainingConfig(p, c.radices, seed);
          const settings = {
            method,
            layersPruned: 'all' as const,
            fineTuneEpochs: p.fineTuneEpochs,
            frequency: p.frequency,
            power: 3,
            pruneEnd: p.pruneEnd,
            timingSteps: p.timingSteps,
          };
          runs.push({
            key: `${method}|${c.scope}=${c.target}|${trainingKey(config)}|fine-tune=${p.fineTuneEpochs}`,
            config,
            tags: { scope: c.scope, target: c.target, seed, ...settingsTags(settings) },
          });
        }
      }
    }
    return runs;
  },

  execute: (run, ctx) => executePruning(run, ctx),

  summarize(records, params) {
    // records carry their params; older or hand-made files may lack some, which then take the defaults
    const p = { ...pruning.defaults, ...params };
    const rows = summaryRows(records);
    const methods = PRUNING_METHODS.filter((m) => rows.some((r) => r.method === m));
    const cases = [...new Map(rows.map((r) => [`${r.scope}=${r.target}`, r])).values()];
    const text = [
      `test accuracy (median over seeds) | median training seconds | median step speed-up of the sparse kernels over the same model dense`,
      `(${p.epochs} dense + ${p.fineTuneEpochs} fine-tune epochs; sparse-from-start methods ${p.epochs + p.fineTuneEpochs} epochs; batch ${p.batch})`,
      `${'sparsity'.padEnd(34)}${methods.map((m) => m.padStart(24)).join('')}`,
      ...cases.map(
        (c) =>
          `${`${c.scope === 'first-layer' ? 'layer 1 ' : ''}${c.target} (${c.radices} ${c.sparsity.toFixed(4)})`.padEnd(34)}` +
          methods
            .map((m) => {
              const r = rows.find((x) => x.method === m && x.scope === c.scope && x.target === c.target);
              return (
                r
                  ? `${num(r.testAccuracy, 4)} ${num(r.seconds, 1, 's').padStart(6)} ${num(r.speedup, 1, 'x').padStart(5)}`
                  : '-'
              ).padStart(24);
            })
            .join(''),
      ),
    ];
    return { text, data: { rows } };
  },
};

interface PruningCase {
  scope: 'overall' | 'first-layer';
  /** The target: overall sparsity, or the first layer's for the first-layer case (rounded to 4 places). */
  target: number;
  radices: string;
}

/** The RadiX-Net of every case; a target no list reaches within the tolerance is an InputError naming the nearest. */
export function pruningCases(
  p: Pick<PruningParams, 'targets' | 'firstLayer' | 'layers' | 'factors' | 'tolerance'>,
): PruningCase[] {
  const cases: PruningCase[] = p.targets.map((target) => ({
    scope: 'overall',
    target,
    radices: nearestRadixNet(target, p.layers, p.factors, p.tolerance).text,
  }));
  if (p.firstLayer) {
    const net = radixNet(p.firstLayer, p.layers);
    cases.push({
      scope: 'first-layer',
      target: +net.layerStats[0].sparsity.toFixed(4),
      radices: formatRadixList(net.radices),
    });
  }
  return cases;
}

export interface PruningSummaryRow {
  scope: string;
  target: number;
  radices: string;
  /** Overall sparsity of the method's final masks. */
  sparsity: number;
  method: string;
  seeds: number;
  testAccuracy: number;
  seconds: number;
  speedup: number;
}

/** Per case and method: medians over seeds of test accuracy, training seconds and the sparse-vs-dense step ratio. */
export function summaryRows(records: readonly RunRecord[]): PruningSummaryRow[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of records) {
    const id = `${r.tags.scope ?? 'overall'}|${r.tags.target}|${r.tags.method}`;
    if (!groups.has(id)) groups.set(id, []);
    groups.get(id)!.push(r);
  }
  const order = (r: PruningSummaryRow): number => (r.scope === 'first-layer' ? 1 : 0);
  return [...groups.values()]
    .map((rs) => {
      const d = (r: RunRecord) => (r.data ?? {}) as { seconds?: { total: number }; speedup?: { ratio: number } | null };
      return {
        scope: String(rs[0].tags.scope ?? 'overall'),
        target: Number(rs[0].tags.target),
        radices: rs[0].config?.radices ?? '',
        sparsity: rs[0].topology.sparsity,
        method: String(rs[0].tags.method),
        seeds: rs.length,
        testAccuracy: median(rs.map((r) => r.final?.testAccuracy ?? NaN)),
        seconds: median(rs.map((r) => d(r).seconds?.total ?? NaN)),
        speedup: median(rs.map((r) => d(r).speedup?.ratio ?? NaN)),
      };
    })
    .sort(
      (a, b) =>
        order(a) - order(b) ||
        a.target - b.target ||
        PRUNING_METHODS.indexOf(a.method as PruningMethod) - PRUNING_METHODS.indexOf(b.method as PruningMethod),
    );
}

/** Fixed-point, or '-' for a number a record did not have. */
function num(v: number, digits: number, unit = ''): string {
  return Number.isFinite(v) ? v.toFixed(digits) + unit : '-';
}

/** A comma-separated list, each item through `item`. */
function listParam<T>(flag: string, description: string, item: (text: string) => T): ParamSpec {
  return {
    flag,
    description,
    parse: (text) => {
      const items = text.split(',').map((t) => t.trim());
      if (items.length === 0 || items.some((t) => t === ''))
        throw new InputError(`--${flag} takes a comma-separated list, got "${text}"`);
      return items.map(item);
    },
  };
}
