// `radixnet challenge`: one run of the Sparse DNN Graph Challenge (docs/graph-challenge.md) on generated or official
// inputs and layers, or one shard of it (a contiguous slice of the inputs), as one plain record: edges/s counted the
// challenge's way, time per layer, memory, the categories and whether they equal the truth.
import { hostname, loadavg, totalmem } from 'node:os';
import { appendFileSync, existsSync } from 'node:fs';
import { InputError } from '../errors.js';
import { checkCost, formatBytes, KERNEL_MEMORY_BYTES, LIMITS } from '../topology/cost.js';
import {
  ChallengeNet,
  challengeBias,
  CHALLENGE_KRON,
  CHALLENGE_SEED,
  CHALLENGE_YMAX,
  type ChallengeLayer,
} from '../topology/challenge-net.js';
import { mnistChallengeImages, imageSide, type SparseImage } from '../data/challenge-inputs.js';
import { layerFiles, readCategoriesTsv, readImagesTsv, readLayerTsv } from '../data/challenge-tsv.js';
import { loadMnist } from '../data/mnist.js';
import { kernelVariant } from '../kernels/wasm.js';
import { Engine } from '../engine/engine.js';
import { challengeInfer, challengeMemory, type LayerSource } from '../engine/challenge.js';
import { resolveShard } from './shard.js';

/** The challenge's input count: the 60,000 MNIST training images. */
export const CHALLENGE_INPUTS = 60_000;

export interface ChallengeOptions {
  neurons: number;
  layers: number;
  /** Folder of official layer files n{N}-l{k}.tsv (default: generated). */
  weights?: string;
  /** Official inputs file sparse-images-{N}.tsv (default: MNIST resized and binarised). */
  inputs?: string;
  /** Truth file: one 1-based input row per line. */
  categories?: string;
  /** Run the first K inputs (default 60,000). */
  inputsLimit?: number;
  /** `i/n`: this shard's slice of the inputs (default from the array-job variables, src/suite/shard.ts). */
  shard?: string;
  shardCount?: number;
  /** Bias (default the challenge's for N). */
  bias?: number;
  threads?: number;
  /** Samples per batch (default by N). */
  batch?: number;
  /** MNIST folder for generated inputs. */
  data?: string;
  /** Append the record (with its categories) to this JSON-lines file, for `radixnet merge`. */
  out?: string;
  seed?: number;
  env?: NodeJS.ProcessEnv;
}

/** One run or shard: what a results file holds (one JSON line). */
export interface ChallengeRecord {
  kind: 'graph-challenge';
  neurons: number;
  layers: number;
  bias: number;
  weights: string;
  inputs: string;
  seed: number | null;
  /** This run's slice [from, to) of the first `total` inputs. */
  slice: { total: number; from: number; to: number };
  shard: { index: number; count: number; source: string } | null;
  /** Inputs with at least one pixel (the others cannot be categories and are not run). */
  samples: number;
  /** Edges counted the challenge's way: inputs of the slice x nonzero weights of all layers. */
  edges: number;
  nnz: number;
  seconds: number;
  edgesPerSecond: number;
  layerSeconds: number[];
  /** Seconds making or reading layers (not timed in the rate). */
  layerLoadSeconds: number;
  /** Multiply-adds done, and per edge: below 1 where dead inputs and neurons were skipped. */
  madds: number;
  maddsPerEdge: number;
  liveAfter: number[];
  /** 1-based input rows with a nonzero at the end. */
  categories: number[];
  truth: { file: string; equal: boolean; missing: number; extra: number } | null;
  memory: { kernelBytes: number; rssBytes: number };
  threads: number;
  batch: number;
  kernels: string;
  /** CPU seconds of this process (all threads) over the timed spans, and the edges per CPU second: on a loaded
   * machine, the rate the work had while it had a core (edgesPerSecond also counts the waits for one). */
  cpuSeconds: number;
  edgesPerCpuSecond: number;
  /** The load averages (1, 5, 15 minutes) before and after the inference. */
  loadAverage: { before: number[]; after: number[] };
  host: string;
  date: string;
}

/** Layers from official files, read one at a time (`layer(l)` reads file l again). */
class FileLayers implements LayerSource {
  constructor(
    readonly neurons: number,
    readonly layers: number,
    private readonly files: string[],
  ) {}
  layer(l: number): ChallengeLayer {
    return readLayerTsv(this.files[l], this.neurons);
  }
}

