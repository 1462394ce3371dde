// `npm run bench`: where radixnet's training time goes and how it compares, side by side in one run, with tfjs' cpu
// and wasm backends (and tfjs-node when installed) and PyTorch CPU (when python3 has torch) training the same
// LeNet-300-100 the paper's way. Prints tables and writes bench/out/bench.json.
// Options: bench/options.ts (`npm run bench -- --help`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { loadMnist } from '../src/data/mnist.js';
import { KernelMemory } from '../src/kernels/memory.js';
import { instantiateKernels, kernelVariant } from '../src/kernels/wasm.js';
import { benchKernels, type Row as KernelRow } from './kernels.js';
import { benchDispatch, benchTopologies, benchTraining, type TrainingRow } from './training.js';
import { benchTfjsBaseline, type TfjsRow } from './tfjs-baseline.js';
import { benchTfjs, type Row as TfjsPathRow } from './tfjs.js';
import { benchPytorch, type PytorchResult } from './pytorch.js';
import { parseBenchOptions } from './options.js';
import { benchData } from './data.js';

const parsed = parseBenchOptions(process.argv.slice(2));
if (!('quick' in parsed)) {
  if (parsed.stdout) process.stdout.write(parsed.stdout);
  if (parsed.stderr) process.stderr.write(parsed.stderr);
  process.exit(parsed.exit);
}
const args = parsed;
if (args.runtimes) {
  // speed per runtime (Node lines, Bun, Deno): scripts/runtimes.mjs installs them and times `radixnet train` in each
  const script = fileURLToPath(new URL('../../scripts/runtimes.mjs', import.meta.url));
  process.exit(
    spawnSync(process.execPath, [script, '--bench', ...(args.quick ? ['--rounds', '1'] : [])], { stdio: 'inherit' })
      .status ?? 1,
  );
}
const log = (s: string): void => void (args.json ? process.stderr : process.stdout).write(s + '\n');

/** Best of 5 runs of a register-only loop of 96 flops per iteration: the ceiling a kernel can reach (GFLOP/s). */
function peak(which: 'simd_peak' | 'fma_peak'): number {
  const k = instantiateKernels(new KernelMemory().memory);
  k[which](1e6, 1, 0);
  const best: number[] = [];
  for (let r = 0; r < 5; r++) {
    const iters = 1e7;
    const t0 = performance.now();
    k[which](iters, 1, 0);
    best.push((96 * iters) / ((performance.now() - t0) / 1000) / 1e9);
  }
  return Math.max(...best);
}

function table(head: string[], body: string[][]): void {
  const width = head.map((h, c) => Math.max(h.length, ...body.map((r) => (r[c] ?? '').length)));
  for (const r of [head, ...body])
    log(r.map((v, c) => (c === 0 ? v.padEnd(width[c]) : (v ?? '').padStart(width[c]))).join('  '));
  log('');
}

const t0 = performance.now();
const threads = availableParallelism();
log(`radixnet bench: ${cpus()[0]?.model ?? 'cpu'}, ${threads} threads available, Node ${process.version}\n`);

// 1. kernels, single thread
const variant = kernelVariant();
const mulAddPeak = peak('simd_peak');
const fmaPeak = variant === 'fma' ? peak('fma_peak') : null;
// the ceiling of the kernels actually running: fused multiply-add when the relaxed-SIMD build is active
const ceiling = fmaPeak ?? mulAddPeak;
const kernels: KernelRow[] = args.training ? [] : await benchKernels();
if (!args.training)
  log(
    `kernels: ${variant === 'fma' ? 'relaxed-SIMD build (f32x4.relaxed_madd = FMA)' : 'plain SIMD build (mul + add)'}; RADIXNET_SIMD=plain selects the plain build`,
  );
log(
  `wasm SIMD peak, 1 thread, register-only loop: mul+add ${mulAddPeak.toFixed(1)} GFLOP/s` +
    (fmaPeak ? `, FMA ${fmaPeak.toFixed(1)} GFLOP/s` : ''),
);
if (!args.training)
  table(
    ['kernel (1 thread)', 'shape', 'us/call', 'GFLOP/s', '% of peak', 'GB/s'],
    kernels.map((r) => [
      r.kernel,
      r.shape,
      r.us.toFixed(2),
      r.gflops?.toFixed(1) ?? '',
      r.gflops ? ((100 * r.gflops) / ceiling).toFixed(0) + '%' : '',
      r.gbps?.toFixed(1) ?? '',
    ]),
  );

// 2. dispatch
const dispatch: Record<number, number> = args.training
  ? {}
  : { 1: await benchDispatch(1), [threads]: await benchDispatch(threads) };
if (!args.training) {
  log(
    `empty dispatch round trip: ${dispatch[1].toFixed(2)} us on 1 thread, ${dispatch[threads].toFixed(2)} us on ${threads}\n`,
  );
}

