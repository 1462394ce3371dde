// `node dist/bench/challenge.js`: Sparse DNN Graph Challenge rates on this machine (docs/graph-challenge.md), every
// size class that runs here, beside the published SuiteSparse:GraphBLAS CPU results and this machine's FMA limit
// (threads x the FMA peak of one thread, measured in the same run). The largest cases run on the first K inputs (the
// table says K). Writes bench/out/challenge.json and, with --figure FILE, the plot (PNG or SVG).
// Options: --quick (fewer inputs), --cases 1024x120,4096x480 (a subset), --threads N, --figure FILE, --json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { KernelMemory } from '../src/kernels/memory.js';
import { instantiateKernels, kernelVariant } from '../src/kernels/wasm.js';
import { runChallenge, type ChallengeRecord } from '../src/suite/challenge.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    cases: { type: 'string' },
    threads: { type: 'string' },
    figure: { type: 'string' },
    json: { type: 'boolean' },
  },
});
const log = (s: string): void => void (args.json ? process.stderr : process.stdout).write(s + '\n');

/**
 * Published SuiteSparse:GraphBLAS results (Davis et al., HPEC 2019 and the challenge's results file), on a 2.2 GHz
 * Xeon E5-2698 v4 (20 cores): G edges/s on one thread, and on 40 threads (20 cores) where published.
 */
export const GRAPHBLAS = {
  hardware: 'Xeon E5-2698 v4, 2.2 GHz, 20 cores',
  oneThread: { '1024x120': 9.7, '4096x120': 8.7, '16384x120': 5.1, '65536x120': 3.3 } as Record<string, number>,
  fortyThreads: { '1024x120': 165, '1024x1920': 230, '65536x1920': 65 } as Record<string, number>,
  cores: 20,
};

/**
 * Inputs each case runs: all 60,000 where a run takes seconds here, the first K otherwise (about 1e11 edges). 65536 x
 * 1920 runs 128 (5e11 edges): of its first 32 inputs 9 survive, in 3 vectors of 4 lanes (0.375 multiply-adds per
 * edge; of 128, 21 survive: 0.209, both measured on the first 96 layers), so 32 measured a handful of survivors'
 * padding and per-neuron overhead more than the kernels.
 */
const CASES: { neurons: number; layers: number; inputs: number }[] = [
  { neurons: 1024, layers: 120, inputs: 60000 },
  { neurons: 1024, layers: 480, inputs: 6000 },
  { neurons: 1024, layers: 1920, inputs: 1500 },
  { neurons: 4096, layers: 120, inputs: 6000 },
  { neurons: 4096, layers: 480, inputs: 1500 },
  { neurons: 4096, layers: 1920, inputs: 400 },
  { neurons: 16384, layers: 120, inputs: 1500 },
  { neurons: 16384, layers: 480, inputs: 400 },
  { neurons: 16384, layers: 1920, inputs: 100 },
  { neurons: 65536, layers: 120, inputs: 400 },
  { neurons: 65536, layers: 480, inputs: 100 },
  { neurons: 65536, layers: 1920, inputs: 128 },
];

/** Multiply-adds per second of one thread in a register-only FMA loop (best of 5): one edge is one multiply-add. */
function fmaPeakMadds(): number {
  const k = instantiateKernels(new KernelMemory().memory);
  const peak = kernelVariant() === 'fma' ? k.fma_peak : k.simd_peak;
  peak(1e6, 1, 0);
  let best = 0;
  for (let r = 0; r < 5; r++) {
    const iters = 1e7;
    const t0 = performance.now();
    peak(iters, 1, 0);
    best = Math.max(best, (48 * iters) / ((performance.now() - t0) / 1000));
  }
  return best;
}

export interface ChallengeBenchRow {
  case: string;
  neurons: number;
  layers: number;
  inputs: number;
  edges: number;
  seconds: number;
  edgesPerSecond: number;
  edgesPerCpuSecond: number;
  maddsPerEdge: number;
  categories: number;
  /** Share of the FMA limit (threads x peak) that edges/s reaches; above 1 where skipped work lets it pass. */
  ofFmaLimit: number;
  graphblasOneThread: number | null;
  graphblasPerCore: number | null;
  loadAverage: { before: number[]; after: number[] };
}