/** Validates the options and what they name, all before any long work. */
function prepare(opts: ChallengeOptions) {
  const { neurons, layers } = opts;
  if (!Number.isInteger(neurons) || neurons < 16)
    throw new InputError(`--neurons must be a whole number >= 16, got ${neurons}`);
  if (!Number.isInteger(layers) || layers < 1)
    throw new InputError(`--layers must be a whole number >= 1, got ${layers}`);
  if (opts.inputs !== undefined && !existsSync(opts.inputs))
    throw new InputError(`--inputs ${opts.inputs} does not exist`);
  // official inputs: one pass over the file checks every line before the run, and its last row is the input count
  let fileRows = 0;
  let lastRow = -1;
  if (opts.inputs) {
    for (const im of readImagesTsv(opts.inputs, neurons, { limit: opts.inputsLimit })) {
      fileRows++;
      lastRow = im.row;
    }
  }
  const total = opts.inputsLimit ?? (opts.inputs ? lastRow + 1 : CHALLENGE_INPUTS);
  if (!Number.isInteger(total) || total < 1)
    throw new InputError(
      opts.inputs
        ? `${opts.inputs} holds no input with a pixel`
        : `--inputs-limit must be a whole number >= 1, got ${total}`,
    );
  if (!opts.inputs && total > CHALLENGE_INPUTS)
    throw new InputError(
      `--inputs-limit ${total} is over the ${CHALLENGE_INPUTS} MNIST images the generated inputs come from`,
    );
  const bias = opts.bias ?? challengeBias(neurons);
  if (!Number.isFinite(bias)) throw new InputError(`--bias must be a finite number, got ${bias}`);
  const shard = resolveShard({ shard: opts.shard, count: opts.shardCount }, opts.env ?? process.env);
  const from = shard ? Math.floor((shard.index * total) / shard.count) : 0;
  const to = shard ? Math.floor(((shard.index + 1) * total) / shard.count) : total;
  if (opts.categories !== undefined && !existsSync(opts.categories))
    throw new InputError(`--categories ${opts.categories} does not exist`);
  if ((opts.weights === undefined) !== (opts.inputs === undefined)) {
    throw new InputError(
      '--weights and --inputs go together (the official files); give both, or neither to generate the network and the inputs',
    );
  }
  let net: ChallengeNet | null = null;
  let files: string[] | null = null;
  if (opts.weights !== undefined) files = layerFiles(opts.weights, neurons, layers);
  else {
    imageSideOrThrow(neurons);
    net = new ChallengeNet(neurons, layers, opts.seed ?? CHALLENGE_SEED);
  }
  // memory: the kernels' round and layers, the generator's base layers or one layer read, the MNIST images
  const nnzPerLayer = neurons * 2 * CHALLENGE_KRON;
  const plan = challengeMemory(neurons, layers, nnzPerLayer, to - from, { batch: opts.batch });
  if (plan.kernelBytes > KERNEL_MEMORY_BYTES) {
    throw new InputError(
      `this run needs ${formatBytes(plan.kernelBytes)} of kernel memory, over its ${formatBytes(KERNEL_MEMORY_BYTES)}; use a smaller --batch or fewer neurons`,
    );
  }
  const hostBytes =
    plan.kernelBytes +
    (net ? net.block * 4 * (neurons + 1 + nnzPerLayer) : 0) +
    12 * (neurons + 1 + nnzPerLayer) +
    (opts.inputs ? 0 : CHALLENGE_INPUTS * 784 * 5);
  const machine = 0.8 * totalmem();
  checkCost(
    `the challenge run of ${neurons} neurons x ${layers} layers`,
    { bytes: hostBytes, steps: 0 },
    'use fewer neurons or a smaller --batch',
    machine < LIMITS.memoryBytes ? { bytes: machine, bytesName: "80% of this machine's memory" } : {},
  );
  return { bias, shard, total, from, to, net, files, fileRows };
}

function imageSideOrThrow(neurons: number): void {
  try {
    imageSide(neurons);
  } catch {
    throw new InputError(
      `generated inputs are square images, so --neurons must be a square (1024, 4096, 16384, 65536), got ${neurons}`,
    );
  }
}

