// `radixnet evaluate DIR`: reload a model saved by `radixnet train --save DIR` (or any tfjs LayersModel of
// RadixDense/Dense layers) and measure it on the MNIST test set.
import type { Io } from './io.js';
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { importTfjs } from '../tfjs/lazy.js';
import { loadMnist, mnistDataset } from '../data/mnist.js';
import { intOption } from './options.js';

export function registerEvaluate(program: Command, _io: Io): void {
  program
    .command('evaluate <dir>')
    .description('reload a saved model (model.json + weights.bin) and report its loss and accuracy on the MNIST test set')
    .option('--data <dir>', 'MNIST directory (default: the loader\'s search order)')
    .option('--threads <n>', 'kernel threads', intOption('--threads', 1, 64))
    .option('--json', 'print the result as JSON')
    .action(async (dir: string, o) => {
      const { loadModel, evaluateFast } = await importTfjs('radixnet evaluate', () => import('../tfjs/index.js'));
      const model = await loadModel(dir);
      // evaluation needs the loss the model was trained with; files saved without an optimizer carry none
      model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      const inShape = model.inputs[0].shape;
      const outShape = model.outputs[0].shape;
      if (inShape[inShape.length - 1] !== 784 || outShape[outShape.length - 1] !== 10) {
        throw new InputError(`the model in ${dir} maps ${inShape.slice(1).join('x')} inputs to ${outShape.slice(1).join('x')} outputs; MNIST needs 784 -> 10`);
      }
      const test = mnistDataset((await loadMnist({ dir: o.data })).test);
      const m = await evaluateFast(model, test.x, Int32Array.from(test.y), { threads: o.threads });
      const weights = model.countParams();
      if (o.json) console.log(JSON.stringify({ dir, testLoss: m.loss, testAccuracy: m.accuracy, samples: test.count }));
      else console.log(`${dir}: test accuracy ${m.accuracy.toFixed(4)}, loss ${m.loss.toFixed(4)} on ${test.count} MNIST test images (${weights} stored weights incl. masked zeros)`);
    });
}
