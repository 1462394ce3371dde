// Strange models beyond the rule (docs/strange-models.md): every run records its per-class outcome, and the models
// at risk record what their feeding units do, so that the stages below measure
//   calibrate  a calibrated risk: the simple family's at-risk models (output fan-in <= atRiskFanIn) and a random sample
//              of the others, on fit seeds (to fit the risk models) and evaluation seeds (to score them, never fitted);
//   prevent    preventive measures (biases, Glorot, lower learning rates, SGD with momentum, a dense or wider last
//              layer, the nearby list diagnose suggests) on strange and at-risk models, on the evaluation seeds;
//   fig4       the Fig. 4 networks that train badly: a screen of the sparse part of the Fig. 4 set, then every one at or
//              below the threshold (or a seeded random sample of them) retrained longer with per-epoch per-class recall,
//              to tell slow from stuck;
//   coin       many seeds of a few output-fan-in-2 models (the coin toss), split into fit and evaluation seeds, for the
//              per-run prediction from the initial weights.
// The analyses of the records live in src/analysis/strange-causes.ts.
import { InputError } from '../../errors.js';
import { minOutputFanIn, suggestAlternatives, diagnoseMasks } from '../../analysis/diagnose.js';
import { FeedRecorder } from '../../analysis/feed-recorder.js';
import { Rng } from '../../random.js';
import { formatRadixList, parseRadixList } from '../../topology/radix.js';
import { radixNet } from '../../topology/radixnet.js';
import { simpleFamily, validPermutations } from '../../topology/enumerate.js';
import type { Experiment, RunContext, RunOutcome, RunRecord, RunSpec } from '../experiment.js';
import { configMasks, trainMnist, type TrainConfig } from '../mnist-train.js';
import { fig4RunsFrom } from '../fig4-from.js';
import { factorsParam, intParam, numberParam, seedsParam, countOrAllParam } from '../param-specs.js';
import {
  TRAINING_DEFAULTS,
  TRAINING_PARAMS,
  trainingConfig,
  trainingKey,
  twinTraining,
  type TrainingParams,
} from '../training-runs.js';
import { summarizeCauses } from '../../analysis/strange-causes.js';

export const CAUSE_STAGES = ['calibrate', 'prevent', 'fig4', 'coin'] as const;
export type CauseStage = (typeof CAUSE_STAGES)[number];

/** Preventive measures: a change of the paper's protocol or topology, each trained as a whole run. */
export const MEASURES = [
  'baseline',
  'bias',
  'glorot',
  'lr-3e-4',
  'lr-1e-4',
  'sgd-momentum',
  'dense-last',
  'wider-last',
  'nearby',
  'non-negative-last',
] as const;
export type Measure = (typeof MEASURES)[number];

export interface StrangeCausesParams extends TrainingParams {
  stages: CauseStage[];
  /** The simple family [[i,j],[k]]: largest i and j, and its Kronecker sparsity threshold. */
  max: number;
  minKroneckerSparsity: number;
  /** Models whose smallest output fan-in is at most this are at risk and all run on every seed. */
  atRiskFanIn: number;
  /**
   * Baseline runs of models whose smallest output fan-in is at most this record their feeding units (the coin stage
   * always does): the calibration needs only each run's outcome, so extra calibration seeds can go without (-1).
   */
  feedFanIn: number;
  /** How many of the other family models (drawn with sampleSeed) run on every seed too. */
  others: number;
  sampleSeed: number;
  /** Seeds the risk models are fitted on, and seeds they are scored on (kept apart). */
  fitSeeds: number[];
  evalSeeds: number[];
  /** Models of the prevention stage (strange and at-risk ones), and the measures tried on each (on evalSeeds). */
  preventModels: string[];
  measures: Measure[];
  /** Fig. 4 stage: the radix factors, the screen's sparsity floor, its seed and the trained-badly threshold. */
  fig4Factors: number[];
  fig4MinSparsity: number;
  /** Screen only the lists below this sparsity (absent: no ceiling; so that plan ids of earlier sweeps stay). */
  fig4MaxSparsity?: number;
  /**
   * Take the screen from this Fig. 4 results file (accuracy-vs-sparsity, same protocol) instead of training it
   * (absent: train the screen).
   */
  fig4From?: string;
  /** Screen only this many of those lists (a seeded random sample; null: all). */
  fig4Sample: number | null;
  fig4Seed: number;
  threshold: number;
  fig4RetrainEpochs: number;
  /** Retrain at most this many of the badly trained networks (a seeded random sample; null: all). */
  fig4Retrain: number | null;
  /** Coin stage: output fan-in 2 models and their fit and evaluation seeds. */
  coinModels: string[];
  coinFitSeeds: number[];
  coinEvalSeeds: number[];
}

