// Fig. 8: the simple family's >= 90% (Kronecker) sparse models trained 3 epochs; those at or below 0.75 training
// accuracy are strange. Stage 2 retrains the strange ones 30 epochs (accuracy per epoch) and re-screens them, and every
// model diagnose calls at risk, on extra seeds, to tell strange models from models strange by chance. The
// summary scores the topology predictor against the screen with a confusion table.
import {
  accuracyBands,
  confusion,
  confusionLines,
  isStrange,
  predictStrange,
  STRANGE_MAX_OUTPUT_FAN_IN,
} from '../../analysis/strangeness.js';
import { MIN_OUTPUT_FAN_IN } from '../../analysis/diagnose.js';
import { InputError } from '../../errors.js';
import { DEFAULT_SEED } from '../../random.js';
import { parseRadixList, formatRadixList } from '../../topology/radix.js';
import { simpleFamily } from '../../topology/enumerate.js';
import type { Experiment, RunRecord, RunSpec } from '../experiment.js';
import { intParam, numberParam } from '../param-specs.js';
import {
  executeTraining,
  TRAINING_DEFAULTS,
  TRAINING_PARAMS,
  trainingConfig,
  trainingKey,
  type TrainingParams,
} from '../training-runs.js';

export interface StrangeModelsParams extends TrainingParams {
  /** Largest i and j of [[i,j],[k]]. */
  max: number;
  minKroneckerSparsity: number;
  /** Only these lists of the study set (null: all of it). */
  models: string[] | null;
  /** Seed of the screen and of the retraining. */
  seed: number;
  /** Screen training accuracy at or below which a model is strange. */
  threshold: number;
  retrainEpochs: number;
  /** Extra screen seeds (seed + 1, seed + 2, ...) for each strange model and each that diagnose calls at risk. */
  extraSeeds: number;
  /** Retrained accuracies split into bands where sorted neighbours differ by more than this. */
  bandGap: number;
}

const STAGES = ['screen', 'retrain', 'seeds'] as const;

export const strangeModels: Experiment<StrangeModelsParams> = {
  name: 'strange-models',
  description:
    'Fig. 8: the simple family [[i,j],[k]] at >= 0.9 kronecker sparsity (426 models), 3 epochs; strange ones ' +
    '(train accuracy <= 0.75) retrained 30 epochs and re-screened on extra seeds; topology predictor scored',
  defaults: {
    ...TRAINING_DEFAULTS,
    max: 15,
    minKroneckerSparsity: 0.9,
    models: null,
    seed: DEFAULT_SEED,
    threshold: 0.75,
    retrainEpochs: 30,
    extraSeeds: 3,
    bandGap: 0.03,
  },
  quick: { models: ['10,10/1', '10,10/2'], epochs: 1, trainSamples: 3000, retrainEpochs: 2, extraSeeds: 1 },
  params: {
    ...TRAINING_PARAMS,
    max: intParam('max', 'largest i and j of the family [[i,j],[k]]', 1, 46340),
    minKroneckerSparsity: numberParam('min-kronecker-sparsity', 'study set threshold on kronecker sparsity', 0, 1),
    models: {
      flag: 'models',
      description: 'only these lists of the study set, separated by ";" (e.g. "10,10/1;10,10/2"), or "all"',
      parse: parseModels,
    },
    seed: intParam('seed', 'seed of the screen and retraining runs (extra seeds follow it)', 0),
    threshold: numberParam('threshold', 'screen training accuracy at or below which a model is strange', 0, 1),
    retrainEpochs: intParam('retrain-epochs', "epochs of the strange models' retraining", 1, 10000),
    extraSeeds: intParam('extra-seeds', 'extra screen seeds per strange or at-risk model (output fan-in < 3)', 0, 1000),
    bandGap: numberParam('band-gap', 'gap between sorted retrained accuracies that starts a new band', 0, 1),
  },
  needsData: true,

  plan(p, done) {
    const models = studySet(p);
    const screen = models.map((m): RunSpec => {
      const config = trainingConfig(p, m.text, p.seed);
      return { key: trainingKey(config), config, tags: { stage: 'screen', model: m.index, radices: m.text } };
    });
    const screened = new Map<string, RunRecord>();
    for (const r of done) if (r.tags.stage === 'screen') screened.set(r.key, r);
    // later stages are planned only from a complete screen, so their plan indices do not depend on arrival order
    if (!screen.every((s) => screened.has(s.key))) return screen;
    const retrain: RunSpec[] = [];
    const seeds: RunSpec[] = [];
    models.forEach((m, k) => {
      const strange = isStrange(screenAccuracy(screened.get(screen[k].key)!, p.epochs), p.threshold);
      if (strange) {
        const config = { ...trainingConfig(p, m.text, p.seed), epochs: p.retrainEpochs };
        retrain.push({ key: trainingKey(config), config, tags: { stage: 'retrain', model: m.index, radices: m.text } });
      }
      if (strange || predictStrange(m.text, p.layers).minOutputFanIn < MIN_OUTPUT_FAN_IN) {
        for (let s = 1; s <= p.extraSeeds; s++) {
          const config = trainingConfig(p, m.text, p.seed + s);
          seeds.push({ key: trainingKey(config), config, tags: { stage: 'seeds', model: m.index, radices: m.text } });
        }
      }
    });
    // the extra seeds (3 epochs each) before the long retraining, so an interrupted sweep has the cheaper answers first
    return [...screen, ...seeds, ...retrain];
  },

  execute: (run, ctx) => executeTraining(run.config, ctx),

  summarize(records, p) {
    return summarizeStrange(records, p);
  },
};

