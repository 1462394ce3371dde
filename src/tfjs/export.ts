// Our engine's trained weights as a tfjs model on disk: the paper's model built with the same masks, the weights set,
// saved as model.json + its weights file that tf.loadLayersModel (with radixnet's layer registered) or loadModel reads.
import * as tf from '@tensorflow/tfjs-core';
import { radixModel } from './model.js';
import { saveModel } from './model.js';

export interface ExportSpec {
  /** Radix list text, or 'dense'. The model file stores RadiX-Net masks by this recipe. */
  radices: string;
  layers: number[];
  kron?: number[];
  bias: boolean;
}

/**
 * Saves trained weights (per layer: dense [n_l, n_{l+1}] kernel with zeros off the mask, optional bias) as a tfjs
 * model in `dir` (replacing a model there atomically; `force`: see checkSaveTarget); `metadata` goes into model.json's
 * userDefinedMetadata. Returns the files' total size in bytes.
 */
export async function saveWeightsAsModel(
  weights: { kernel: Float32Array; bias?: Float32Array }[],
  spec: ExportSpec,
  dir: string,
  opts: { force?: boolean; metadata?: object } = {},
): Promise<number> {
  const model = radixModel({
    radices: spec.radices,
    layers: spec.layers,
    kron: spec.kron,
    useBias: spec.bias,
    compile: false,
  });
  try {
    // model.json's userDefinedMetadata: what a reader needs to prepare inputs as the training data was (radixnet predict)
    if (opts.metadata) model.setUserDefinedMetadata(opts.metadata);
    const tensors = weights.flatMap((w, l) => {
      const kernel = tf.tensor2d(w.kernel, [spec.layers[l], spec.layers[l + 1]]);
      return w.bias ? [kernel, tf.tensor1d(w.bias)] : [kernel];
    });
    model.setWeights(tensors);
    tf.dispose(tensors);
    const result = await saveModel(model, dir, opts);
    return (result.modelArtifactsInfo.modelTopologyBytes ?? 0) + (result.modelArtifactsInfo.weightDataBytes ?? 0);
  } finally {
    model.dispose();
  }
}