export const strangeCauses: Experiment<StrangeCausesParams> = {
  name: 'strange-causes',
  description:
    'strange models beyond the rule: calibrated risk (simple family, fit and evaluation seeds), preventive ' +
    'measures, slow vs stuck Fig. 4 networks retrained, per-run prediction of fan-in-2 models from the initial weights',
  defaults: {
    ...TRAINING_DEFAULTS,
    stages: [...CAUSE_STAGES],
    max: 15,
    minKroneckerSparsity: 0.9,
    atRiskFanIn: 3,
    feedFanIn: 3,
    others: 30,
    sampleSeed: 1,
    fitSeeds: [100, 101, 102, 103],
    evalSeeds: [200, 201, 202, 203, 204, 205, 206, 207],
    preventModels: ['10,10/1', '12,10/1', '11,11/1', '6,13/1', '14,14/2', '12,15/2', '10,15/3'],
    measures: [...MEASURES],
    fig4Factors: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    fig4MinSparsity: 0.8,
    fig4Sample: null,
    fig4Seed: 100,
    threshold: 0.75,
    fig4RetrainEpochs: 30,
    fig4Retrain: null,
    coinModels: ['14,10/2', '10,10/2', '6,13/1', '12,12/2'],
    coinFitSeeds: range(300, 319),
    coinEvalSeeds: range(320, 339),
  },
  quick: {
    stages: [...CAUSE_STAGES],
    atRiskFanIn: 0,
    others: 1,
    fig4Sample: 3,
    fitSeeds: [100],
    evalSeeds: [200],
    preventModels: ['10,10/1'],
    measures: ['baseline', 'bias', 'dense-last', 'nearby'],
    fig4Factors: [2, 10],
    fig4MinSparsity: 0.95,
    fig4RetrainEpochs: 2,
    fig4Retrain: 2,
    coinModels: ['10,10/2'],
    coinFitSeeds: [300],
    coinEvalSeeds: [301],
    epochs: 1,
    trainSamples: 3000,
    testSamples: 1000,
  },
  params: {
    ...TRAINING_PARAMS,
    stages: {
      flag: 'stages',
      description: `stages to run, separated by ",": ${CAUSE_STAGES.join(', ')}`,
      parse: (text) => parseList(text, CAUSE_STAGES, 'stages'),
    },
    max: intParam('max', 'largest i and j of the family [[i,j],[k]]', 1, 46340),
    minKroneckerSparsity: numberParam('min-kronecker-sparsity', 'family threshold on kronecker sparsity', 0, 1),
    atRiskFanIn: intParam('at-risk-fan-in', 'models with smallest output fan-in at most this run on every seed', 0),
    feedFanIn: intParam(
      'feed-fan-in',
      'baseline runs of models with smallest output fan-in at most this record their feeding units (-1: none but the coin stage)',
      -1,
    ),
    others: intParam('others', 'how many other family models (a seeded sample) run on every seed too', 0),
    sampleSeed: intParam('sample-seed', 'seed of the samples drawn (other models, Fig. 4 retraining)', 0),
    fitSeeds: seedsParam('fit-seeds', 'seeds the risk models are fitted on'),
    evalSeeds: seedsParam('eval-seeds', 'seeds the risk models are scored on (and the measures run on)'),
    preventModels: {
      flag: 'prevent-models',
      description: 'models of the prevention stage, separated by ";"',
      parse: parseModels,
    },
    measures: {
      flag: 'measures',
      description: `preventive measures, separated by ",": ${MEASURES.join(', ')}`,
      parse: (text) => parseList(text, MEASURES, 'measures'),
    },
    fig4Factors: factorsParam('fig4-factors', 'radix factors of the Fig. 4 set'),
    fig4MinSparsity: numberParam('fig4-min-sparsity', 'screen the Fig. 4 lists at least this sparse', 0, 1),
    fig4MaxSparsity: numberParam('fig4-max-sparsity', 'screen only the Fig. 4 lists below this sparsity', 0, 1),
    fig4From: {
      flag: 'fig4-from',
      description:
        'take the Fig. 4 screen from this accuracy-vs-sparsity results file (same protocol) instead of training it',
      parse: (text) => {
        if (text.trim() === '')
          throw new InputError('--fig4-from needs a file: a results file of radixnet experiment accuracy-vs-sparsity');
        return text;
      },
    },
    fig4Sample: countOrAllParam(
      'fig4-sample',
      'screen a seeded random sample of this many of the Fig. 4 lists ("all")',
      1,
    ),
    fig4Seed: intParam('fig4-seed', 'seed of the Fig. 4 screen and retraining', 0),
    threshold: numberParam('threshold', 'accuracy at or below which a run trained badly (strange)', 0, 1),
    fig4RetrainEpochs: intParam('fig4-retrain-epochs', 'epochs of the Fig. 4 retraining', 1, 10000),
    fig4Retrain: countOrAllParam('fig4-retrain', 'retrain at most this many badly trained Fig. 4 networks ("all")', 1),
    coinModels: {
      flag: 'coin-models',
      description: 'output fan-in 2 models of the coin stage, separated by ";"',
      parse: parseModels,
    },
    coinFitSeeds: seedsParam('coin-fit-seeds', 'coin stage seeds the per-run predictor is fitted on'),
    coinEvalSeeds: seedsParam('coin-eval-seeds', 'coin stage seeds the per-run predictor is scored on'),
  },
  needsData: true,
  // more seeds, other stages or other recording options of the same protocol are summarized together
  combinable: [
    'stages',
    'fitSeeds',
    'evalSeeds',
    'feedFanIn',
    'others',
    'preventModels',
    'measures',
    'fig4Sample',
    'fig4Retrain',
    'fig4MinSparsity',
    'fig4MaxSparsity',
    'fig4From',
    'coinModels',
    'coinFitSeeds',
    'coinEvalSeeds',
  ],

  plan(p, done) {
    checkSeedsApart(p);
    const runs: RunSpec[] = [];
    const keys = new Set<string>();
    const add = (r: RunSpec): void => {
      if (keys.has(r.key)) return;
      keys.add(r.key);
      runs.push(r);
    };
    const has = (s: CauseStage): boolean => p.stages.includes(s);
    if (has('calibrate')) {
      const models = calibrationModels(p);
      // fit and evaluation seeds alternate, so that a sweep stopped early holds some of each
      for (const { role, seed } of alternate(p.fitSeeds, p.evalSeeds)) {
        for (const m of models)
          add(measureRun(p, m.text, seed, 'baseline', { stage: 'calibrate', role, group: m.group }));
      }
    }
    if (has('prevent')) {
      for (const seed of p.evalSeeds) {
        for (const text of p.preventModels) {
          for (const measure of p.measures)
            add(measureRun(p, text, seed, measure, { stage: 'prevent', role: 'eval', group: 'prevent' }));
        }
      }
    }
    const { screen: fig4Screen, fromFile } = has('fig4') ? fig4ScreenPlan(p) : { screen: [], fromFile: new Map() };
    if (p.fig4From === undefined) for (const s of fig4Screen) add(s);
    if (has('coin')) {
      for (const [role, seeds] of [
        ['fit', p.coinFitSeeds],
        ['eval', p.coinEvalSeeds],
      ] as const) {
        for (const seed of seeds)
          for (const text of p.coinModels)
            add(measureRun(p, text, seed, 'baseline', { stage: 'coin', role, group: 'coin' }, true));
      }
    }
    // the retraining is planned from a complete screen only, after everything else, in a seeded random order (so any
    // prefix of it is a random sample of the badly trained networks)
    if (has('fig4')) {
      const screened = new Map<string, RunRecord>();
      for (const r of done) if (r.tags.stage === 'fig4-screen') screened.set(r.key, r);
      for (const [key, r] of fromFile) screened.set(key, r);
      if (fig4Screen.every((s) => screened.has(s.key))) {
        const bad = fig4Screen.filter((s) => (screened.get(s.key)!.final?.valAccuracy ?? 1) <= p.threshold);
        const order = new Rng(p.sampleSeed).permutation(bad.length);
        const picked = Array.from(order)
          .map((k) => bad[k])
          .slice(0, p.fig4Retrain ?? bad.length);
        for (const s of picked) {
          const config = { ...s.config!, epochs: p.fig4RetrainEpochs };
          add({
            key: `fig4-retrain|${trainingKey(config)}`,
            config,
            twin: `retrain ${s.tags.topology}`,
            tags: { ...s.tags, stage: 'fig4-retrain', screenValAccuracy: screened.get(s.key)!.final!.valAccuracy },
          });
        }
      }
    }
    return runs;
  },

  execute: (run, ctx) => executeCause(run, ctx),
  twinOutcome: (outcome, run) => twinTraining(outcome, run.config),

  summarize(records, p) {
    return summarizeCauses(withFileScreens(records), p);
  },
};

