// Sparse saved models: a radixDense kernel is written as its mask's nonzeros, so the weights file is about nnz * 4 bytes;
// reloads give identical predictions; dense saves of format 1 still load; a newer format and a plain tfjs loader
// fail with clear errors.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '../src/errors.js';
import { Rng } from '../src/random.js';
import { Mask } from '../src/tfjs/mask.js';
import { radixDense } from '../src/tfjs/layer.js';
import { radixModel, saveModel, loadModel } from '../src/tfjs/model.js';
import { useBackend } from '../src/tfjs/backends.js';

function inputs(n: number, features: number, seed: number): tf.Tensor2D {
  const rng = new Rng(seed);
  return tf.tensor2d(
    Float32Array.from({ length: n * features }, () => 2 * rng.next() - 1),
    [n, features],
  );
}

/** The weights file a saved model's manifest names (one group, one file). */
function weightsFile(path: string): string {
  const json = JSON.parse(readFileSync(join(path, 'model.json'), 'utf8'));
  return join(path, json.weightsManifest[0].paths[0]);
}

function predictions(model: tfl.LayersModel, x: tf.Tensor): number[] {
  return Array.from((model.predict(x) as tf.Tensor).dataSync());
}

/** The artifacts tfjs hands a save handler: what a format-1 (plain tfjs, dense) save of `model` holds. */
async function denseArtifacts(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return saved!;
}

