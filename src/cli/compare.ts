// `radixnet compare`: the same model, from the same initial weights, trained on each backend side by side: our
// engine (`ours`, through fitFast) and tfjs' model.fit on `cpu`, `wasm` and `tensorflow` (tfjs-node) with the
// masked-dense kernel the way the paper does it, tf.matMul(x, kernel * mask). `cpu-radix` and `wasm-radix` run
// model.fit with our RadixMatMul op instead. tfjs is imported only when this command runs.
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { loadMnist, mnistDataset } from '../data/mnist.js';
import { validationSplit } from '../data/dataset.js';
import { parseSizes } from '../topology/radixnet.js';
import { intOption } from './options.js';

/** Every backend name compare accepts, and what it runs. */
export const COMPARE_BACKENDS: Record<string, string> = {
  ours: 'our engine (radixnet fit), nonzeros only',
  cpu: 'tfjs model.fit, cpu backend, tf.matMul(x, kernel * mask)',
  wasm: 'tfjs model.fit, wasm backend (XNNPACK), tf.matMul(x, kernel * mask)',
  tensorflow: 'tfjs model.fit, tfjs-node (libtensorflow), tf.matMul(x, kernel * mask)',
  'cpu-radix': 'tfjs model.fit, cpu backend, RadixMatMul op (our kernels)',
  'wasm-radix': 'tfjs model.fit, wasm backend, RadixMatMul op (our kernels)',
};

export interface CompareRow {
  backend: string;
  runs: string;
  available: boolean;
  /** Why the backend could not run (available false). */
  reason?: string;
  /** Seconds of each epoch's training (validation excluded). */
  epochSeconds?: number[];
  samplesPerSecond?: number;
  trainLoss?: number;
  trainAccuracy?: number;
  testAccuracy?: number;
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('train the same model from the same initial weights on each backend; time per epoch and accuracy side by side')
    .option('--backends <list>', `comma-separated, from: ${Object.keys(COMPARE_BACKENDS).join(', ')}`, 'ours,cpu,wasm,tensorflow')
    .option('--radices <list>', 'radix list (e.g. 10,10/10) or "dense"', '10,10/10')
    .option('--layers <sizes>', 'layer sizes (must start with 784 and end with 10 for MNIST)', '784,300,100,10')
    .option('--epochs <n>', 'epochs', intOption('--epochs', 1, 1000), 1)
    .option('--batch <n>', 'batch size', intOption('--batch', 1, 65536), 100)
    .option('--seed <n>', 'seed of the initial weights (and of our batch order)', intOption('--seed', 0), 100)
    .option('--limit <n>', 'train on the first N training samples only (a quick look: tfjs cpu needs ~2 min per full epoch)', intOption('--limit', 1))
    .option('--threads <n>', 'threads of our engine (default: RADIXNET_THREADS or all cores)', intOption('--threads', 1, 64))
    .option('--data <dir>', 'MNIST directory (default: the loader\'s search order)')
    .option('--json', 'print the rows as JSON on stdout')
    .action(async (o) => {
      const backends = parseBackends(o.backends);
      const layers = parseSizes(o.layers, '--layers');
      if (layers[0] !== 784 || layers[layers.length - 1] !== 10) throw new InputError(`--layers must start with 784 (MNIST pixels) and end with 10 (digits), got ${o.layers}`);
      const log = (s: string): boolean => (o.json ? process.stderr : process.stdout).write(s + '\n');
      const rows = await compare({ backends, radices: o.radices, layers, epochs: o.epochs, batchSize: o.batch, seed: o.seed, limit: o.limit, threads: o.threads, data: o.data, log });
      if (o.json) process.stdout.write(JSON.stringify(rows) + '\n');
      else printTable(rows);
    });
}

function parseBackends(text: string): string[] {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new InputError(`--backends is empty; give some of ${Object.keys(COMPARE_BACKENDS).join(', ')}`);
  for (const n of names) {
    if (!(n in COMPARE_BACKENDS)) throw new InputError(`--backends: unknown backend "${n}"; use ${Object.keys(COMPARE_BACKENDS).join(', ')}`);
  }
  return [...new Set(names)];
}

export interface CompareOptions {
  backends: string[];
  radices: string;
  layers: number[];
  epochs: number;
  batchSize: number;
  seed: number;
  limit?: number;
  threads?: number;
  data?: string;
  log?: (line: string) => void;
}