/**
 * The Fig. 4 screen's runs (lists at least fig4MinSparsity and below fig4MaxSparsity sparse, all or a seeded sample)
 * and, with fig4From, the Fig. 4 file's run standing for each of them by screen key (those are never trained here).
 */
function fig4ScreenPlan(p: StrangeCausesParams): { screen: RunSpec[]; fromFile: Map<string, RunRecord> } {
  const lists = validPermutations(p.fig4Factors, p.layers).lists.filter(
    (l) => l.sparsity >= p.fig4MinSparsity && (p.fig4MaxSparsity === undefined || l.sparsity < p.fig4MaxSparsity),
  );
  const order = Array.from(new Rng(p.sampleSeed + 1).permutation(lists.length))
    .slice(0, p.fig4Sample ?? lists.length)
    .sort((a, b) => a - b);
  const screen = order.map((k): RunSpec => {
    const l = lists[k];
    const config = trainingConfig(p, l.text, p.fig4Seed);
    return {
      key: `fig4|${trainingKey(config)}`,
      config,
      twin: `screen ${l.topology}`,
      tags: { stage: 'fig4-screen', radices: l.text, seed: p.fig4Seed, topology: l.topology },
    };
  });
  const fromFile = new Map<string, RunRecord>();
  if (p.fig4From !== undefined) {
    const runs = fig4RunsFrom(p.fig4From, new Map(screen.map((s) => [s.config!.radices, s.config!])));
    for (const s of screen) fromFile.set(s.key, runs.get(s.config!.radices)!);
  }
  return { screen, fromFile };
}

