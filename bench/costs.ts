// Where a sweep's time goes besides the multiply-adds: `node dist/bench/costs.js` (needs MNIST).
// 1. Per training step of LeNet-300-100 (batch 100, Adam, one thread), the fused step (one wasm call) and the same
//    step as one call per kernel, alternately, in wall time and in CPU time (process.cpuUsage: what this process ran,
//    less sensitive than wall time to other processes on a shared machine), against the step's FLOP floor: its
//    multiply-adds at the FMA peak measured the same way.
// 2. Per run of a sweep (trainMnist on a worker's engine, 3 epochs of 54,000 samples, the paper's protocol): what a
//    run costs besides its epochs, by phase (timestamps at the run's hook points: before its first epoch, between and
//    around the steps, after its last epoch), and the parts of those phases timed alone: building the model, the
//    resident data, the batch-order shuffles, the evaluations, and what the sweep's main thread does with the outcome
//    (the worker's message is a structured clone; the record is one JSON line appended and fsynced).
// Options: --repeats N (default 5), --samples N (training samples per timed epoch, default 10,800), --json.
import { parseArgs } from 'node:util';
import { Engine } from '../src/engine/engine.js';
import { Mlp } from '../src/engine/mlp.js';
import { train } from '../src/engine/train.js';
import { loadMnist, mnistDataset } from '../src/data/mnist.js';
import { KernelMemory } from '../src/kernels/memory.js';
import { instantiateKernels, kernelVariant } from '../src/kernels/wasm.js';
import { configMasks, PAPER_PRESET, splitOf, trainMnist } from '../src/suite/mnist-train.js';
import { ResultsWriter } from '../src/suite/results-file.js';
import { RECORD_VERSION, type RunRecord } from '../src/suite/experiment.js';
import { Rng } from '../src/random.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchTopologies, LENET, median, stepFlops } from './training.js';

const { values: args } = parseArgs({
  options: { repeats: { type: 'string' }, samples: { type: 'string' }, json: { type: 'boolean' } },
});
const repeats = Number(args.repeats ?? 5);
const samples = Number(args.samples ?? 10800);
const log = (s: string): void => void (args.json ? process.stderr : process.stdout).write(s + '\n');
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

// the FMA ceiling in CPU time: best of 7 register-only loops
const k = instantiateKernels(new KernelMemory().memory);
k.fma_peak(1e6, 1, 0);
let peak = 0;
for (let r = 0; r < 7; r++) {
  const t0 = cpuMs();
  k.fma_peak(2e7, 1, 0);
  peak = Math.max(peak, (96 * 2e7) / ((cpuMs() - t0) / 1000) / 1e9);
}
log(
  `${kernelVariant() === 'fma' ? 'FMA' : 'plain SIMD'} build, FMA peak by CPU time ${peak.toFixed(1)} GFLOP/s; ${repeats} alternating repeats of ${samples} samples`,
);

const mnist = await loadMnist();
const x = mnist.train.images.subarray(0, samples * 784);
const y = mnist.train.labels.subarray(0, samples);
const steps = Math.ceil(samples / 100);
const engine = await Engine.create({ threads: 1 });
const stepRows = [];
for (const t of benchTopologies()) {
  const model = new Mlp(engine, { layers: LENET, masks: t.masks, batchSize: 100, seed: 1 });
  train(model, x, y, { epochs: 1, batchSize: 100 });
  const wall: Record<'fused' | 'unfused', number[]> = { fused: [], unfused: [] };
  const cpu: Record<'fused' | 'unfused', number[]> = { fused: [], unfused: [] };
  for (let r = 0; r < repeats; r++) {
    for (const mode of ['fused', 'unfused'] as const) {
      model.fused = mode === 'fused';
      const c0 = cpuMs();
      const h = train(model, x, y, { epochs: 1, batchSize: 100, seed: r });
      cpu[mode].push((cpuMs() - c0) / steps);
      wall[mode].push((h.epochs[0].seconds * 1000) / steps);
    }
  }
  const floorMs = (stepFlops(t.masks, LENET, 100) / (peak * 1e9)) * 1000;
  stepRows.push({
    topology: t.name,
    sparsity: t.sparsity,
    floorMs,
    wallMs: { fused: median(wall.fused), unfused: median(wall.unfused) },
    cpuMs: { fused: median(cpu.fused), unfused: median(cpu.unfused) },
  });
  model.dispose();
}
engine.close();
log(
  '\nper step (ms, medians): wall and CPU time, fused (one wasm call) and unfused (one call per kernel), and the FLOP floor',
);
table(
  [
    'topology',
    'sparsity',
    'floor',
    'cpu fused',
    'x floor',
    'cpu unfused',
    'x floor',
    'unfused/fused (cpu)',
    'wall fused',
    'wall unfused',
    'unfused/fused (wall)',
  ],
  stepRows.map((r) => [
    r.topology,
    r.sparsity.toFixed(3),
    r.floorMs.toFixed(3),
    r.cpuMs.fused.toFixed(3),
    `${(r.cpuMs.fused / r.floorMs).toFixed(2)}x`,
    r.cpuMs.unfused.toFixed(3),
    `${(r.cpuMs.unfused / r.floorMs).toFixed(2)}x`,
    `${(r.cpuMs.unfused / r.cpuMs.fused).toFixed(3)}x`,
    r.wallMs.fused.toFixed(3),
    r.wallMs.unfused.toFixed(3),
    `${(r.wallMs.unfused / r.wallMs.fused).toFixed(3)}x`,
  ]),
);

