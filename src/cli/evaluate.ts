// `radixnet evaluate DIR`: reload a model saved by `radixnet train --save DIR` (or any tfjs LayersModel of
// RadixDense/Dense layers) and measure it on the MNIST test set.
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { importTfjs } from '../tfjs/lazy.js';
import { loadMnist, mnistDataset } from '../data/mnist.js';
import type { Io } from './io.js';
import { intOption } from './options.js';

export interface EvaluateOptions {
  /** The saved model's folder. */
  dir: string;
  data?: string;
  threads?: number;
}

/** What `evaluate` answers with. */
export interface EvaluateResult {
  dir: string;
  testLoss: number;
  testAccuracy: number;
  samples: number;
  /** Weights stored in the file, masked zeros included. */
  weights: number;
}

export async function evaluateRun(opts: EvaluateOptions, io: Io): Promise<void> {
  const { loadModel, evaluateFast } = await importTfjs('radixnet evaluate', () => import('../tfjs/index.js'));
  const model = await loadModel(opts.dir);
  // evaluation needs the loss the model was trained with; files saved without an optimizer carry none
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const inShape = model.inputs[0].shape;
  const outShape = model.outputs[0].shape;
  if (inShape[inShape.length - 1] !== 784 || outShape[outShape.length - 1] !== 10) {
    throw new InputError(
      `the model in ${opts.dir} maps ${inShape.slice(1).join('x')} inputs to ${outShape.slice(1).join('x')} outputs; MNIST needs 784 -> 10`,
    );
  }
  const test = mnistDataset((await loadMnist({ dir: opts.data })).test);
  const m = await evaluateFast(model, test.x, Int32Array.from(test.y), { threads: opts.threads });
  const data: EvaluateResult = {
    dir: opts.dir,
    testLoss: m.loss,
    testAccuracy: m.accuracy,
    samples: test.count,
    weights: model.countParams(),
  };
  io.result(
    data,
    (r) =>
      `${r.dir}: test accuracy ${r.testAccuracy.toFixed(4)}, loss ${r.testLoss.toFixed(4)} on ${r.samples} ` +
      `MNIST test images (${r.weights} stored weights incl. masked zeros)`,
  );
}

/** Adds `radixnet evaluate DIR` to the program. */
export function registerEvaluate(program: Command, io: Io): void {
  program
    .command('evaluate')
    .description(
      'reload a saved model (model.json + weights.bin) and report its loss and accuracy on the MNIST test set',
    )
    .argument('<dir>', 'the folder `radixnet train --save DIR` wrote')
    .option('--data <dir>', "MNIST directory (default: the loader's search order)")
    .option('--threads <n>', 'kernel threads', intOption('--threads', 1, 64))
    .option('--json', 'print the result as JSON (docs/cli.md)')
    .action((dir: string, f: Omit<EvaluateOptions, 'dir'>) =>
      evaluateRun({ dir, data: f.data, threads: f.threads }, io),
    );
}