/**
 * The records with, for each plan among them that took its screen from a Fig. 4 file, that file's runs as screen
 * records (read again from the path the plan names, relative to the working directory), so that the summary sees one
 * screen whether it was trained or taken. A screen key already present is not added twice.
 */
function withFileScreens(records: readonly RunRecord[]): RunRecord[] {
  const plans = new Map<string, StrangeCausesParams>();
  for (const r of records) {
    const params = r.params as unknown as StrangeCausesParams;
    if (r.tags.stage === 'fig4-retrain' && params.fig4From !== undefined) plans.set(r.planId, params);
  }
  if (plans.size === 0) return [...records];
  const out = [...records];
  const keys = new Set(records.map((r) => r.key));
  for (const params of plans.values()) {
    const { screen, fromFile } = fig4ScreenPlan(params);
    for (const s of screen) {
      if (keys.has(s.key)) continue;
      keys.add(s.key);
      out.push({ ...fromFile.get(s.key)!, key: s.key, tags: s.tags });
    }
  }
  return out;
}

/** Trains one run with per-epoch per-class recall, recording the feeding units when the run's model is at risk. */
async function executeCause(run: RunSpec, ctx: RunContext): Promise<RunOutcome> {
  const config = run.config;
  if (!config) throw new InputError('a strange-causes run needs a config');
  if (!ctx.mnist) throw new Error('a training run needs MNIST in its context');
  const recorder = run.tags.feed ? new FeedRecorder(configMasks(config).masks.at(-1) ?? null, config.layers) : null;
  const r = await trainMnist(config, {
    mnist: ctx.mnist,
    engine: ctx.engine,
    perClassEpochs: true,
    ...(recorder ? { inspect: (model, point, train) => recorder.inspect(model, point, train) } : {}),
  });
  return {
    config: r.config,
    topology: r.topology,
    history: r.history,
    final: r.final,
    ...(recorder ? { data: { feed: recorder.data() } } : {}),
  };
}