// 2. a sweep run's costs besides its epochs, on one worker engine (the first run pays for the kept data)
const runEngine = await Engine.create({ threads: 1 });
const config = { ...PAPER_PRESET, radices: '28,28/28' };
const runs: { total: number; epochs: number; phases: Record<string, number> }[] = [];
const outcomes: Awaited<ReturnType<typeof trainMnist>>[] = [];
for (let r = 0; r < repeats; r++) {
  const t0 = performance.now();
  let begun = 0;
  let loop = 0;
  let first = 0;
  let lastEnd = 0;
  const result = await trainMnist(
    { ...config, seed: 100 + r },
    {
      mnist,
      engine: runEngine,
      onEpochBegin: (e) => {
        begun = performance.now();
        if (e === 1) first = begun - t0;
      },
      onEpochEnd: () => {
        lastEnd = performance.now();
        loop += lastEnd - begun;
      },
    },
  );
  const end = performance.now();
  const epochs = result.history.reduce((s, e) => s + e.seconds, 0);
  runs.push({
    total: (end - t0) / 1000,
    epochs,
    phases: {
      'before the first epoch (checks, model build, data lookups, first shuffle)': first,
      'in the epochs besides the steps (host loop between steps, validation)': loop - epochs * 1000,
      "between epochs (the next epoch's shuffle, the hooks)": lastEnd - t0 - first - loop,
      'after the last epoch (test evaluation, confusion matrix, result)': end - lastEnd,
    },
  });
  outcomes.push(result);
}
const split = splitOf(mnist, config.validationSplit, undefined);
const test = mnistDataset(mnist.test);
const parts: Record<string, number[]> = {
  masks: [],
  'model build': [],
  'resident data (kept)': [],
  'validation x3': [],
  'test evaluation and predictions (one pass)': [],
  'batch order shuffles x3': [],
  'outcome message (structured clone)': [],
  'record line appended and fsynced': [],
};
const timed = <T>(name: string, fn: () => T): T => {
  const t0 = performance.now();
  const v = fn();
  parts[name].push(performance.now() - t0);
  return v;
};
for (let r = 0; r < repeats; r++) {
  const topo = timed('masks', () => configMasks(config));
  const model = timed(
    'model build',
    () =>
      new Mlp(runEngine, {
        layers: config.layers,
        masks: topo.masks,
        bias: false,
        init: 'normal',
        seed: r,
        batchSize: 100,
      }),
  );
  const [val, tst] = timed('resident data (kept)', () => [
    model.keepResident(split.validation.x, split.validation.y),
    model.keepResident(test.x, test.y),
  ]);
  timed('validation x3', () => {
    for (let e = 0; e < 3; e++) model.evaluate(val, split.validation.y);
  });
  // what trainMnist does on a worker's engine: the confusion matrix needs the predictions
  timed('test evaluation and predictions (one pass)', () => model.evaluatePredict(tst));
  const order = Int32Array.from({ length: split.train.count }, (_, i) => i);
  const rng = new Rng(r);
  timed('batch order shuffles x3', () => {
    for (let e = 0; e < 3; e++) rng.shuffle(order);
  });
  model.dispose();
}
runEngine.close();
// what the sweep's main thread does with each outcome: receive it from the worker, append its record
const dir = mkdtempSync(join(tmpdir(), 'radixnet-costs-'));
const writer = ResultsWriter.open(join(dir, 'runs.jsonl'));
for (const [r, o] of outcomes.entries()) {
  const outcome = { config: o.config, topology: o.topology, history: o.history, final: o.final };
  const got = timed('outcome message (structured clone)', () => structuredClone(outcome));
  const record: RunRecord = {
    v: RECORD_VERSION,
    experiment: 'accuracy-vs-sparsity',
    planId: 'costs',
    params: {},
    index: r,
    key: `${config.radices}|seed=${100 + r}`,
    tags: {},
    ...got,
    wallSeconds: runs[r].total,
    threads: 1,
    host: 'bench',
  };
  timed('record line appended and fsynced', () => writer.append(record));
}
writer.close();
rmSync(dir, { recursive: true, force: true });
const later = runs.slice(1);
log(
  `\na sweep run of 28,28/28 on a worker's engine (3 epochs, paper protocol), later runs (the first makes the data resident): ` +
    `median overhead ${median(later.map((r) => r.total - r.epochs)).toFixed(3)} s beside ${median(later.map((r) => r.epochs)).toFixed(3)} s of epochs; of which (ms, medians):`,
);
table(
  ['phase of the run', 'ms'],
  Object.keys(later[0].phases).map((name) => [name, median(later.map((r) => r.phases[name])).toFixed(1)]),
);
log(
  "\nparts timed alone (ms, medians; the message and the record are the main thread's, outside the run's wall time):",
);
table(
  ['part', 'ms'],
  Object.entries(parts).map(([name, v]) => [name, median(v).toFixed(1)]),
);
if (args.json) process.stdout.write(JSON.stringify({ peakGflops: peak, steps: stepRows, runs, parts }) + '\n');

function table(head: string[], body: string[][]): void {
  const width = head.map((h, c) => Math.max(h.length, ...body.map((r) => r[c].length)));
  for (const r of [head, ...body])
    log(r.map((v, c) => (c === 0 ? v.padEnd(width[c]) : v.padStart(width[c]))).join('  '));
}