// 3. our training, real MNIST epochs
const mnist = await loadMnist();
const x = mnist.train.images.subarray(0, 54000 * 784);
const y = mnist.train.labels.subarray(0, 54000);
log('training one epoch of MNIST (54,000 samples, batch 100, Adam) on our engine:');
const training: TrainingRow[] = await benchTraining(x, y, { repeats: args.quick ? 1 : 3, log });
log('');

// 3b. PyTorch CPU on the same rows and masks, all threads, side by side with our epochs of the same run
const torch: PytorchResult = args.noTorch
  ? { skipped: '--no-torch' }
  : benchPytorch(x, y, benchTopologies(), { threads, repeats: args.quick ? 1 : 3 });
const torchMs = (topo: string, flushDenormal = false): number | undefined =>
  'rows' in torch
    ? torch.rows.find((r) => r.topology === topo && r.flushDenormal === flushDenormal)?.epochMs
    : undefined;
// the FLOP floor of a step: its multiply-adds at the single-thread peak of the build that runs (times threads)
const floorMs = (r: TrainingRow): number => (r.stepFlops / (ceiling * 1e9 * r.threads)) * 1000;
table(
  [
    'topology',
    'sparsity',
    'threads',
    'ms/epoch',
    'ms/step',
    'floor ms',
    'x floor',
    'unfused/fused',
    'gather',
    'forward',
    'loss',
    'dX',
    'dW',
    'optimizer',
    'dispatches/step',
    'PyTorch / ours',
    'flushed / ours',
  ],
  training.map((r) => {
    const t = r.threads === threads ? torchMs(r.topology) : undefined;
    const tf = r.threads === threads ? torchMs(r.topology, true) : undefined;
    return [
      r.topology,
      r.sparsity.toFixed(3),
      String(r.threads),
      r.epochMs.toFixed(0),
      r.stepMs.toFixed(3),
      floorMs(r).toFixed(3),
      `${(r.stepMs / floorMs(r)).toFixed(2)}x`,
      r.unfusedEpochMs ? `${(r.unfusedEpochMs / r.epochMs).toFixed(2)}x` : '',
      ...[
        r.profile.gather,
        r.profile.forward,
        r.profile.loss,
        r.profile.gradInput,
        r.profile.gradWeights,
        r.profile.optimizer,
      ].map((v) => v.toFixed(3)),
      r.dispatchesPerStep.toFixed(0),
      t ? `${(t / r.epochMs).toFixed(1)}x` : '',
      tf ? `${(tf / r.epochMs).toFixed(1)}x` : '',
    ];
  }),
);
log(
  "(floor: the step's multiply-adds at the single-thread peak above times the threads; unfused/fused: the same epochs with one call per kernel, measured alternately with the fused ones on one thread; phase columns: ms per step from a profiled epoch, phases run apart)",
);
if ('rows' in torch) {
  for (const flush of [false, true])
    log(
      `PyTorch ${torch.version} CPU, ${threads} threads, masked dense (weight * mask every step), same rows and masks, ` +
        (flush ? 'subnormals flushed to zero (torch.set_flush_denormal(True))' : "PyTorch's default") +
        ', ms/epoch: ' +
        torch.rows
          .filter((r) => r.flushDenormal === flush)
          .map((r) => `${r.topology} ${r.epochMs.toFixed(0)}`)
          .join(', ') +
        (flush ? '\n' : ''),
    );
} else log(`PyTorch skipped: ${torch.skipped}\n`);
// the goals, side by side in this run: PyTorch's epoch on all threads over ours on the faster of 1 and all threads
// (what the pool's adaptive mode settles on when it trains: it times both and keeps the faster)
const GOALS = [
  { topology: 'dense', label: 'dense', goal: 1.5 },
  { topology: '10,10/10', label: '90% sparse (10,10/10)', goal: 15 },
  { topology: '28,28/28', label: '96% sparse (28,28/28)', goal: 25 },
];
if ('rows' in torch) {
  // masked dense is the same work whatever the mask, so every PyTorch epoch of the run measures one cost: their median
  // is a steadier baseline than any one topology's epochs, which vary with the machine more than with the mask
  const all = torch.rows.map((r) => r.epochMs).sort((a, b) => a - b);
  const mid = all.length % 2 ? all[(all.length - 1) / 2] : (all[all.length / 2 - 1] + all[all.length / 2]) / 2;
  const baselines: { label: string; ms: (topology: string) => number | undefined }[] = [
    { label: `PyTorch CPU epoch (${threads} threads)`, ms: (t) => torchMs(t) },
    { label: `PyTorch CPU epoch (${threads} threads, subnormals flushed)`, ms: (t) => torchMs(t, true) },
    {
      label: `PyTorch's median masked-dense epoch (${mid.toFixed(0)} ms, all ${all.length} of this run: ${all[0].toFixed(0)}-${all[all.length - 1].toFixed(0)} ms)`,
      ms: () => mid,
    },
  ];
  for (const b of baselines)
    log(
      `${b.label} / ours (the faster of 1 and ${threads} threads), this run: ` +
        GOALS.map((g) => {
          const ours = Math.min(...training.filter((r) => r.topology === g.topology).map((r) => r.epochMs));
          const t = b.ms(g.topology);
          return Number.isFinite(ours) && t
            ? `${g.label} ${(t / ours).toFixed(1)}x (goal ${g.goal}x)`
            : `${g.label} not measured`;
        }).join(', '),
    );
  log('');
}

