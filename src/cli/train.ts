// `radixnet train`: the paper's main job (RadiX-Net LeNet-300-100 on MNIST) with every setting overridable.
import type { Command } from 'commander';
import { PAPER_PRESET, trainMnist, type TrainConfig, type TrainHooks, type TrainResult } from '../suite/mnist-train.js';
import type { CompareRow } from '../suite/compare.js';
import { InputError } from '../errors.js';
import { checkSaveTarget, modelTarget } from '../tfjs/model-folder.js';
import { importTfjs } from '../tfjs/lazy.js';
import type { Bar, Io } from './io.js';
import { choiceOption, intOption, numberOption, sizesOption } from './options.js';
import { isUserData, type DataSpec } from '../data/source.js';
import { addDataOptions, dataSpecFromOptions } from './data-options.js';

const BACKENDS = ['ours', 'cpu', 'wasm', 'tensorflow'] as const;

export interface TrainOptions {
  /** Radix list text, or "dense". */
  radices: string;
  /** All layer sizes (default: the paper's on MNIST); or `hidden`, the hidden sizes only (the ends come from the data). */
  layers?: number[];
  hidden?: number[];
  kron?: number[];
  epochs: number;
  batch: number;
  lr: number;
  optimizer: 'adam' | 'sgd';
  momentum: number;
  seed: number;
  threads?: number;
  bias: boolean;
  init: 'normal' | 'glorot-uniform';
  validationSplit: number;
  /** What to train on (src/data/source.ts; MNIST when empty). */
  spec: DataSpec;
  /** Stop after this many epochs without a lower validation loss, keeping the best epoch's weights. */
  earlyStopping?: number;
  /** ours (our engine), or tfjs model.fit on one of its backends. */
  backend: (typeof BACKENDS)[number];
  /** Folder to save the trained model in (tfjs format). */
  save?: string;
  /** Write a checkpoint into the save folder every this many epochs (and after the last). */
  checkpointEvery?: number;
  /** Continue from the checkpoint in this folder (and save there unless `save` says otherwise). */
  resume?: string;
  force: boolean;
}

/** What `train` answers with: the whole result with our engine, the comparison row with a tfjs backend. */
export type TrainAnswer = TrainResult | CompareRow;

export async function trainRun(opts: TrainOptions, io: Io): Promise<void> {
  // a resumed run goes on saving where it was saving
  if (opts.resume !== undefined && opts.save === undefined) opts = { ...opts, save: opts.resume };
  if (opts.checkpointEvery !== undefined && opts.save === undefined)
    throw new InputError('--checkpoint-every writes into the --save folder: give --save DIR (or --resume DIR)');
  // a save that would fail must fail now, not after the training it was meant to keep
  if (opts.save) checkSaveTarget(opts.save, { force: opts.force });
  if (opts.backend !== 'ours') return trainOnTfjs(opts, io);
  const config: TrainConfig = {
    radices: opts.radices,
    ...layersOf(opts),
    kron: opts.kron,
    epochs: opts.epochs,
    batchSize: opts.batch,
    optimizer: opts.optimizer,
    lr: opts.lr,
    momentum: opts.momentum,
    seed: opts.seed,
    bias: opts.bias,
    init: opts.init,
    validationSplit: opts.validationSplit,
    threads: opts.threads,
    ...opts.spec,
    ...(opts.earlyStopping !== undefined ? { earlyStopping: opts.earlyStopping } : {}),
  };
  const hooks = progressHooks(io);
  const save = opts.save;
  if (opts.resume !== undefined) hooks.resume = opts.resume;
  if (opts.checkpointEvery !== undefined && save) {
    hooks.checkpoint = { dir: modelTarget(save).dir, every: opts.checkpointEvery };
    hooks.onCheckpoint = (path, epoch) => io.info(`checkpoint of epoch ${epoch} written to ${path}`);
  }
  if (save) {
    // tfjs is loaded only when saving (the training path never pays for it), and before training: a missing
    // TensorFlow.js is reported before minutes are spent
    const { saveWeightsAsModel } = await importTfjs('radixnet train --save', () => import('../tfjs/export.js'));
    hooks.onTrained = async (model, data) => {
      // model.json's metadata says how the inputs were scaled, so radixnet predict prepares new samples the same way
      const metadata = {
        radixnet: {
          data: {
            name: data.name,
            scale: data.scale,
            ...(data.stats ? { stats: data.stats } : {}),
            features: data.train.features,
            classes: data.train.classes,
          },
        },
      };
      const bytes = await saveWeightsAsModel(
        model.getWeights(),
        { radices: config.radices, layers: [...model.config.sizes], kron: config.kron, bias: config.bias },
        save,
        { force: opts.force, metadata },
      );
      io.info(`saved the model to ${save} (${(bytes / 1024).toFixed(0)} KiB, tfjs format)`);
    };
  }
  const result = await trainMnist(config, hooks);
  io.result<TrainAnswer>(result, () => summary(result));
}

