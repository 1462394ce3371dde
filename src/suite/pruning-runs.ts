// Running one pruning-comparison run on MNIST: the spec's config and tags to trainPruned's inputs, and its result to
// the outcome a record is made of. Shared by the pruning and saliency experiments.
import { dataKey } from '../data/source.js';
import { Engine } from '../engine/engine.js';
import type { Mlp } from '../engine/mlp.js';
import { InputError } from '../errors.js';
import { SparseMask } from '../topology/mask.js';
import { radixNet } from '../topology/radixnet.js';
import { maskSparsity } from '../analysis/pruning.js';
import type { RunContext, RunOutcome, RunSpec, Tags } from './experiment.js';
import { optimizerSpec, splitOf, testSetOf } from './mnist-train.js';
import { PRUNING_METHODS, trainPruned, type PruningMethod, type PruningRun } from './pruning-methods.js';

/** What a pruning run needs beyond its TrainConfig; stored in the run's tags so the spec alone redoes it. */
export interface PruningSettings {
  method: PruningMethod;
  /** 'all': every method matches the RadiX-Net in every layer; 'first': only the first layer is sparse (the rest full). */
  layersPruned: 'all' | 'first';
  fineTuneEpochs: number;
  frequency: number;
  power: number;
  pruneEnd: number;
  timingSteps: number;
}

/** The settings as tags (scalars), next to the experiment's own coordinates. */
export function settingsTags(s: PruningSettings): Tags {
  return { ...s };
}

function settingsOf(tags: Tags): PruningSettings {
  const method = tags.method as PruningMethod;
  if (!PRUNING_METHODS.includes(method))
    throw new InputError(`run tags name pruning method "${String(tags.method)}"; use ${PRUNING_METHODS.join(', ')}`);
  return {
    method,
    layersPruned: tags.layersPruned === 'first' ? 'first' : 'all',
    fineTuneEpochs: Number(tags.fineTuneEpochs),
    frequency: Number(tags.frequency),
    power: Number(tags.power),
    pruneEnd: Number(tags.pruneEnd),
    timingSteps: Number(tags.timingSteps),
  };
}

/**
 * Trains the run (config: the RadiX-Net of reference, dense-phase epochs, batch, optimizer, seed; tags: the settings)
 * on the context's MNIST and engine. `onTrained` sees the final model before it is disposed.
 */
export async function executePruning(
  run: RunSpec,
  ctx: RunContext,
  onTrained?: (model: Mlp) => Record<string, unknown>,
): Promise<RunOutcome> {
  const config = run.config;
  if (!config) throw new InputError('a pruning run needs a config');
  const source = ctx.datasets?.get(dataKey(config)) ?? ctx.mnist;
  if (!source) throw new Error('a pruning run needs its data in its context');
  const s = settingsOf(run.tags);
  const net = radixNet(config.radices, config.layers, { kron: config.kron });
  const reference =
    s.layersPruned === 'first' ? net.masks.map((m, l) => (l === 0 ? m : SparseMask.full(m.nIn, m.nOut))) : net.masks;
  const split = splitOf(source, config.validationSplit, config.trainSamples);
  const data = {
    train: split.train,
    validation: split.validation.count > 0 ? split.validation : null,
    test: testSetOf(source),
  };
  const pruningRun: PruningRun = {
    method: s.method,
    reference,
    epochs: config.epochs,
    fineTuneEpochs: s.fineTuneEpochs,
    batchSize: config.batchSize,
    optimizer: optimizerSpec(config),
    seed: config.seed,
    frequency: s.frequency,
    power: s.power,
    pruneEnd: s.pruneEnd,
    timingSteps: s.timingSteps,
  };
  const engine = ctx.engine ?? (await Engine.create({ threads: ctx.threads }));
  let extra: Record<string, unknown> = {};
  try {
    const r = trainPruned(engine, pruningRun, data, onTrained ? (m) => (extra = onTrained(m)) : undefined);
    const sp = maskSparsity(r.masks);
    const last = r.history[r.history.length - 1];
    return {
      config,
      topology: {
        // only the radixnet method runs on the RadiX-Net itself; the others only share its per-layer sizes
        radices:
          s.method === 'radixnet' && s.layersPruned === 'all'
            ? config.radices
            : `${s.method}${s.layersPruned === 'first' ? ' first layer' : ''} (as ${config.radices})`,
        sparsity: sp.overall,
        kroneckerSparsity: s.method === 'radixnet' && s.layersPruned === 'all' ? net.kroneckerSparsity : null,
        weights: sp.weights,
        denseWeights: sp.denseWeights,
        layerSparsity: sp.layers,
      },
      history: r.history,
      final: {
        trainAccuracy: last.accuracy,
        trainLoss: last.loss,
        valAccuracy: last.valAccuracy ?? null,
        valLoss: last.valLoss ?? null,
        testAccuracy: r.test.accuracy,
        testLoss: r.test.loss,
      },
      data: {
        reference: {
          radices: config.radices,
          sparsity: net.sparsity,
          layerSparsity: net.layerStats.map((l) => l.sparsity),
        },
        phases: r.phases,
        seconds: r.seconds,
        speedup: r.speedup,
        ...(r.schedules ? { schedules: r.schedules } : {}),
        ...extra,
      },
    };
  } finally {
    if (!ctx.engine) engine.close();
  }
}
