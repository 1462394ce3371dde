// What the training experiments share: the paper's training parameters (every one overridable), the TrainConfig and
// key of a run, and executing a run on the worker's engine and MNIST.
import { InputError } from '../errors.js';
import { dataKey, DATASETS } from '../data/source.js';
import type { ParamSpec, RunContext, RunOutcome } from './experiment.js';
import { formatRadixList, parseRadixList } from '../topology/radix.js';
import { radixNetSparsity } from '../topology/radixnet.js';
import { PAPER_PRESET, trainMnist, type TrainConfig } from './mnist-train.js';
import { choiceParam, countOrAllParam, intParam, positiveParam, sizesParam } from './param-specs.js';

/** Training parameters of an experiment (the paper's protocol unless overridden). */
export interface TrainingParams extends Record<string, unknown> {
  layers: number[];
  epochs: number;
  batch: number;
  optimizer: 'adam' | 'sgd';
  lr: number;
  /** First N MNIST training samples only (null: all 60000); --quick uses a subset to run in seconds. */
  trainSamples: number | null;
  /** First N MNIST test samples only (null: all 10000). */
  testSamples: number | null;
  /**
   * A named dataset other than MNIST (`--dataset fashion-mnist`). Absent for MNIST, so that the plan ids of MNIST
   * experiments stay what they were; `--data DIR` says where its files are.
   */
  dataset?: string;
}

export const TRAINING_DEFAULTS: TrainingParams = {
  layers: PAPER_PRESET.layers,
  epochs: PAPER_PRESET.epochs,
  batch: PAPER_PRESET.batchSize,
  optimizer: PAPER_PRESET.optimizer,
  lr: PAPER_PRESET.lr,
  trainSamples: null,
  testSamples: null,
};

export const TRAINING_PARAMS: Record<keyof TrainingParams & string, ParamSpec> = {
  layers: sizesParam('layers', 'layer sizes n_0..n_L'),
  epochs: intParam('epochs', 'epochs per run', 1, 10000),
  batch: intParam('batch', 'batch size', 1, 65536),
  optimizer: choiceParam('optimizer', 'adam or sgd', ['adam', 'sgd']),
  lr: positiveParam('lr', 'learning rate'),
  trainSamples: countOrAllParam('train-samples', 'train on the first N MNIST training samples ("all": 60000)', 10),
  testSamples: countOrAllParam('test-samples', 'test on the first N MNIST test samples ("all": 10000)', 1),
  dataset: datasetParam(),
};

/** `--dataset NAME`: one of DATASETS; `mnist` parses to undefined (the default, absent from params and plan ids). */
function datasetParam(): ParamSpec {
  const choice = choiceParam(
    'dataset',
    `the dataset: ${DATASETS.join(' or ')} (default mnist; --data DIR: where its files are)`,
    DATASETS,
  );
  return { ...choice, parse: (text) => (text === 'mnist' ? undefined : choice.parse(text)) };
}

/** The full TrainConfig of one run (paper protocol, the experiment's training parameters, a radix list and a seed). */
export function trainingConfig(p: TrainingParams, radices: string, seed: number): TrainConfig {
  const config: TrainConfig = {
    ...PAPER_PRESET,
    radices,
    layers: p.layers,
    epochs: p.epochs,
    batchSize: p.batch,
    optimizer: p.optimizer,
    lr: p.lr,
    seed,
  };
  if (p.trainSamples !== null) config.trainSamples = p.trainSamples;
  if (p.testSamples !== null) config.testSamples = p.testSamples;
  if (p.dataset !== undefined && p.dataset !== 'mnist') config.dataset = p.dataset;
  return config;
}

/** The stable key of a training run: radix list, seed, epochs, batch. */
export function trainingKey(config: TrainConfig): string {
  return `${config.radices}|seed=${config.seed}|epochs=${config.epochs}|batch=${config.batchSize}`;
}

/**
 * The outcome of training `config` from that of a twin config: identical masks and settings train identically (same
 * init, same batches, same kernels), so only the radix list and the untrimmed (Kronecker) sparsity can differ.
 */
export function twinTraining(outcome: RunOutcome, config: TrainConfig | undefined): RunOutcome {
  if (!config) throw new Error('a training run needs a config');
  const list = parseRadixList(config.radices);
  const { sparsity, kroneckerSparsity } = radixNetSparsity(list, config.layers, config.kron);
  return {
    ...outcome,
    config,
    topology: { ...outcome.topology, radices: formatRadixList(list), sparsity, kroneckerSparsity },
  };
}

/** Trains one run's config on the context's MNIST and engine; the outcome a record is made of. */
export async function executeTraining(config: TrainConfig | undefined, ctx: RunContext): Promise<RunOutcome> {
  if (!config) throw new InputError('a training run needs a config');
  const data = ctx.datasets?.get(dataKey(config));
  if (!data && !ctx.mnist) throw new Error('a training run needs its data in its context');
  const r = await trainMnist(config, { mnist: ctx.mnist ?? undefined, data, engine: ctx.engine });
  return { config: r.config, topology: r.topology, history: r.history, final: r.final };
}