/** Adds `radixnet train` to the program. */
export function registerTrain(program: Command, io: Io): void {
  const p = PAPER_PRESET;
  const cmd = program
    .command('train')
    .description(
      'train a RadiX-Net on MNIST (default: the paper preset, 10,10/10 LeNet-300-100, 3 epochs, Adam 1e-3, batch 100)',
    )
    .option('--radices <list>', 'radix list, e.g. 10,10/10 or [[10,10],[10]]; "dense" for a dense model', p.radices)
    .option(
      '--layers <sizes>',
      `layer sizes n_0..n_L, checked against the data (default: ${p.layers.join(',')}; with --data: its width, --hidden, its classes)`,
      sizesOption('--layers'),
    )
    .option(
      '--hidden <sizes>',
      'hidden layer sizes only (e.g. 300,100): the input width and the classes come from the data',
      sizesOption('--hidden'),
    )
    .option('--kron <widths>', 'Kronecker widths B_0..B_L (default ceil(n_l / N))', sizesOption('--kron'))
    .option('--epochs <n>', 'epochs', intOption('--epochs', 1, 10000), p.epochs)
    .option('--batch <n>', 'batch size', intOption('--batch', 1, 65536), p.batchSize)
    .option('--lr <rate>', 'learning rate', numberOption('--lr', { gt: 0 }), p.lr)
    .option('--optimizer <name>', 'adam or sgd', choiceOption('--optimizer', ['adam', 'sgd'] as const), p.optimizer)
    .option('--momentum <m>', 'SGD momentum', numberOption('--momentum', { ge: 0, lt: 1 }), p.momentum)
    .option('--seed <n>', 'seed of weight init and batch order', intOption('--seed', 0), p.seed)
    .option('--threads <n>', 'kernel threads (default: RADIXNET_THREADS or all cores)', intOption('--threads', 1, 64))
    .option('--bias', 'add biases (the paper has none)', false)
    .option(
      '--init <name>',
      'weight init: normal (stddev 0.05) or glorot-uniform',
      choiceOption('--init', ['normal', 'glorot-uniform'] as const),
      p.init,
    )
    .option(
      '--validation-split <f>',
      'fraction of the training set held out',
      numberOption('--validation-split', { ge: 0, lt: 1 }),
      p.validationSplit,
    )
    .option(
      '--early-stopping <patience>',
      "stop when the validation loss has not improved for this many epochs, keeping the best epoch's weights",
      intOption('--early-stopping', 1, 10000),
    );
  addDataOptions(cmd)
    .option(
      '--backend <name>',
      'ours (our wasm engine), or tfjs model.fit with the masked kernel on cpu, wasm or tensorflow (tfjs-node)',
      choiceOption('--backend', BACKENDS),
      'ours',
    )
    .option(
      '--save <dir>',
      'save the trained model in tfjs format (DIR/model.json + its weights file; DIR/NAME.json names the file); checked before training, replaced atomically; `radixnet evaluate DIR` reloads it',
    )
    .option(
      '--checkpoint-every <epochs>',
      'with --save: write a checkpoint (weights, optimizer state, epoch) into the save folder every EPOCHS epochs and after the last, replaced atomically',
      intOption('--checkpoint-every', 1, 10000),
    )
    .option(
      '--resume <dir>',
      "continue from DIR's checkpoint (same options and data; --epochs may be raised) to the same weights as a run never stopped; saves into DIR unless --save says otherwise",
    )
    .option('--force', 'with --save: save into a folder that already holds another model')
    .option('--json', 'print the whole result (config, history, accuracies, timings) as JSON (docs/cli.md)')
    .action(
      (
        f: Omit<TrainOptions, 'bias' | 'force' | 'spec'> & { bias?: boolean; force?: boolean } & Record<
            string,
            unknown
          >,
      ) =>
        trainRun(
          {
            radices: f.radices,
            layers: f.layers,
            hidden: f.hidden,
            kron: f.kron,
            epochs: f.epochs,
            batch: f.batch,
            lr: f.lr,
            optimizer: f.optimizer,
            momentum: f.momentum,
            seed: f.seed,
            threads: f.threads,
            bias: f.bias === true,
            init: f.init,
            validationSplit: f.validationSplit,
            spec: dataSpecFromOptions(f),
            earlyStopping: f.earlyStopping,
            backend: f.backend,
            save: f.save,
            checkpointEvery: f.checkpointEvery,
            resume: f.resume,
            force: f.force === true,
          },
          io,
        ),
    );
}

