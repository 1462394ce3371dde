// What a TensorFlow.js user writes (ESM): the umbrella package, radixnet/tfjs beside it.
import * as tf from '@tensorflow/tfjs';
import * as radixnet from 'radixnet/tfjs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

await tf.setBackend('cpu');
const x = tf.randomUniform([256, 16], 0, 1, 'float32', 1);
const y = tf.cast(tf.mod(tf.argMax(x, 1), 4), 'float32');
const model = tf.sequential({
  layers: [
    radixnet.radixDense({ radices: '2,2/2', layers: [16, 16, 8, 4], layer: 0, activation: 'relu', inputShape: [16] }),
    radixnet.radixDense({ radices: '2,2/2', layers: [16, 16, 8, 4], layer: 1, activation: 'relu' }),
    radixnet.radixDense({ radices: '2,2/2', layers: [16, 16, 8, 4], layer: 2, activation: 'softmax' }),
  ],
});
model.compile({ optimizer: tf.train.adam(0.02), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
const profile = radixnet.profileRadixOps(true);
const h = await model.fit(x, y, { epochs: 8, batchSize: 32, verbose: 0 });
const calls = profile.calls;
radixnet.profileRadixOps(false);
const fast = await radixnet.fit(model, x, y, {
  epochs: 20, batchSize: 32, verbose: 0, validationSplit: 0.25,
  callbacks: [tf.callbacks.earlyStopping({ monitor: 'val_loss', patience: 0, minDelta: 10 })],
});
const dir = join(mkdtempSync(join(tmpdir(), 'radixnet-user-')), 'model');
await model.save(`file://${dir}`);
const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
const same = tf.max(tf.abs(tf.sub(model.predict(x), loaded.predict(x)))).dataSync()[0];
console.log(JSON.stringify({
  tfjs: tf.version.tfjs, calls, active: radixnet.radixKernelsActive(), loss: h.history.loss,
  fastIsHistory: fast instanceof tf.History, fastEpochs: fast.epoch, reloadDiff: same,
}));
