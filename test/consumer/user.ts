// What a TypeScript user writes: tfjs' own types flow into radixnet's and back (one copy of tfjs-core's types).
import * as tf from '@tensorflow/tfjs';
import * as radixnet from 'radixnet/tfjs';

export async function train(x: tf.Tensor2D, y: tf.Tensor1D): Promise<tf.History> {
  const model: tf.Sequential = radixnet.radixModel({ radices: '2,2/2', layers: [16, 16, 8, 4] });
  const hidden: tf.layers.Layer = radixnet.radixDense({ radices: '2,2/2', layers: [16, 16, 8, 4], layer: 0 });
  const other = tf.sequential({ layers: [hidden, tf.layers.dense({ units: 4 })] });
  const args: tf.ModelFitArgs = {
    epochs: 2,
    batchSize: 32,
    callbacks: [tf.callbacks.earlyStopping()],
    validationSplit: 0.1,
  };
  const mask: radixnet.Mask = radixnet.Mask.random(16, 8, 0.5, 1);
  const product: tf.Tensor2D = radixnet.radixMatMul(x, tf.zeros([16, 8]) as tf.Tensor2D, mask);
  product.dispose();
  other.dispose();
  await model.fit(x, y, args);
  return radixnet.fit(model, x, y, args);
}