/** --layers or --hidden (not both); with neither, the paper's layers on MNIST and hidden 300,100 on other data. */
export function layersOf(opts: Pick<TrainOptions, 'layers' | 'hidden' | 'spec'>): {
  layers: number[];
  hidden?: number[];
} {
  if (opts.layers !== undefined && opts.hidden !== undefined)
    throw new InputError('give --layers (all sizes) or --hidden (the hidden sizes), not both');
  if (opts.hidden !== undefined) return { layers: PAPER_PRESET.layers, hidden: opts.hidden };
  if (opts.layers !== undefined) return { layers: opts.layers };
  return isUserData(opts.spec)
    ? { layers: PAPER_PRESET.layers, hidden: PAPER_PRESET.layers.slice(1, -1) }
    : { layers: PAPER_PRESET.layers };
}

/** `--backend cpu|wasm|tensorflow`: the same model trained by tfjs' model.fit, the paper's way (kernel * mask). */
async function trainOnTfjs(opts: TrainOptions, io: Io): Promise<void> {
  if (opts.save || opts.bias || opts.optimizer !== 'adam' || opts.init !== 'normal' || opts.kron) {
    throw new InputError(
      `--backend ${opts.backend} trains the paper's model only (Adam, normal init, no bias, default Kronecker widths, no --save, --checkpoint-every or --resume); use --backend ours for the other options`,
    );
  }
  // tfjs' model.fit trains the paper's MNIST job: --data is then the MNIST folder, as before the data options
  const others = Object.keys(opts.spec).filter((k) => k !== 'data' && k !== 'dataset');
  const dataset = opts.spec.dataset;
  if (
    (dataset !== undefined && dataset !== 'mnist') ||
    others.length > 0 ||
    opts.hidden !== undefined ||
    opts.earlyStopping !== undefined
  ) {
    throw new InputError(
      `--backend ${opts.backend} trains on MNIST only (--data DIR: its folder), without early stopping; use --backend ours for --dataset, --hidden and the other data options`,
    );
  }
  // whether the backend runs here is known before MNIST is loaded, and said once
  const { backendUnavailable } = await importTfjs(
    `radixnet train --backend ${opts.backend}`,
    () => import('../tfjs/backends.js'),
  );
  const why = await backendUnavailable(opts.backend);
  if (why) throw new InputError(`--backend ${opts.backend} is unavailable: ${why}`);
  const { compare } = await import('../suite/compare.js');
  const [row] = await compare({
    backends: [opts.backend],
    radices: opts.radices,
    layers: opts.layers ?? PAPER_PRESET.layers,
    epochs: opts.epochs,
    batchSize: opts.batch,
    seed: opts.seed,
    threads: opts.threads,
    data: opts.spec.data,
    log: (line) => io.info(line),
  });
  if (!row.available) throw new InputError(`--backend ${opts.backend} is unavailable: ${row.reason}`);
  const mean = row.epochSeconds!.reduce((s, v) => s + v, 0) / row.epochSeconds!.length;
  io.result<TrainAnswer>(
    row,
    `${opts.backend}: ${row.runs}; train accuracy ${row.trainAccuracy!.toFixed(4)}, ` +
      `test accuracy ${row.testAccuracy!.toFixed(4)}, ${mean.toFixed(2)} s/epoch`,
  );
}