/** Parses `10,10/1;10,10/2` (or `all`) into canonical list texts. */
function parseModels(text: string): string[] | null {
  if (text.trim() === 'all') return null;
  const parts = text
    .split(';')
    .map((t) => t.trim())
    .filter(Boolean);
  if (parts.length === 0)
    throw new InputError(`--models is empty; give radix lists separated by ";", e.g. "10,10/1;10,10/2", or "all"`);
  return parts.map((t) => formatRadixList(parseRadixList(t)));
}

/** The study set in the suite's order, each with its index in the full set; `models` picks a subset. */
function studySet(p: StrangeModelsParams): { text: string; index: number }[] {
  const all = simpleFamily({ max: p.max, minKroneckerSparsity: p.minKroneckerSparsity, layers: p.layers }).models.map(
    (m, index) => ({ text: m.text, index }),
  );
  if (p.models === null) return all;
  const byText = new Map(all.map((m) => [m.text, m]));
  return p.models.map((t) => {
    const m = byText.get(t);
    if (!m) {
      throw new InputError(
        `--models ${t} is not in the study set (the simple family with i, j <= ${p.max} and kronecker ` +
          `sparsity >= ${p.minKroneckerSparsity}); list the set with: radixnet enumerate --family simple --max ${p.max}`,
      );
    }
    return m;
  });
}

/** Training accuracy after the screen's last epoch. */
function screenAccuracy(r: RunRecord, epochs: number): number {
  const e = r.history[epochs - 1];
  if (!e || typeof e.accuracy !== 'number') {
    throw new InputError(
      `record ${r.index} (${r.key}) has no history[${epochs - 1}].accuracy (training accuracy of epoch ` +
        `${epochs}); the strange rule needs it`,
    );
  }
  return e.accuracy;
}

interface ModelRow {
  model: number;
  radices: string;
  screenAccuracy: number;
  strange: boolean;
  predicted: boolean;
  minOutputFanIn: number;
  /** Strange on how many of the extra seeds run so far. */
  extraStrange: number;
  extraRuns: number;
  retrainAccuracy: number | null;
  retrainValAccuracy: number | null;
}

