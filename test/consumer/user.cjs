// What a TensorFlow.js user writes (CommonJS): require() of the ESM-only radixnet/tfjs (Node >= 20.19).
const tf = require('@tensorflow/tfjs');
const radixnet = require('radixnet/tfjs');

async function main() {
  await tf.setBackend('cpu');
  const x = tf.randomUniform([128, 16], 0, 1, 'float32', 2);
  const y = tf.oneHot(tf.cast(tf.mod(tf.argMax(x, 1), 4), 'int32'), 4);
  const model = tf.sequential({
    layers: [
      radixnet.radixDense({ radices: '2,2/2', layers: [16, 16, 8, 4], layer: 0, activation: 'relu', inputShape: [16] }),
      tf.layers.dense({ units: 4, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.02), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const profile = radixnet.profileRadixOps(true);
  const h = await model.fit(x, y, { epochs: 6, batchSize: 32, verbose: 0 });
  console.log(JSON.stringify({ tfjs: tf.version.tfjs, calls: profile.calls, active: radixnet.radixKernelsActive(), loss: h.history.loss }));
}
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
