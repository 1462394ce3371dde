// The same model, from the same initial weights, trained on each backend side by side: our engine (`ours`, through
// radixnet.fit) and tfjs' model.fit on `cpu`, `wasm` and `tensorflow` (tfjs-node) with the masked-dense kernel the way the
// paper does it, tf.matMul(x, kernel * mask). `cpu-radix` and `wasm-radix` run model.fit with our RadixMatMul op
// instead. tfjs is imported only when compare() runs, so loading this module costs nothing.
import { InputError } from '../errors.js';
import { validationSplit } from '../data/dataset.js';
import { isUserData, loadData, type DataSpec } from '../data/source.js';
import {
  checkCost,
  checkKernelMemory,
  mlpBytes,
  MNIST_TEST_SAMPLES,
  MNIST_TRAIN_SAMPLES,
  TFJS_WASM_BYTES,
  tfjsFitBytes,
} from '../topology/cost.js';
import { radixNetSparsity } from '../topology/radixnet.js';
import { importTfjs } from '../tfjs/lazy.js';
import { resolveLayers } from './mnist-train.js';

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

export interface CompareOptions {
  /** Names from COMPARE_BACKENDS, run in this order. */
  backends: string[];
  /** Radix list text (e.g. '10,10/10') or 'dense'. */
  radices: string;
  /** Layer sizes: the data's width first and its classes last (MNIST: 784 and 10). */
  layers: number[];
  /** Hidden sizes only: the layers become [the data's width, ...hidden, its classes] once it is loaded. */
  hidden?: number[];
  epochs: number;
  batchSize: number;
  /** Seed of the initial weights (shared by every backend) and of our batch order. */
  seed: number;
  /** Train on the first `limit` training samples only. */
  limit?: number;
  /** Threads of our engine (default: RADIXNET_THREADS or all cores). */
  threads?: number;
  /** MNIST directory (default: the loader's search order); `spec` names any other data. */
  data?: string;
  /** The data to train and test on (src/data/source.ts: a named dataset or the user's files); default MNIST. */
  spec?: DataSpec;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** Trains the model on each backend in turn and returns one row per backend (unavailable ones say why). */
export async function compare(opts: CompareOptions): Promise<CompareRow[]> {
  const log = opts.log ?? (() => {});
  const unknown = opts.backends.find((b) => !(b in COMPARE_BACKENDS));
  if (unknown !== undefined)
    throw new InputError(`compare: unknown backend "${unknown}"; use ${Object.keys(COMPARE_BACKENDS).join(', ')}`);
  const spec: DataSpec = opts.spec ?? (opts.data !== undefined ? { dataset: 'mnist', data: opts.data } : {});
  const named = !isUserData(spec);
  // the named datasets' sizes are known: a model that cannot fit is refused before tfjs or the data load
  if (named && opts.hidden === undefined) {
    resolveLayers(opts, 784, spec.classes ?? 10, spec.dataset ?? 'MNIST, 28x28 pixels');
    checkCompareCost(opts, MNIST_TRAIN_SAMPLES, MNIST_TEST_SAMPLES);
  }
  const tfjs = await importTfjs('radixnet compare', () => import('../tfjs/index.js'));
  const tf = await import('@tensorflow/tfjs-core');
  const data = await loadData(spec);
  const features = data.train.features;
  const layers = resolveLayers(opts, features, data.train.classes, `the data of ${data.source}`);
  opts = { ...opts, layers };
  const split = validationSplit(data.train, 0.1);
  const n = Math.min(opts.limit ?? split.train.count, split.train.count);
  if (!named || opts.hidden !== undefined) checkCompareCost(opts, split.train.count, data.test.count);
  const xTrain = split.train.x.subarray(0, n * features);
  const yTrain = Float32Array.from(split.train.y.subarray(0, n));
  const test = data.test;
  log(
    `${data.name} from ${data.source}: training on ${n} samples (the paper's 90% split${n < split.train.count ? `, first ${n}` : ''}), testing on ${test.count}; layers ${layers.join(',')}`,
  );

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
    const model = tfjs.radixModel({
      radices: opts.radices,
      layers: opts.layers,
      seed: opts.seed,
      implementation: backend.endsWith('-radix') ? 'auto' : 'masked',
    });
    model.setWeights(initial.map((w) => tf.tensor(w.values, w.shape)));
    const x = tf.tensor2d(xTrain, [n, features]);
    const y = tf.tensor1d(yTrain);
    const epochSeconds: number[] = [];
    let trainLoss = NaN;
    let trainAccuracy = NaN;
    if (backend === 'ours') {
      const h = await tfjs.fit(model, x, y, {
        epochs: opts.epochs,
        batchSize: opts.batchSize,
        seed: opts.seed,
        threads: opts.threads,
        verbose: 0,
      });
      epochSeconds.push(...h.seconds);
      trainLoss = h.history.loss[h.history.loss.length - 1] as number;
      trainAccuracy = h.history.acc[h.history.acc.length - 1] as number;
    } else {
      let t0 = 0;
      const h = await model.fit(x, y, {
        epochs: opts.epochs,
        batchSize: opts.batchSize,
        shuffle: true,
        verbose: 0,
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
    rows.push({
      backend,
      runs,
      available: true,
      epochSeconds,
      samplesPerSecond: (n * epochSeconds.length) / total,
      trainLoss,
      trainAccuracy,
      testAccuracy: testMetrics.accuracy,
    });
    log(`  ${(total / epochSeconds.length).toFixed(3)} s/epoch, test accuracy ${testMetrics.accuracy.toFixed(4)}`);
    tf.dispose([x, y]);
    model.dispose();
  }
  await tfjs.useBackend('cpu');
  return rows;
}

/**
 * Refuses a comparison that cannot fit (before tfjs and the data load, for the named datasets): every backend starts
 * from a dense tfjs model on the host; tfjs' wasm backend holds that model and the data in its 2 GiB heap; ours holds
 * the masked model and the resident training rows in kernel memory.
 */
function checkCompareCost(opts: CompareOptions, trainSamples: number, testSamples: number): void {
  const { layers } = opts;
  const samples = Math.min(opts.limit ?? trainSamples, trainSamples);
  const tfjsBytes = tfjsFitBytes(layers, opts.batchSize, samples + testSamples);
  const what = `compare on layers ${layers.join(',')} (batch ${opts.batchSize}, ${samples} samples)`;
  checkCost(what, { bytes: tfjsBytes, steps: 0 }, 'use smaller layers');
  const wasm = opts.backends.filter((b) => b.startsWith('wasm'));
  if (wasm.length > 0) {
    checkCost(
      `${what} on tfjs' wasm backend`,
      { bytes: tfjsBytes, steps: 0 },
      'use smaller layers or leave out the wasm backends',
      { bytes: TFJS_WASM_BYTES, bytesName: "tfjs-backend-wasm's heap" },
    );
  }
  if (opts.backends.includes('ours')) {
    const dense = opts.radices.trim().toLowerCase() === 'dense';
    const density = dense ? 1 : 1 - radixNetSparsity(opts.radices, layers).sparsity;
    const stored = layers.slice(1).map((n, l) => Math.ceil(n * layers[l] * density));
    checkKernelMemory(
      `${what} on our engine`,
      mlpBytes(
        layers,
        stored,
        stored.map(() => !dense),
        2,
        opts.batchSize,
        samples,
      ),
      'use sparser radices, smaller layers or fewer samples',
    );
  }
}