/** The strange-models summary (exported for tests). */
export function summarizeStrange(
  records: readonly RunRecord[],
  p: StrangeModelsParams,
): { text: string[]; data: Record<string, unknown> } {
  for (const r of records) {
    if (!STAGES.includes(r.tags?.stage as (typeof STAGES)[number])) {
      throw new InputError(
        `record ${r.index} (${r.key}) has no tags.stage of ${STAGES.join('/')}; it is not a strange-models record`,
      );
    }
  }
  const rows = new Map<number, ModelRow>();
  for (const r of records.filter((x) => x.tags.stage === 'screen')) {
    const acc = screenAccuracy(r, p.epochs);
    const prediction = predictStrange(r.topology.radices, p.layers);
    rows.set(r.tags.model as number, {
      model: r.tags.model as number,
      radices: r.topology.radices,
      screenAccuracy: acc,
      strange: isStrange(acc, p.threshold),
      predicted: prediction.predicted,
      minOutputFanIn: prediction.minOutputFanIn,
      extraStrange: 0,
      extraRuns: 0,
      retrainAccuracy: null,
      retrainValAccuracy: null,
    });
  }
  for (const r of records) {
    const row = rows.get(r.tags.model as number);
    if (!row || r.tags.stage === 'screen') continue;
    if (r.tags.stage === 'seeds') {
      row.extraRuns++;
      if (isStrange(screenAccuracy(r, p.epochs), p.threshold)) row.extraStrange++;
    } else {
      if (!r.final)
        throw new InputError(
          `record ${r.index} (${r.key}) has no final metrics; the retrain summary needs final.trainAccuracy`,
        );
      row.retrainAccuracy = r.final.trainAccuracy;
      row.retrainValAccuracy = r.final.valAccuracy;
    }
  }
  const all = [...rows.values()].sort((a, b) => a.model - b.model);
  const strange = all.filter((r) => r.strange);
  const screenTable = confusion(all.map((r) => ({ predicted: r.predicted, observed: r.strange })));
  // a model with extra seeds counts as strange when most of its screen runs were
  const majority = (r: ModelRow): boolean =>
    r.extraRuns === 0 ? r.strange : 2 * (r.extraStrange + (r.strange ? 1 : 0)) > r.extraRuns + 1;
  const seedTable = confusion(all.map((r) => ({ predicted: r.predicted, observed: majority(r) })));
  const retrained = strange.filter((r) => r.retrainAccuracy !== null);
  const bands = accuracyBands(
    retrained.map((r) => r.retrainAccuracy!),
    p.bandGap,
  );
  const hasBig = (r: ModelRow): boolean => Math.max(...parseRadixList(r.radices).flat()) >= 10;
  const withoutBig = strange.filter((r) => !hasBig(r));
  const bigInSet = all.filter(hasBig).length;
  const byChance = strange.filter((r) => r.extraRuns > 0 && 2 * r.extraStrange < r.extraRuns);
  const stays = strange.filter((r) => r.extraRuns > 0 && r.extraStrange === r.extraRuns);

  const text = [
    `${all.length} models of the simple family [[i,j],[k]] (i, j <= ${p.max}, kronecker sparsity >= ${p.minKroneckerSparsity}), ` +
      `${p.epochs} epochs, batch ${p.batch}, seed ${p.seed}`,
    `strange (epoch-${p.epochs} training accuracy <= ${p.threshold}): ${strange.length} of ${all.length}`,
    `every strange model has a radix >= 10: ${
      strange.length === 0
        ? 'none strange'
        : withoutBig.length === 0
          ? 'yes'
          : `no, ${withoutBig.length} without: ${withoutBig.map((r) => r.radices).join(' ')}`
    } (so do ${bigInSet} of the ${all.length} ` + 'models screened, so this alone does not single strange models out)',
    '',
    `prediction from the topology (strange when some output is fed by <= ${STRANGE_MAX_OUTPUT_FAN_IN} last-hidden unit) ` +
      `vs the screen (seed ${p.seed}):`,
    ...confusionLines(screenTable).map((l) => `  ${l}`),
  ];
  const seeded = all.filter((r) => r.extraRuns > 0);
  if (seeded.length > 0) {
    text.push(
      `the same, observed strange = strange on most of its screen runs (seed ${p.seed} and up to ${p.extraSeeds} extra seeds, ` +
        `run for the ${seeded.length} strange or at-risk models):`,
      ...confusionLines(seedTable).map((l) => `  ${l}`),
      `of the ${strange.filter((r) => r.extraRuns > 0).length} strange models with extra seeds: ${stays.length} strange on every ` +
        `extra seed, ${byChance.length} strange by chance (normal on most extra seeds)`,
    );
  }
  if (retrained.length > 0) {
    text.push(
      '',
      `retrained ${p.retrainEpochs} epochs: ${retrained.length} strange models, final training accuracy in ${bands.length} ` +
        `bands (sorted accuracies split where neighbours differ by more than ${p.bandGap}):`,
    );
    for (const b of bands) {
      const members = retrained
        .filter((r) => r.retrainAccuracy! >= b.low && r.retrainAccuracy! <= b.high)
        .map((r) => r.radices);
      text.push(`  ${b.low.toFixed(3)}-${b.high.toFixed(3)}: ${b.count} (${members.join(' ')})`);
    }
  }
  if (strange.length > 0) {
    text.push('', 'strange models: radices  screen acc  output fan-in  predicted  extra seeds strange  retrained acc');
    for (const r of strange) {
      text.push(
        `  ${r.radices.padEnd(9)}  ${r.screenAccuracy.toFixed(4)}  ${String(r.minOutputFanIn).padStart(13)}  ` +
          `${(r.predicted ? 'yes' : 'no').padStart(9)}  ${`${r.extraStrange}/${r.extraRuns}`.padStart(19)}  ` +
          `${r.retrainAccuracy === null ? '-' : r.retrainAccuracy.toFixed(4)}`,
      );
    }
  }
  return {
    text,
    data: {
      models: all.length,
      strange: strange.map((r) => r.radices),
      predictor: { screen: screenTable, majority: seedTable },
      bands,
      strangeByChance: byChance.map((r) => r.radices),
      staysStrange: stays.map((r) => r.radices),
      everyStrangeHasRadix10: withoutBig.length === 0,
      modelsWithRadix10: bigInSet,
      rows: all,
    },
  };
}