/** One run of a model under a measure; its key is the training key (plus the measure when not the baseline). */
function measureRun(
  p: StrangeCausesParams,
  text: string,
  seed: number,
  measure: Measure,
  tags: Record<string, string>,
  alwaysFeed = false,
): RunSpec {
  const { config, radices } = measureConfig(p, text, seed, measure);
  // the model's own smallest output fan-in (of `text` on the experiment's layers), whatever the measure changes
  const fanIn = minOutputFanIn(diagnoseMasks(radixNet(parseRadixList(text), p.layers).masks));
  const key =
    measure === 'baseline' ? trainingKey(config) : `${trainingKey({ ...config, radices: text })}|measure=${measure}`;
  return {
    key,
    config,
    tags: {
      ...tags,
      radices: text,
      trained: radices,
      seed,
      measure,
      fanIn,
      feed: measure === 'baseline' && (alwaysFeed || fanIn <= p.feedFanIn),
    },
  };
}

/** The TrainConfig of `text` under a measure (and the list actually trained: `nearby` trains another). */
export function measureConfig(
  p: StrangeCausesParams,
  text: string,
  seed: number,
  measure: Measure,
): { config: TrainConfig; radices: string } {
  const base = trainingConfig(p, text, seed);
  const last = p.layers.length - 2;
  switch (measure) {
    case 'baseline':
      return { config: base, radices: text };
    case 'bias':
      return { config: { ...base, bias: true }, radices: text };
    case 'glorot':
      return { config: { ...base, init: 'glorot-uniform' }, radices: text };
    case 'lr-3e-4':
      return { config: { ...base, lr: 3e-4 }, radices: text };
    case 'lr-1e-4':
      return { config: { ...base, lr: 1e-4 }, radices: text };
    case 'sgd-momentum':
      return { config: { ...base, optimizer: 'sgd', lr: 0.01, momentum: 0.9 }, radices: text };
    case 'dense-last':
      return { config: { ...base, denseLayers: [last] }, radices: text };
    // what the causes point to: no class starts with all its feeding weights negative
    case 'non-negative-last':
      return { config: { ...base, nonNegativeLast: true }, radices: text };
    case 'wider-last': {
      // the last hidden layer doubled: the Kronecker width of the last radix doubles, and so does every output's fan-in
      const layers = p.layers.map((n, l) => (l === p.layers.length - 2 ? 2 * n : n));
      return { config: { ...base, layers }, radices: text };
    }
    case 'nearby': {
      const list = parseRadixList(text);
      const net = radixNet(list, p.layers);
      const s = suggestAlternatives(net.radices, p.layers, net.sparsity, 1)[0];
      if (!s) throw new InputError(`diagnose suggests no nearby list for ${text}; drop the 'nearby' measure for it`);
      return { config: { ...base, radices: s.radices }, radices: s.radices };
    }
  }
}