async function main(): Promise<void> {
  const threads = args.threads ? Number(args.threads) : availableParallelism();
  let cases = CASES;
  if (args.cases) {
    const want = new Set(args.cases.split(','));
    cases = CASES.filter((c) => want.has(`${c.neurons}x${c.layers}`));
  }
  if (args.quick) cases = cases.map((c) => ({ ...c, inputs: Math.max(32, Math.round(c.inputs / 10)) }));
  const load0 = loadavg();
  const peak = fmaPeakMadds();
  const limit = threads * peak;
  log(
    `radixnet graph challenge bench: ${cpus()[0]?.model ?? 'cpu'}, ${threads} threads, ${kernelVariant()} kernels, Node ${process.version}`,
  );
  log(
    `FMA peak of one thread ${(peak / 1e9).toFixed(1)} G multiply-adds/s; FMA limit ${threads} x that = ${(limit / 1e9).toFixed(1)} G edges/s; load average ${load0.map((x) => x.toFixed(2)).join(' ')}\n`,
  );
  const rows: ChallengeBenchRow[] = [];
  const records: ChallengeRecord[] = [];
  const head = [
    'case',
    'inputs',
    'G edges/s',
    'per core',
    'of FMA limit',
    'madds/edge',
    'G edges/CPU s',
    'GraphBLAS 1 thread',
    'GraphBLAS per core',
    'load (1 min)',
  ];
  log(head.join(' | '));
  for (const c of cases) {
    const r = await runChallenge({ neurons: c.neurons, layers: c.layers, inputsLimit: c.inputs, threads });
    records.push(r);
    const key = `${c.neurons}x${c.layers}`;
    const forty = GRAPHBLAS.fortyThreads[key];
    const row: ChallengeBenchRow = {
      case: key,
      neurons: c.neurons,
      layers: c.layers,
      inputs: c.inputs,
      edges: r.edges,
      seconds: r.seconds,
      edgesPerSecond: r.edgesPerSecond,
      edgesPerCpuSecond: r.edgesPerCpuSecond,
      maddsPerEdge: r.maddsPerEdge,
      categories: r.categories.length,
      ofFmaLimit: r.edgesPerSecond / limit,
      graphblasOneThread: GRAPHBLAS.oneThread[key] ?? null,
      graphblasPerCore: forty === undefined ? null : forty / GRAPHBLAS.cores,
      loadAverage: r.loadAverage,
    };
    rows.push(row);
    log(
      [
        key,
        String(c.inputs),
        (r.edgesPerSecond / 1e9).toFixed(1),
        (r.edgesPerSecond / threads / 1e9).toFixed(1),
        `${(100 * row.ofFmaLimit).toFixed(0)}%`,
        r.maddsPerEdge.toFixed(3),
        (r.edgesPerCpuSecond / 1e9).toFixed(1),
        row.graphblasOneThread?.toFixed(1) ?? '-',
        row.graphblasPerCore?.toFixed(1) ?? '-',
        `${r.loadAverage.before[0].toFixed(1)}-${r.loadAverage.after[0].toFixed(1)}`,
      ].join(' | '),
    );
  }
  const out = {
    machine: cpus()[0]?.model ?? 'cpu',
    threads,
    kernels: kernelVariant(),
    fmaPeakMaddsPerThread: peak,
    fmaLimit: limit,
    graphblas: GRAPHBLAS,
    rows,
    loadAverage: { before: load0, after: loadavg() },
  };
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'out');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'challenge.json'), JSON.stringify(out, null, 2) + '\n');
  if (args.json) process.stdout.write(JSON.stringify(out) + '\n');
  if (args.figure) {
    const { challengeRateSpec } = await import('../src/figures/challenge.js');
    const { writeFigure } = await import('../src/figures/render.js');
    const points = rows.map((r) => ({
      neurons: r.neurons,
      layers: r.layers,
      edgesPerSecond: r.edgesPerSecond,
      who: `radixnet (wall clock)`,
    }));
    // on a shared machine the wall clock counts the waits for a core; edges per CPU second x threads is the rate the
    // same work had while it ran (both are measured; the table prints both)
    for (const r of rows)
      points.push({
        neurons: r.neurons,
        layers: r.layers,
        edgesPerSecond: r.edgesPerCpuSecond * threads,
        who: `radixnet (per CPU s x ${threads})`,
      });
    for (const [key, g] of Object.entries(GRAPHBLAS.oneThread)) {
      const [n, l] = key.split('x').map(Number);
      points.push({
        neurons: n,
        layers: l,
        edgesPerSecond: g * 1e9 * threads,
        who: `GraphBLAS 1 thread (x ${threads})`,
      });
    }
    for (const [key, g] of Object.entries(GRAPHBLAS.fortyThreads)) {
      const [n, l] = key.split('x').map(Number);
      points.push({
        neurons: n,
        layers: l,
        edgesPerSecond: (g / GRAPHBLAS.cores) * 1e9 * threads,
        who: `GraphBLAS per core (x ${threads})`,
      });
    }
    const spec = challengeRateSpec(
      points,
      `generated networks, MNIST inputs; ${threads} cores of ${out.machine}, load average ${load0[0].toFixed(1)}-${out.loadAverage.after[0].toFixed(1)}`,
      { edgesPerSecond: limit, label: `FMA limit: ${threads} x ${(peak / 1e9).toFixed(1)} G multiply-adds/s` },
    );
    const w = await writeFigure(spec, args.figure);
    log(`\nwrote ${w.path} (${w.width} x ${w.height})`);
  }
}

await main();