/** Trains the model on each backend in turn and returns one row per backend (unavailable ones say why). */
export async function compare(opts: CompareOptions): Promise<CompareRow[]> {
  const log = opts.log ?? (() => {});
  const tfjs = await import('../tfjs/index.js');
  const tf = await import('@tensorflow/tfjs-core');
  const mnist = await loadMnist({ dir: opts.data });
  const split = validationSplit(mnistDataset(mnist.train), 0.1);
  const n = Math.min(opts.limit ?? split.train.count, split.train.count);
  const xTrain = split.train.x.subarray(0, n * 784);
  const yTrain = Float32Array.from(split.train.y.subarray(0, n));
  const test = mnistDataset(mnist.test);
  log(`MNIST from ${mnist.source}: training on ${n} samples (the paper's 90% split${n < split.train.count ? `, first ${n}` : ''}), testing on ${test.count}`);

  // one set of initial weights for every backend: the paper's normal(0, 0.05), drawn once from the seed
  await tfjs.useBackend('cpu');
  const init = tfjs.radixModel({ radices: opts.radices, layers: opts.layers, seed: opts.seed, compile: false });
  const initial = init.getWeights().map((w) => ({ values: w.dataSync().slice() as Float32Array, shape: w.shape }));
  init.dispose();

  const rows: CompareRow[] = [];
  for (const backend of opts.backends) {
    const runs = COMPARE_BACKENDS[backend];
    const tfBackend = backend === 'ours' ? 'cpu' : backend.replace(/-radix$/, '');
    const why = await tfjs.backendUnavailable(tfBackend);
    if (why) {
      log(`${backend}: unavailable: ${why}`);
      rows.push({ backend, runs, available: false, reason: why });
      continue;
    }
    log(`${backend}: ${runs} ...`);
    await tfjs.useBackend(tfBackend);
    const model = tfjs.radixModel({ radices: opts.radices, layers: opts.layers, seed: opts.seed, implementation: backend.endsWith('-radix') ? 'auto' : 'masked' });
    model.setWeights(initial.map((w) => tf.tensor(w.values, w.shape)));
    const x = tf.tensor2d(xTrain, [n, 784]);
    const y = tf.tensor1d(yTrain);
    const epochSeconds: number[] = [];
    let trainLoss = NaN;
    let trainAccuracy = NaN;
    if (backend === 'ours') {
      const h = await tfjs.fitFast(model, x, y, { epochs: opts.epochs, batchSize: opts.batchSize, seed: opts.seed, threads: opts.threads });
      epochSeconds.push(...h.seconds);
      trainLoss = h.history.loss[h.history.loss.length - 1];
      trainAccuracy = h.history.acc[h.history.acc.length - 1];
    } else {
      let t0 = 0;
      const h = await model.fit(x, y, {
        epochs: opts.epochs, batchSize: opts.batchSize, shuffle: true, verbose: 0,
        callbacks: {
          onEpochBegin: async () => void (t0 = performance.now()),
          onEpochEnd: async (epoch, logs) => {
            epochSeconds.push((performance.now() - t0) / 1000);
            log(`  epoch ${epoch + 1}: ${epochSeconds[epoch].toFixed(2)} s, loss ${logs?.loss.toFixed(4)}`);
          },
        },
      });
      trainLoss = h.history.loss[h.history.loss.length - 1] as number;
      trainAccuracy = h.history.acc[h.history.acc.length - 1] as number;
    }
    // test accuracy of the trained weights, computed the same way for every backend (by our engine, not timed)
    const testMetrics = await tfjs.evaluateFast(model, test.x, Int32Array.from(test.y), { threads: opts.threads });
    const total = epochSeconds.reduce((s, v) => s + v, 0);
    rows.push({ backend, runs, available: true, epochSeconds, samplesPerSecond: (n * epochSeconds.length) / total, trainLoss, trainAccuracy, testAccuracy: testMetrics.accuracy });
    log(`  ${(total / epochSeconds.length).toFixed(3)} s/epoch, test accuracy ${testMetrics.accuracy.toFixed(4)}`);
    tf.dispose([x, y]);
    model.dispose();
  }
  await tfjs.useBackend('cpu');
  return rows;
}

function printTable(rows: CompareRow[]): void {
  const ours = rows.find((r) => r.backend === 'ours' && r.available);
  const mean = (r: CompareRow): number => r.epochSeconds!.reduce((s, v) => s + v, 0) / r.epochSeconds!.length;
  console.log();
  console.log(`${'backend'.padEnd(11)} ${'s/epoch'.padStart(9)} ${'samples/s'.padStart(10)} ${'vs ours'.padStart(8)} ${'train loss'.padStart(10)} ${'train acc'.padStart(9)} ${'test acc'.padStart(9)}  runs`);
  for (const r of rows) {
    if (!r.available) {
      console.log(`${r.backend.padEnd(11)} ${'-'.padStart(9)} ${'-'.padStart(10)} ${'-'.padStart(8)} ${'-'.padStart(10)} ${'-'.padStart(9)} ${'-'.padStart(9)}  unavailable: ${r.reason}`);
      continue;
    }
    const s = mean(r);
    const ratio = ours ? `${(s / mean(ours)).toFixed(1)}x` : '-';
    console.log(`${r.backend.padEnd(11)} ${s.toFixed(3).padStart(9)} ${r.samplesPerSecond!.toFixed(0).padStart(10)} ${ratio.padStart(8)} ${r.trainLoss!.toFixed(4).padStart(10)} ${r.trainAccuracy!.toFixed(4).padStart(9)} ${r.testAccuracy!.toFixed(4).padStart(9)}  ${r.runs}`);
  }
  console.log('\nSame initial weights everywhere; tfjs shuffles batches with Math.random (unseeded), ours with --seed, so accuracies differ by run-to-run noise.');
}