/** The calibration set: every at-risk family model and a seeded sample of the others, in the family's order. */
export function calibrationModels(
  p: StrangeCausesParams,
): { text: string; group: 'at-risk' | 'other'; fanIn: number }[] {
  const all = simpleFamily({ max: p.max, minKroneckerSparsity: p.minKroneckerSparsity, layers: p.layers }).models.map(
    (m) => ({
      text: m.text,
      fanIn: radixNet(m.radices, p.layers, { kron: m.kron })
        .masks.at(-1)!
        .fanInCounts()
        .reduce((a, b) => Math.min(a, b), Infinity),
    }),
  );
  const rest = all.filter((m) => m.fanIn > p.atRiskFanIn);
  const order = new Rng(p.sampleSeed).permutation(rest.length);
  const sampled = new Set(
    Array.from(order)
      .slice(0, p.others)
      .map((k) => rest[k].text),
  );
  return all
    .filter((m) => m.fanIn <= p.atRiskFanIn || sampled.has(m.text))
    .map((m) => ({
      text: m.text,
      fanIn: m.fanIn,
      group: m.fanIn <= p.atRiskFanIn ? ('at-risk' as const) : ('other' as const),
    }));
}

/** Fit and evaluation seeds interleaved: fit[0], eval[0], fit[1], eval[1], ... then the rest of the longer list. */
function alternate(fit: number[], evaluation: number[]): { role: 'fit' | 'eval'; seed: number }[] {
  const out: { role: 'fit' | 'eval'; seed: number }[] = [];
  for (let k = 0; k < Math.max(fit.length, evaluation.length); k++) {
    if (k < fit.length) out.push({ role: 'fit', seed: fit[k] });
    if (k < evaluation.length) out.push({ role: 'eval', seed: evaluation[k] });
  }
  return out;
}

function checkSeedsApart(p: StrangeCausesParams): void {
  const clash = p.fitSeeds.filter((s) => p.evalSeeds.includes(s));
  if (clash.length)
    throw new InputError(
      `--fit-seeds and --eval-seeds share ${clash.join(',')}; evaluation seeds must be kept apart from fit seeds`,
    );
  const coin = p.coinFitSeeds.filter((s) => p.coinEvalSeeds.includes(s));
  if (coin.length)
    throw new InputError(`--coin-fit-seeds and --coin-eval-seeds share ${coin.join(',')}; keep them apart`);
}

function parseList<T extends string>(text: string, allowed: readonly T[], flag: string): T[] {
  const parts = text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const bad = parts.filter((t) => !allowed.includes(t as T));
  if (parts.length === 0 || bad.length) {
    throw new InputError(`--${flag} takes names from ${allowed.join(', ')} separated by ","; got "${text}"`);
  }
  return [...new Set(parts)] as T[];
}

function parseModels(text: string): string[] {
  const parts = text
    .split(';')
    .map((t) => t.trim())
    .filter(Boolean);
  if (parts.length === 0) throw new InputError('give radix lists separated by ";", e.g. "10,10/1;10,10/2"');
  return parts.map((t) => formatRadixList(parseRadixList(t)));
}

function range(lo: number, hi: number): number[] {
  return Array.from({ length: hi - lo + 1 }, (_, k) => lo + k);
}
