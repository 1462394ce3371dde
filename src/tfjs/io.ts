// Saving and loading tfjs models as files (model.json + weights.bin) without tfjs-node: tfjs' own `file://` handler
// lives in tfjs-node, whose installer needs network access. This is the same format, so the two read each other's
// files. Registered for `file://` URLs whenever the tensorflow backend (tfjs-node) is not there to handle them.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../errors.js';

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

/**
 * An IOHandler for a directory holding model.json and weights.bin (`path` may also name the model.json itself when
 * loading). Pass it to `model.save` and `tf.loadLayersModel`.
 */
export function fileSystem(path: string): tf.io.IOHandler {
  if (typeof path !== 'string' || path === '') throw new InputError(`fileSystem: path must be a non-empty string, got ${JSON.stringify(path)}`);
  const target = resolve(path);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new InputError('fileSystem: this handler saves Layers models (JSON topology), not binary graph models');
      }
      const dir = target.endsWith('.json') ? dirname(target) : target;
      mkdirSync(dir, { recursive: true });
      const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJSON: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      writeFileSync(join(dir, WEIGHTS_BIN), new Uint8Array(weightData));
      // the JSON last: a reader that finds model.json finds complete weights next to it
      writeFileSync(join(dir, target.endsWith('.json') ? basename(target) : MODEL_JSON), JSON.stringify(modelJSON));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonPath = isDirectory(target) ? join(target, MODEL_JSON) : target;
      let modelJSON: tf.io.ModelJSON;
      try {
        modelJSON = JSON.parse(readFileSync(jsonPath, 'utf8')) as tf.io.ModelJSON;
      } catch (err) {
        const code = (err as { code?: string }).code;
        throw new InputError(code === 'ENOENT'
          ? `no saved model at ${jsonPath}: save one with model.save('file://${dirname(jsonPath)}')`
          : `cannot read the model at ${jsonPath}: ${(err as Error).message}`);
      }
      if (!modelJSON || typeof modelJSON !== 'object' || !modelJSON.modelTopology) {
        throw new InputError(`${jsonPath} is not a tfjs model.json (it has no modelTopology)`);
      }
      const dir = dirname(jsonPath);
      return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const bytes = readFileSync(join(dir, p));
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
          }
        }
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

const SCHEME = 'file://';

/** Routes `file://` URLs to fileSystem, unless tfjs-node's own handler is there (two handlers for one URL fail). */
function fileRouter(url: string | string[]): tf.io.IOHandler {
  if (typeof url !== 'string' || !url.startsWith(SCHEME) || tf.findBackendFactory('tensorflow')) return null as unknown as tf.io.IOHandler;
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