/** A progress bar per epoch on a terminal; a line per epoch always (stdout, or stderr under --json). */
function progressHooks(io: Io): TrainHooks {
  let bar: Bar | null = null;
  let t0 = 0;
  return {
    onLoaded: ({ source, seconds }) => io.info(`data from ${source} (${seconds.toFixed(2)} s)`),
    onEpochBegin: (epoch, epochs) => {
      t0 = performance.now();
      bar = io.bar(`epoch ${epoch}/${epochs} [{bar}] {value}/{total} | {rate} samples/s | loss {loss} | acc {acc}`, {
        rate: '-',
        loss: '-',
        acc: '-',
      });
    },
    onBatchEnd: (step, steps, running, batch) => {
      if (!bar || (step % 20 !== 0 && step !== steps)) return;
      const rate = ((step * batch) / ((performance.now() - t0) / 1000)).toFixed(0);
      bar.update(step, steps, { rate, loss: running.loss.toFixed(4), acc: running.accuracy.toFixed(4) });
    },
    onEpochEnd: (e) => {
      bar?.stop();
      bar = null;
      const val =
        e.valAccuracy !== undefined ? ` | val_loss ${e.valLoss!.toFixed(4)} val_acc ${e.valAccuracy.toFixed(4)}` : '';
      io.info(
        `epoch ${e.epoch}: ${(e.seconds * 1000).toFixed(0)} ms (${e.samplesPerSecond.toFixed(0)} samples/s) | loss ${e.loss.toFixed(4)} acc ${e.accuracy.toFixed(4)}${val}`,
      );
    },
  };
}

function summary(r: TrainResult): string[] {
  const t = r.topology;
  const f = r.final;
  const pct = (v: number | null): string => (v === null ? '-' : v.toFixed(4));
  const d = r.dataset;
  return [
    ...(d
      ? [
          `data ${d.name}: ${d.trainSamples} training samples (validation split off), ${d.testSamples} test (${d.testSplit}), ${d.features} features, ${d.classes} classes, scale ${d.scale}${d.note ? `; ${d.note}` : ''}`,
        ]
      : []),
    `radices ${t.radices} on ${r.config.layers.join('-')}: sparsity ${t.sparsity.toFixed(4)}` +
      (t.kroneckerSparsity !== null ? ` (kronecker ${t.kroneckerSparsity.toFixed(4)})` : '') +
      `, ${t.weights} of ${t.denseWeights} weights`,
    `accuracy: train ${pct(f.trainAccuracy)} | validation ${pct(f.valAccuracy)} | test ${pct(f.testAccuracy)}` +
      (r.earlyStopping
        ? ` (early stopping: kept epoch ${r.earlyStopping.bestEpoch} of ${r.earlyStopping.stoppedEpoch} trained)`
        : ''),
    `time: load ${r.timing.loadSeconds.toFixed(2)} s | first epoch ${r.timing.firstEpochSeconds.toFixed(3)} s` +
      (r.timing.laterEpochSeconds !== null ? ` | later epochs ${r.timing.laterEpochSeconds.toFixed(3)} s each` : '') +
      ` | total ${r.timing.totalSeconds.toFixed(2)} s on ${r.threads} thread${r.threads > 1 ? 's' : ''}`,
  ];
}