// 4. the same training on tfjs backends, masked dense
let baseline: TfjsRow[] = [];
let paths: TfjsPathRow[] = [];
if (!args.noTfjs && !args.training) {
  log('the same training on tfjs (masked dense, model.trainOnBatch, Adam), ms per step:');
  baseline = await benchTfjsBaseline(benchTopologies(), ['cpu', 'wasm', 'tensorflow'], {
    steps: { cpu: args.quick ? 3 : 6, wasm: args.quick ? 5 : 15, tensorflow: 15 },
    log,
  });
  log('');
  const ours = (topo: string): TrainingRow | undefined =>
    training.find((r) => r.topology === topo && r.threads === threads);
  table(
    [
      'topology',
      'sparsity',
      'ours ms/epoch',
      'tfjs cpu ms/epoch',
      'ratio',
      'tfjs wasm ms/epoch',
      'ratio',
      'tfjs-node ms/epoch',
      'ratio',
    ],
    benchTopologies().map((t) => {
      const o = ours(t.name)!;
      const cell = (b: string): string[] => {
        const r = baseline.find((q) => q.backend === b && q.topology === t.name);
        return r?.epochMs ? [r.epochMs.toFixed(0), `${(r.epochMs / o.epochMs).toFixed(1)}x`] : ['skipped', ''];
      };
      return [
        t.name,
        t.sparsity.toFixed(3),
        o.epochMs.toFixed(0),
        ...cell('cpu'),
        ...cell('wasm'),
        ...cell('tensorflow'),
      ];
    }),
  );
  const skipped = baseline.find((r) => r.skipped);
  if (skipped) log(`tfjs-node: ${skipped.skipped}\n`);
  log('tfjs integration paths (RadixMatMul op inside tfjs vs masked dense vs our fast path), ms per step:');
  paths = await benchTfjs({ steps: args.quick ? 5 : 10 });
  table(
    ['path', 'backend', 'topology', 'ms/step', 'GFLOP/s', 'ratio', 'vs'],
    paths.map((r) => [
      r.name,
      r.backend,
      r.topology,
      r.ms.toFixed(2),
      r.gflops?.toFixed(1) ?? '',
      r.ratio ? `${r.ratio.toFixed(1)}x` : '',
      r.baseline ?? '',
    ]),
  );
}

// 5. loading a user's data (a 60,000 x 784 CSV, an .npy pair) and training on it vs MNIST
log("a user's data: MNIST's 60,000 training images as a CSV and an .npy pair, loaded as `radixnet train --data` does:");
const data = await benchData(mnist, { quick: args.quick, threads, log });
table(
  ['format', 'MB', 'wall s', 'CPU s', 'peak RSS MB', 'float32 MB'],
  data.loads.map((r) => [
    r.format,
    (r.bytes / 2 ** 20).toFixed(0),
    r.seconds.toFixed(2),
    r.cpuSeconds.toFixed(2),
    r.peakRssMb.toFixed(0),
    r.float32Mb.toFixed(0),
  ]),
);
const [onMnist, onCsv] = data.training;
table(
  ['training data (10,10/10, batch 100, Adam)', 'threads', 'train rows', 'samples/s', 'vs MNIST'],
  data.training.map((r) => [
    r.data,
    String(r.threads),
    String(r.trainSamples),
    r.samplesPerSecond.toFixed(0),
    `${(r.samplesPerSecond / onMnist.samplesPerSecond).toFixed(2)}x`,
  ]),
);
log(
  `(each load in a process of its own, Node itself included in its peak RSS (about 50 MB); samples/s: epoch 2's training steps, best of the repeats, run alternately; the CSV ${(onCsv.samplesPerSecond / onMnist.samplesPerSecond).toFixed(2)}x MNIST's rate)\n`,
);

const result = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model,
  threads,
  kernelVariant: variant,
  simdPeakGflops: mulAddPeak,
  fmaPeakGflops: fmaPeak,
  pytorch: torch,
  kernels,
  dispatchUs: dispatch,
  training,
  tfjsBaseline: baseline,
  tfjsPaths: paths,
  dataLoads: data.loads,
  userDataTraining: data.training,
  seconds: (performance.now() - t0) / 1000,
};
const out = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'out');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'bench.json'), JSON.stringify(result, null, 2) + '\n');
if (args.json) process.stdout.write(JSON.stringify(result) + '\n');
log(`wrote bench/out/bench.json (${result.seconds.toFixed(0)} s)`);
