// Saving and loading tfjs models as files (model.json + a weights file) without tfjs-node: tfjs' own `file://`
// handler lives in tfjs-node, whose installer needs network access. This is the same format, so the two read each
// other's files. Registered for `file://` URLs whenever the tensorflow backend (tfjs-node) is not there to handle them.
// The file system side (checked targets, atomic replacement, locking, hostile-input-safe reads) is model-folder.ts.
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../errors.js';
import { formatBytes, LIMITS } from '../topology/cost.js';
import { readModelFolder, writeModelFolder } from './model-folder.js';
import { checkModelFormat, MODEL_FORMAT, packWeights, unpackWeights, type FormatField } from './sparse-weights.js';

/** Options of a save through fileSystem. */
export interface SaveOptions {
  /** Save into a folder that already holds another model (under another file name). */
  force?: boolean;
}

/**
 * An IOHandler for a model folder holding model.json and its weights (`path` may also name the .json file, whose
 * folder is then the model's). Pass it to `model.save` and `tf.loadLayersModel`. Saves replace a model atomically;
 * loads check every path and size before reading (see model-folder.ts).
 */
export function fileSystem(path: string, opts: SaveOptions = {}): tf.io.IOHandler {
  if (typeof path !== 'string' || path === '')
    throw new InputError(`fileSystem: path must be a non-empty string, got ${JSON.stringify(path)}`);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new InputError('fileSystem: this handler saves Layers models (JSON topology), not binary graph models');
      }
      // what is written (radixDense kernels as their nonzeros) is sparse-weights.ts' business
      const { weightSpecs, weightData } = packWeights(artifacts);
      const modelJSON = {
        radixnet: { format: MODEL_FORMAT },
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      await writeModelFolder(path, modelJSON, weightSpecs, new Uint8Array(weightData), opts);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON({ ...artifacts, weightSpecs, weightData }) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const files = readModelFolder(path);
      checkModelFormat(files.modelJSON as FormatField, files.jsonPath);
      checkTopologyCost(files.modelJSON.modelTopology, files.jsonPath);
      const weights = unpackWeights(
        files.modelJSON.modelTopology,
        files.weightSpecs as tf.io.WeightsManifestEntry[],
        files.weightData,
        files.jsonPath,
      );
      return tf.io.getModelArtifactsForJSON(files.modelJSON as unknown as tf.io.ModelJSON, async () => [
        weights.weightSpecs,
        weights.weightData,
      ]);
    },
  };
}

/**
 * Refuses a topology whose layers would allocate more than LIMITS.memoryBytes before tfjs builds them: each dense or
 * RadixDense layer makes a float32 kernel [inputs, units] (and a mask of that size) before its weights are set.
 */
function checkTopologyCost(topology: object, jsonPath: string): void {
  const config = (topology as { config?: unknown }).config;
  const layers = Array.isArray(config) ? config : (config as { layers?: unknown })?.layers;
  if (!Array.isArray(layers)) return;
  let dim = 0;
  let elements = 0;
  for (const layer of layers) {
    const cfg = (layer as { config?: Record<string, unknown> })?.config;
    if (!cfg || typeof cfg !== 'object') continue;
    const shape = cfg.batch_input_shape ?? cfg.batchInputShape;
    if (Array.isArray(shape) && typeof shape[shape.length - 1] === 'number') dim = shape[shape.length - 1] as number;
    const mask = cfg.mask as Record<string, unknown> | undefined;
    const maskLayers = mask?.layers as unknown[] | undefined;
    const at = Number(mask?.layer);
    const maskIn = Number(mask?.n_in ?? mask?.nIn ?? (Array.isArray(maskLayers) ? maskLayers[at] : NaN));
    const maskOut = Number(mask?.n_out ?? mask?.nOut ?? (Array.isArray(maskLayers) ? maskLayers[at + 1] : NaN));
    if (maskIn > 0 && maskOut > 0) elements += 2 * maskIn * maskOut;
    const units = Number(cfg.units ?? maskOut);
    if (units > 0) {
      elements += (dim || 1) * units;
      dim = units;
    }
  }
  const bytes = elements * 4;
  if (!(bytes <= LIMITS.memoryBytes)) {
    throw new InputError(
      `${jsonPath}: modelTopology's layers would take about ${formatBytes(bytes)} to build, over the ${formatBytes(LIMITS.memoryBytes)} limit (RADIXNET_MAX_MEMORY_BYTES); the file is damaged or not meant for this machine`,
    );
  }
}

const SCHEME = 'file://';

/** Routes `file://` URLs to fileSystem, unless tfjs-node's own handler is there (two handlers for one URL fail). */
function fileRouter(url: string | string[]): tf.io.IOHandler {
  if (typeof url !== 'string' || !url.startsWith(SCHEME) || tf.findBackendFactory('tensorflow'))
    return null as unknown as tf.io.IOHandler;
  return fileSystem(url.slice(SCHEME.length));
}

let registered = false;
/** Makes `model.save('file://dir')` and `tf.loadLayersModel('file://dir/model.json')` work in pure tfjs. Idempotent. */
export function registerFileRouter(): void {
  if (registered) return;
  registered = true;
  tf.io.registerSaveRouter(fileRouter);
  tf.io.registerLoadRouter(fileRouter);
}
registerFileRouter();