/** Runs the challenge (or this process's shard of it) and returns its record; `log` gets progress lines. */
export async function runChallenge(
  opts: ChallengeOptions,
  log: (line: string) => void = () => {},
): Promise<ChallengeRecord> {
  const { neurons, layers } = opts;
  const { bias, shard, total, from, to, net, files, fileRows } = prepare(opts);
  let source: LayerSource;
  let fileNnz = 0;
  if (files) {
    // every layer file is read once now, so that a bad line anywhere stops the run before it starts
    const t = performance.now();
    const resident = challengeMemory(neurons, layers, neurons * 2 * CHALLENGE_KRON, to - from, {
      batch: opts.batch,
    }).resident;
    const read: ChallengeLayer[] = [];
    for (let l = 0; l < layers; l++) {
      const layer = readLayerTsv(files[l], neurons);
      fileNnz += layer.idx.length;
      if (resident) read.push(layer);
    }
    source = resident ? { neurons, layers, layer: (l) => read[l] } : new FileLayers(neurons, layers, files);
    log(`read ${layers} layer files in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  } else source = net!;

  let images: Iterable<SparseImage>;
  if (opts.inputs) {
    log(`checked ${fileRows} input rows of ${opts.inputs}`);
    images = { [Symbol.iterator]: () => readImagesTsv(opts.inputs!, neurons, { from, to, limit: total }) };
  } else {
    const mnist = await loadMnist({ dir: opts.data });
    if (mnist.train.count < to)
      throw new InputError(`MNIST has ${mnist.train.count} training images, fewer than the ${to} inputs asked for`);
    images = { [Symbol.iterator]: () => mnistChallengeImages(mnist.train.images, neurons, from, to) };
  }
  const truthAll = opts.categories ? readCategoriesTsv(opts.categories) : null;

  const engine = await Engine.create({ threads: opts.threads, adaptive: false });
  const before = loadavg();
  let r;
  try {
    r = challengeInfer(engine, source, images, to - from, {
      bias,
      ymax: CHALLENGE_YMAX,
      batch: opts.batch,
      onRound: (done) => log(`${done} of ${to - from} inputs done`),
    });
  } finally {
    engine.close();
  }
  const nnzAll = files ? fileNnz : net!.nnz;
  const edges = (to - from) * nnzAll;
  const categories = Array.from(r.categories, (c) => c + 1);
  let truth: ChallengeRecord['truth'] = null;
  if (truthAll && opts.categories) {
    const want = new Set(
      Array.from(truthAll)
        .filter((c) => c >= from && c < to)
        .map((c) => c + 1),
    );
    const got = new Set(categories);
    const missing = [...want].filter((c) => !got.has(c)).length;
    const extra = categories.filter((c) => !want.has(c)).length;
    truth = { file: opts.categories, equal: missing === 0 && extra === 0, missing, extra };
  }
  const record: ChallengeRecord = {
    kind: 'graph-challenge',
    neurons,
    layers,
    bias,
    weights: opts.weights ?? 'generated',
    inputs: opts.inputs ?? 'mnist',
    seed: files ? null : (opts.seed ?? CHALLENGE_SEED),
    slice: { total, from, to },
    shard: shard ? { index: shard.index, count: shard.count, source: shard.source } : null,
    samples: r.samples,
    edges,
    nnz: nnzAll,
    seconds: r.seconds,
    edgesPerSecond: edges / r.seconds,
    layerSeconds: r.layerSeconds,
    layerLoadSeconds: r.layerLoadSeconds,
    madds: r.madds,
    maddsPerEdge: r.madds / edges,
    liveAfter: r.liveAfter,
    categories,
    truth,
    memory: { kernelBytes: r.kernelBytes, rssBytes: process.memoryUsage().rss },
    threads: r.threads,
    batch: r.batch,
    kernels: kernelVariant(),
    cpuSeconds: r.cpuSeconds,
    edgesPerCpuSecond: edges / r.cpuSeconds,
    loadAverage: { before, after: loadavg() },
    host: hostname(),
    date: new Date().toISOString(),
  };
  if (opts.out) appendFileSync(opts.out, JSON.stringify(record) + '\n');
  return record;
}
