// The paper's CustomModel as a tfjs model (docs/training.md): one radixDense per weight layer, no bias,
// kernels drawn from normal(0, 0.05), ReLU hidden layers, softmax output, compiled with Adam 1e-3 and sparse
// categorical cross-entropy. Plus saving and loading through files without tfjs-node.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '../errors.js';
import { DEFAULT_SEED } from '../random.js';
import type { RadixList } from '../topology/radix.js';
import { fileSystem } from './io.js';
import { oneLine } from './model-folder.js';
import { radixDense } from './layer.js';
import { Mask } from './mask.js';
import type { Implementation } from './ops/radix_matmul.js';

export interface RadixModelArgs {
  /** Radix list ('10,10/10' or [[10,10],[10]]), or 'dense' for every layer dense. Ignored when `masks` is given. */
  radices?: string | RadixList;
  /** Layer sizes n_0..n_L (default LeNet-300-100: [784, 300, 100, 10]). */
  layers?: number[];
  /** Kronecker widths B_0..B_L (default ceil(n_l / N)). */
  kron?: number[];
  /** Or any masks, one per weight layer (random, pruned, your own); null for a dense layer. */
  masks?: (Mask | null)[];
  /** Seed of the kernel init (layer l uses seed + l); default 100. */
  seed?: number;
  /** Kernel init standard deviation (default 0.05, Keras' random_normal). */
  stddev?: number;
  useBias?: boolean;
  /** Where each layer's matmul runs (default 'auto': our kernels on cpu/wasm). */
  implementation?: Implementation;
  /** Compile with Adam(learningRate, 0.9, 0.999, 1e-7), sparse categorical cross-entropy and accuracy (default true). */
  compile?: boolean;
  learningRate?: number;
}

/** Builds (and by default compiles) the paper's model: x [batch, n_0] -> class probabilities [batch, n_L]. */
export function radixModel(args: RadixModelArgs = {}): tfl.Sequential {
  const layers = args.layers ?? [784, 300, 100, 10];
  if (!Array.isArray(layers) || layers.length < 2)
    throw new InputError(`radixModel: layers must list at least 2 sizes, got ${JSON.stringify(layers)}`);
  const masks = modelMasks(args, layers);
  const seed = args.seed ?? DEFAULT_SEED;
  const stddev = args.stddev ?? 0.05;
  const L = layers.length - 1;
  const model = tfl.sequential();
  for (let l = 0; l < L; l++) {
    model.add(
      radixDense({
        mask: masks[l],
        activation: l < L - 1 ? 'relu' : 'softmax',
        useBias: args.useBias ?? false,
        kernelInitializer: tfl.initializers.randomNormal({ mean: 0, stddev, seed: seed + l }),
        implementation: args.implementation,
        ...(l === 0 ? { inputShape: [layers[0]] } : {}),
      }),
    );
  }
  if (args.compile ?? true) {
    model.compile({
      optimizer: tf.train.adam(args.learningRate ?? 1e-3, 0.9, 0.999, 1e-7),
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
    });
  }
  return model;
}

function modelMasks(args: RadixModelArgs, layers: number[]): Mask[] {
  const L = layers.length - 1;
  if (args.masks) {
    if (args.masks.length !== L)
      throw new InputError(
        `radixModel: got ${args.masks.length} masks for ${L} weight layers (layers ${layers.join(',')})`,
      );
    return args.masks.map((m, l) => {
      const shape: [number, number] = [layers[l], layers[l + 1]];
      return m ? Mask.from(m, shape) : Mask.full(shape[0], shape[1]);
    });
  }
  const radices = args.radices ?? '10,10/10';
  if (typeof radices === 'string' && radices.trim().toLowerCase() === 'dense') {
    return layers.slice(0, L).map((n, l) => Mask.full(n, layers[l + 1]));
  }
  return Mask.radix(radices, layers, { kron: args.kron });
}

/**
 * Saves a model to `dir` (model.json + its weights file), with tfjs-node or without, replacing a model there
 * atomically. With `includeOptimizer` the training config and optimizer state are saved too, so the loaded model
 * trains on without a compile; `force` allows a folder that holds another model (see checkSaveTarget).
 */
export function saveModel(
  model: tfl.LayersModel,
  dir: string,
  opts: { includeOptimizer?: boolean; force?: boolean } = {},
): Promise<tf.io.SaveResult> {
  return model.save(fileSystem(dir, { force: opts.force }), { includeOptimizer: opts.includeOptimizer ?? false });
}

/**
 * Loads a model saved by saveModel or by tfjs' file:// handler (`dir` or its model.json); compiled if saved with its
 * optimizer. A damaged or foreign file is an InputError naming the file and tfjs' complaint, never random weights.
 */
export async function loadModel(dir: string): Promise<tfl.LayersModel> {
  try {
    return await tfl.loadLayersModel(fileSystem(dir));
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(
      `cannot rebuild the model saved in ${dir}: ${oneLine(err)}; the model file is damaged or was not saved by radixnet or tfjs`,
    );
  }
}
