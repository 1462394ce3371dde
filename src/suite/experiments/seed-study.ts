// Fig. 9: one normal and one strange model, each trained on seeds 1000, 2000, ..., 10000 for 10 epochs, accuracy per
// epoch per seed; the summary counts the seeds of each model that end strange.
import { isStrange, predictStrange, STRANGE_MAX_OUTPUT_FAN_IN } from '../../analysis/strangeness.js';
import { InputError } from '../../errors.js';
import { formatRadixList, parseRadixList } from '../../topology/radix.js';
import type { Experiment, RunRecord, RunSpec } from '../experiment.js';
import { numberParam, seedsParam } from '../param-specs.js';
import {
  executeTraining,
  TRAINING_DEFAULTS,
  TRAINING_PARAMS,
  trainingConfig,
  trainingKey,
  type TrainingParams,
} from '../training-runs.js';

export interface SeedStudyParams extends TrainingParams {
  /** A radix list the topology predictor calls normal. */
  normal: string;
  /** A radix list the topology predictor calls strange. */
  strange: string;
  seeds: number[];
  /** Final training accuracy at or below which a seed ends strange. */
  threshold: number;
}

const MODELS = ['normal', 'strange'] as const;

export const seedStudy: Experiment<SeedStudyParams> = {
  name: 'seed-study',
  description: 'Fig. 9: a normal and a strange model on seeds 1000, 2000, ..., 10000, 10 epochs, accuracy per epoch',
  defaults: {
    ...TRAINING_DEFAULTS,
    epochs: 10,
    normal: '10,10/10',
    strange: '10,10/1',
    seeds: Array.from({ length: 10 }, (_, k) => 1000 * (k + 1)),
    threshold: 0.75,
  },
  quick: { seeds: [1000, 2000], epochs: 1, trainSamples: 3000 },
  params: {
    ...TRAINING_PARAMS,
    normal: {
      flag: 'normal',
      description: 'radix list of the normal model',
      parse: (t) => formatRadixList(parseRadixList(t)),
    },
    strange: {
      flag: 'strange',
      description: 'radix list of the strange model',
      parse: (t) => formatRadixList(parseRadixList(t)),
    },
    seeds: seedsParam('seeds', 'training seeds, e.g. 1000,2000 or 1..10'),
    threshold: numberParam('threshold', 'final training accuracy at or below which a seed ends strange', 0, 1),
  },
  needsData: true,

  plan(p) {
    checkModels(p);
    const runs: RunSpec[] = [];
    for (const model of MODELS) {
      for (const seed of p.seeds) {
        const config = trainingConfig(p, p[model], seed);
        runs.push({ key: trainingKey(config), config, tags: { model, seed } });
      }
    }
    return runs;
  },

  execute: (run, ctx) => executeTraining(run.config, ctx),

  summarize(records, p) {
    return summarizeSeeds(records, p);
  },
};

/** Refuses a pair the predictor does not see as one normal and one strange model: the study compares the two. */
function checkModels(p: SeedStudyParams): void {
  const strange = predictStrange(p.strange, p.layers);
  if (!strange.predicted) {
    throw new InputError(
      `--strange ${p.strange} is not a strange model by the topology rule (its outputs are fed by at ` +
        `least ${strange.minOutputFanIn} last-hidden units, the rule needs <= ${STRANGE_MAX_OUTPUT_FAN_IN}), so there is no ` +
        `strange model among the options; pick one such as 10,10/1, or check a list with: radixnet diagnose LIST`,
    );
  }
  const normal = predictStrange(p.normal, p.layers);
  if (normal.predicted) {
    throw new InputError(
      `--normal ${p.normal} is predicted strange by the topology rule (an output fed by ` +
        `${normal.minOutputFanIn} last-hidden unit); pick a normal model such as 10,10/10`,
    );
  }
}

/** The seed-study summary (exported for tests). */
export function summarizeSeeds(
  records: readonly RunRecord[],
  p: SeedStudyParams,
): { text: string[]; data: Record<string, unknown> } {
  const text = [
    `${p.seeds.length} seeds x ${p.epochs} epochs (batch ${p.batch}); a seed ends strange when its final training ` +
      `accuracy is <= ${p.threshold}:`,
  ];
  const data: Record<string, unknown> = {};
  for (const model of MODELS) {
    const runs = records.filter((r) => r.tags?.model === model);
    const finals = runs
      .map((r) => {
        if (!r.final)
          throw new InputError(
            `record ${r.index} (${r.key}) has no final metrics; the summary needs final.trainAccuracy`,
          );
        return { seed: r.tags.seed as number, accuracy: r.final.trainAccuracy, test: r.final.testAccuracy };
      })
      .sort((a, b) => a.seed - b.seed);
    const ended = finals.filter((f) => isStrange(f.accuracy, p.threshold));
    const acc = finals.map((f) => f.accuracy);
    text.push(
      `  ${model} ${p[model]}: ${ended.length} of ${finals.length} seeds end strange` +
        (finals.length
          ? `; final training accuracy ${Math.min(...acc).toFixed(4)}-${Math.max(...acc).toFixed(4)}`
          : '') +
        (ended.length ? ` (strange seeds: ${ended.map((f) => f.seed).join(', ')})` : ''),
    );
    data[model] = {
      radices: p[model],
      seeds: finals.length,
      endStrange: ended.length,
      strangeSeeds: ended.map((f) => f.seed),
      finals,
    };
  }
  return { text, data };
}
