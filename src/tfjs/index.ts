// radixnet for TensorFlow.js users: RadiX-Net layers and masks in the tfjs code they already write, our kernels
// behind the RadixMatMul op, and a fast path that trains the same model on our fused engine.
//
//   import * as radixnet from 'radixnet/tfjs';
//   const model = radixnet.radixModel({ radices: '10,10/10', layers: [784, 300, 100, 10] });
//   await model.fit(x, y, { epochs: 1, batchSize: 100 });        // tfjs' loop, our op on cpu/wasm
//   await radixnet.fit(model, x, y, { epochs: 1, batchSize: 100 }); // our engine, same model and history shape
//
// Kept out of the package's main entry so that the CLI and engine users never load tfjs. TensorFlow.js is a peer:
// this entry runs on the user's own @tensorflow/tfjs-core (4.x, one copy; peer.ts checks both at import).
//
// Importing it has three side effects, all on the user's tfjs: it registers the RadixMatMul kernels for cpu and wasm
// and the RadixDense layer class (so tf.loadLayersModel finds it); it registers a `file://` save/load router
// (io.ts) unless tfjs-node's own is there; and it marks the cpu backend's "install tfjs-node" banner as shown.
export { Mask, type MaskSpec, type MaskValues } from './mask.js';
export { RadixDense, radixDense, type RadixDenseArgs, type InitializerLike } from './layer.js';
export { radixModel, saveModel, loadModel, type RadixModelArgs } from './model.js';
export { fit, evaluateFast, type RadixFitArgs, type RadixFitOptions, type RadixHistory } from './fit.js';
export {
  radixMatMul,
  maskId,
  setRadixThreads,
  profileRadixOps,
  radixKernelsActive,
  type Implementation,
  RADIX_MATMUL,
  RADIX_MATMUL_GRAD_INPUT,
  RADIX_MATMUL_GRAD_WEIGHTS,
  RADIX_BACKENDS,
} from './ops/radix_matmul.js';
export {
  useBackend,
  backendUnavailable,
  loadTfjsNode,
  currentBackend,
  KNOWN_BACKENDS,
  type BackendName,
} from './backends.js';
export { fileSystem, registerFileRouter, type SaveOptions } from './io.js';
export { checkSaveTarget, readModelFolder, modelTarget, type ModelTarget, type ModelFiles } from './model-folder.js';