describe('tfjs sparse saves', function () {
  let dir: string;
  before(async () => {
    await useBackend('cpu');
    dir = mkdtempSync(join(tmpdir(), 'radixnet-save-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("writes a RadiX-Net's kernels as their nonzeros: the weights file is nnz * 4 bytes, 10x below dense, and reloads exactly", async () => {
    const model = radixModel({ radices: '10,10/10', seed: 3 });
    const x = inputs(16, 784, 1);
    await model.fit(x, tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5]), {
      epochs: 1,
      batchSize: 8,
      verbose: 0,
    });
    const path = join(dir, 'lenet');
    await saveModel(model, path);
    // 23,520 + 3,000 + 100 connections of the 266,200 of LeNet-300-100
    expect(statSync(weightsFile(path)).size).to.equal(26620 * 4);
    const json = JSON.parse(readFileSync(join(path, 'model.json'), 'utf8'));
    expect(json.radixnet).to.deep.equal({ format: 2 });
    expect(json.weightsManifest[0].weights[0]).to.deep.include({
      shape: [23520],
      dtype: 'float32',
      radixnet: { packed: 'mask-nonzeros', shape: [784, 300] },
    });
    const loaded = await loadModel(path);
    expect(predictions(loaded, x)).to.deep.equal(predictions(model, x));
    // equal values (masked entries may come back +0 where the masking multiply left -0)
    loaded.layers.forEach((l, k) => {
      const a = l.getWeights()[0].dataSync();
      const b = model.layers[k].getWeights()[0].dataSync();
      expect(
        a.every((v, i) => v === b[i]),
        `layer ${k}`,
      ).to.equal(true);
    });
  });

  it('keeps Dense layers, biases and the optimizer dense beside packed kernels, and trains on identically after a reload', async () => {
    const model = tfl.sequential({
      layers: [
        radixDense({ mask: Mask.random(30, 20, 0.25, 2), activation: 'relu', inputShape: [30] }),
        tfl.layers.dense({ units: 4, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = inputs(24, 30, 4);
    const y = tf.tensor1d(Array.from({ length: 24 }, (_, b) => b % 4));
    await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    const path = join(dir, 'mixed');
    await saveModel(model, path, { includeOptimizer: true });
    const entries = JSON.parse(readFileSync(join(path, 'model.json'), 'utf8')).weightsManifest[0].weights as {
      shape: number[];
      radixnet?: object;
    }[];
    expect(entries.filter((e) => e.radixnet).map((e) => e.shape)).to.deep.equal([[150]]);
    // kernel 150 + bias 20 + dense 20x4 + 4, then Adam's iteration count and m, v of the 4 weights
    expect(statSync(weightsFile(path)).size).to.equal((150 + 20 + 80 + 4 + 1 + 2 * (600 + 20 + 80 + 4)) * 4);
    const loaded = await loadModel(path);
    expect(predictions(loaded, x)).to.deep.equal(predictions(model, x));
    await loaded.fit(x, y, { epochs: 1, batchSize: 24, shuffle: false, verbose: 0 });
    await model.fit(x, y, { epochs: 1, batchSize: 24, shuffle: false, verbose: 0 });
    const diff = Math.max(
      ...(tf.abs(tf.sub(loaded.layers[0].getWeights()[0], model.layers[0].getWeights()[0])).dataSync() as Float32Array),
    );
    expect(diff).to.be.below(1e-6);
  });

  it('still loads a dense save of format 1 (what radixnet and tfjs wrote before)', async () => {
    const model = radixModel({ layers: [40, 20, 5], masks: [Mask.random(40, 20, 0.3, 5), null], seed: 6 });
    const a = await denseArtifacts(model);
    const path = join(dir, 'old');
    mkdirSync(path, { recursive: true });
    writeFileSync(join(path, 'weights.bin'), new Uint8Array(a.weightData as ArrayBuffer));
    writeFileSync(
      join(path, 'model.json'),
      JSON.stringify({
        modelTopology: a.modelTopology,
        format: a.format,
        weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
      }),
    );
    expect(statSync(join(path, 'weights.bin')).size).to.equal((800 + 100) * 4);
    const x = inputs(5, 40, 7);
    expect(predictions(await loadModel(path), x)).to.deep.equal(predictions(model, x));
  });

  it('refuses a model saved by a newer format, naming both versions', async () => {
    const path = join(dir, 'future');
    await saveModel(radixModel({ layers: [16, 16, 8, 4], radices: '2,2/2', seed: 1 }), path);
    const json = JSON.parse(readFileSync(join(path, 'model.json'), 'utf8'));
    writeFileSync(join(path, 'model.json'), JSON.stringify({ ...json, radixnet: { format: 3 } }));
    let err: unknown;
    await loadModel(path).catch((e) => (err = e));
    expect(err).to.be.instanceOf(InputError);
    expect((err as Error).message).to.match(
      /future\/model.json was saved in radixnet model format 3, but this radixnet reads formats 1 to 2: upgrade radixnet/,
    );
  });

  it('makes a plain tfjs loader fail on a packed kernel (shape mismatch), not read wrong weights', async () => {
    const path = join(dir, 'plain');
    await saveModel(radixModel({ layers: [16, 16, 8, 4], radices: '2,2/2', seed: 2 }), path);
    const json = JSON.parse(readFileSync(join(path, 'model.json'), 'utf8'));
    const bin = readFileSync(weightsFile(path));
    const memory = tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length),
    });
    let err: unknown;
    await tfl.loadLayersModel(memory).catch((e) => (err = e));
    expect((err as Error).message).to.match(/Shape mismatch: \[16,16\] vs\. \[\d+\]/);
  });

  it('without radixnet/tfjs imported, tfjs says "Unknown layer: RadixDense" (docs/library.md names the fix)', () => {
    const model = {
      modelTopology: {
        class_name: 'Sequential',
        config: {
          name: 's',
          layers: [{ class_name: 'RadixDense', config: { name: 'r', units: 2, batch_input_shape: [null, 2] } }],
        },
      },
    };
    const r = spawnSync(
      process.execPath,
      [
        '-e',
        `
      const tf = require('@tensorflow/tfjs-core'); require('@tensorflow/tfjs-backend-cpu'); const tfl = require('@tensorflow/tfjs-layers');
      tfl.loadLayersModel(tf.io.fromMemory(${JSON.stringify(model)})).then(() => console.log('loaded'), (e) => console.log('ERR ' + e.message));`,
      ],
      { encoding: 'utf8', timeout: 30000 },
    );
    expect(r.stdout).to.match(/ERR Unknown layer: RadixDense\. This may be due to one of the following reasons/);
  });
});
