// Single-thread micro-benchmark of every wasm kernel on the shapes of LeNet-300-100 (784-300-100-10, batch 100):
// dense layers and the 90%-sparse RadiX-Net 10,10/10 (B = 8,3,1,1; fan-in 78, 30, 10), plus one whole training
// step of each (as the engine runs it on one thread). Run: `node dist/bench/kernels.js` (prints a table, `--json` prints JSON); bench/run.ts imports
// benchKernels(). The kernels are the build the loader picks (FMA where the engine takes relaxed SIMD, else plain;
// RADIXNET_SIMD=plain|fma forces one), named in the table's header line.
import { fileURLToPath } from 'node:url';
import { KernelMemory } from '../src/kernels/memory.js';
import { radixNet } from '../src/topology/radixnet.js';
import { transposeCsr } from '../src/kernels/csr.js';
import { csrRuns, outputPairs } from '../src/kernels/runs.js';
import { challengeBlock, sliceItemBytes } from '../src/kernels/challenge-block.js';
import { instantiateKernels, kernelVariant, KERNEL_NAMES, type KernelExports } from '../src/kernels/wasm.js';
import { KernelProgram } from '../src/kernels/program.js';
import type { Task } from '../src/kernels/pool.js';

export interface Row {
  kernel: string;
  shape: string;
  /** Median time of one call, microseconds. */
  us: number;
  /** Useful floating-point operations per second (2 per multiply-add), or null for data movement. */
  gflops: number | null;
  /** Bytes moved per second to and from memory buffers, the figure of merit of layout and optimizer kernels. */
  gbps: number | null;
}

const BATCH = 100;
const LDB = 100;
const SIZES = [784, 300, 100, 10];

/** CSR over outputs and CSC over inputs (the engine's layout) of RadiX-Net 10,10/10's layer l on LeNet-300-100. */
interface Sparse {
  nIn: number;
  nOut: number;
  nnz: number;
  rowPtr: Int32Array;
  colIdx: Int32Array;
  colPtr: Int32Array;
  rowIdx: Int32Array;
  wPos: Int32Array;
}

const NET = radixNet('10,10/10', SIZES);

function radixLayer(l: number): Sparse {
  const m = NET.masks[l];
  return {
    nIn: m.nIn,
    nOut: m.nOut,
    nnz: m.nnz,
    rowPtr: m.rowPtr,
    colIdx: m.colIdx,
    ...transposeCsr(m.rowPtr, m.colIdx, m.nIn),
  };
}

/** A CSR mask whose rows are ceil(fanIn / len) runs of `len` consecutive inputs at seeded random places (touching runs
 * merge into longer ones). */
function randomRuns(
  nIn: number,
  nOut: number,
  fanIn: number,
  len: number,
  seed: number,
): { rowPtr: Int32Array; colIdx: Int32Array; nnz: number } {
  let s = seed;
  const next = (n: number): number => {
    s = (Math.imul(s, 1664525) + 1013904223) | 0;
    return (s >>> 8) % n;
  };
  const slots = Math.floor(nIn / len); // runs start on multiples of len, so they never overlap
  const rowPtr = new Int32Array(nOut + 1);
  const cols: number[] = [];
  for (let o = 0; o < nOut; o++) {
    const starts = new Set<number>();
    while (starts.size < Math.ceil(fanIn / len)) starts.add(next(slots) * len);
    for (const st of [...starts].sort((a, b) => a - b)) for (let j = 0; j < len; j++) cols.push(st + j);
    rowPtr[o + 1] = cols.length;
  }
  return { rowPtr, colIdx: Int32Array.from(cols), nnz: cols.length };
}

function fill(mem: KernelMemory, n: number, seed: number): number {
  const ptr = mem.allocF32(n);
  const v = mem.f32(ptr, n);
  let s = seed;
  for (let k = 0; k < n; k++) {
    s = (Math.imul(s, 1664525) + 1013904223) | 0;
    v[k] = (s >>> 8) / 2 ** 24 - 0.5;
  }
  return ptr;
}

/** Median microseconds per call of fn, over rounds of enough calls to take ~20 ms each. */
function time(fn: () => void): number {
  for (let k = 0; k < 20; k++) fn();
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let k = 0; k < reps; k++) fn();
    if (performance.now() - t0 > 20) break;
    reps *= 2;
  }
  const rounds: number[] = [];
  for (let r = 0; r < 9; r++) {
    const t0 = performance.now();
    for (let k = 0; k < reps; k++) fn();
    rounds.push(((performance.now() - t0) * 1000) / reps);
  }
  return rounds.sort((a, b) => a - b)[4];
}

export async function benchKernels(): Promise<Row[]> {
  const mem = new KernelMemory(64 << 20);
  const k: KernelExports = instantiateKernels(mem.memory);
  const rows: Row[] = [];
  const add = (kernel: string, shape: string, flops: number | null, bytes: number | null, fn: () => void): void => {
    const us = time(fn);
    rows.push({
      kernel,
      shape,
      us,
      gflops: flops === null ? null : flops / us / 1e3,
      gbps: bytes === null ? null : bytes / us / 1e3,
    });
  };
  const act = SIZES.map((n, l) => fill(mem, n * LDB, 11 + l)); // activations (and gradients) per layer
  const grad = SIZES.map((n, l) => fill(mem, n * LDB, 21 + l));

  // dense layers
  const dense = [0, 1, 2].map((l) => {
    const [nIn, nOut] = [SIZES[l], SIZES[l + 1]];
    return {
      nIn,
      nOut,
      w: fill(mem, nIn * nOut, 31 + l),
      dw: mem.allocF32(nIn * nOut),
      m: mem.allocF32(nIn * nOut),
      v: mem.allocF32(nIn * nOut),
    };
  });
  for (const [l, { nIn, nOut, w, dw }] of dense.entries()) {
    const flops = 2 * BATCH * nIn * nOut;
    const shape = `${nIn}->${nOut} b${BATCH}`;
    add('gemm_fwd', shape, flops, null, () => k.gemm_fwd(0, nOut, w, nIn, 0, act[l], act[l + 1], BATCH, LDB, 1));
    if (l > 0)
      add('gemm_bwd_x', shape, flops, null, () =>
        k.gemm_bwd_x(0, nIn, w, nIn, nOut, grad[l + 1], act[l], grad[l], BATCH, LDB),
      );
    add('gemm_bwd_w', shape, flops, null, () => k.gemm_bwd_w(0, nOut, nIn, grad[l + 1], act[l], dw, 0, BATCH, LDB));
  }

  // sparse layers of RadiX-Net 10,10/10
  const layers = [0, 1, 2].map((l) => {
    const s = radixLayer(l);
    return {
      s,
      rowPtr: mem.putI32(s.rowPtr),
      colIdx: mem.putI32(s.colIdx),
      colPtr: mem.putI32(s.colPtr),
      rowIdx: mem.putI32(s.rowIdx),
      wPos: mem.putI32(s.wPos),
      ...(() => {
        const r = csrRuns(s.rowPtr, s.colIdx);
        const p = outputPairs(s.rowPtr, s.colIdx);
        return {
          runPtr: mem.putI32(r.runPtr),
          runs: mem.putI32(r.runs),
          nRuns: r.runPtr[s.nOut],
          pairs: mem.putI32(p.pairs),
          nPairs: p.entries,
          paired: p.paired,
        };
      })(),
      w: fill(mem, s.nnz, 41 + l),
      dw: mem.allocF32(s.nnz),
      m: mem.allocF32(s.nnz),
      v: mem.allocF32(s.nnz),
    };
  });
  for (let l = 0; l < 3; l++) {
    const L = layers[l];
    const flops = 2 * BATCH * L.s.nnz;
    const shape = `${L.s.nIn}->${L.s.nOut} fan-in ${(L.s.nnz / L.s.nOut).toFixed(0)} b${BATCH}`;
    add('spmm_fwd', shape, flops, null, () =>
      k.spmm_fwd(0, L.s.nOut, L.rowPtr, L.colIdx, L.w, 0, act[l], act[l + 1], BATCH, LDB, 1),
    );
    if (l > 0) {
      add('spmm_bwd_x', shape, flops, null, () =>
        k.spmm_bwd_x(0, L.s.nIn, L.colPtr, L.rowIdx, L.wPos, L.w, grad[l + 1], act[l], grad[l], BATCH, LDB),
      );
    }
    add('spmm_bwd_w', shape, flops, null, () =>
      k.spmm_bwd_w(0, L.s.nOut, L.rowPtr, L.colIdx, grad[l + 1], act[l], L.dw, 0, BATCH, LDB),
    );
    // the same layer as runs of inputs (assembly/spmm_runs.ts)
    const runShape = `${shape}, ${(L.s.nnz / L.nRuns).toFixed(1)}/run`;
    add('spmm_runs_fwd', runShape, flops, null, () =>
      k.spmm_runs_fwd(0, L.s.nOut, L.rowPtr, L.runPtr, L.runs, L.w, 0, act[l], act[l + 1], BATCH, LDB, 1),
    );
    // and with outputs of identical rows computed in pairs (what the engine runs for these layers)
    const pairShape = `${runShape}, ${L.paired}/${L.s.nOut} paired`;
    add('spmm_pair_fwd', pairShape, flops, null, () =>
      k.spmm_pair_fwd(0, L.nPairs, L.pairs, L.rowPtr, L.runPtr, L.runs, L.w, 0, act[l], act[l + 1], BATCH, LDB, 1),
    );
    add('spmm_pair_bwd_w', pairShape, flops, null, () =>
      k.spmm_pair_bwd_w(0, L.nPairs, L.pairs, L.rowPtr, L.colIdx, grad[l + 1], act[l], L.dw, 0, BATCH, LDB),
    );
  }

  // CSR against runs on a 784->300 layer made of runs of length L at random places: where
  // src/engine/layer.ts's MIN_RUN_LENGTH comes from
  for (const len of [2, 4, 10, 30]) {
    const s = randomRuns(784, 300, 80, len, 51 + len);
    const r = csrRuns(s.rowPtr, s.colIdx);
    const [rowPtr, colIdx, runPtr, runs, w] = [
      mem.putI32(s.rowPtr),
      mem.putI32(s.colIdx),
      mem.putI32(r.runPtr),
      mem.putI32(r.runs),
      fill(mem, s.nnz, 61),
    ];
    const flops = 2 * BATCH * s.nnz;
    const shape = `784->300 fan-in ${(s.nnz / 300).toFixed(0)}, random runs of ${len} (${(s.nnz / r.runPtr[300]).toFixed(1)}/run), b${BATCH}`;
    add('spmm_fwd', shape, flops, null, () => k.spmm_fwd(0, 300, rowPtr, colIdx, w, 0, act[0], act[1], BATCH, LDB, 1));
    add('spmm_runs_fwd', shape, flops, null, () =>
      k.spmm_runs_fwd(0, 300, rowPtr, runPtr, runs, w, 0, act[0], act[1], BATCH, LDB, 1),
    );
  }

  // softmax, layout, optimizer
  const labels = mem.putI32(Array.from({ length: BATCH }, (_, b) => (b * 7) % 10));
  const loss = mem.allocF32(BATCH);
  const correct = mem.allocI32(BATCH);
  add('softmax_xent', `10 x b${BATCH}`, null, 2 * 4 * 10 * BATCH, () =>
    k.softmax_xent(0, LDB, act[3], labels, 10, BATCH, LDB, grad[3], loss, correct, 1 / BATCH),
  );
  const probs = mem.allocF32(10 * LDB);
  add('softmax_fwd', `10 x b${BATCH}`, null, 2 * 4 * 10 * BATCH, () => k.softmax_fwd(0, LDB, act[3], 10, LDB, probs));
  const images = fill(mem, BATCH * 784, 5);
  add('transpose_in', `${BATCH} x 784`, null, 2 * 4 * 784 * BATCH, () =>
    k.transpose_in(0, 784, images, BATCH, 784, act[0], LDB),
  );
  const out = mem.allocF32(BATCH * 10);
  add('transpose_out', `10 x ${BATCH}`, null, 2 * 4 * 10 * BATCH, () =>
    k.transpose_out(0, BATCH, act[3], 10, LDB, out),
  );
  // a batch of rows spread over a training set resident in kernel memory, as fit gathers them
  const SET = 6000;
  const dataset = fill(mem, SET * 784, 6);
  const picked = mem.putI32(Array.from({ length: BATCH }, (_, b) => (b * 7919) % SET));
  add('gather_in', `${BATCH} of ${SET} x 784`, null, 2 * 4 * 784 * BATCH, () =>
    k.gather_in(0, 784, dataset, picked, BATCH, 784, act[0], LDB),
  );
  const setLabels = mem.putI32(Array.from({ length: SET }, (_, i) => i % 10));
  add('gather_labels', `${BATCH} of ${SET}`, null, 3 * 4 * BATCH, () =>
    k.gather_labels(0, BATCH, setLabels, picked, labels),
  );
  const nnz = layers.reduce((n, L) => n + L.s.nnz, 0);
  const L0 = layers[0];
  const n0 = L0.s.nnz;
  add('sgd_update', `${n0}`, null, 3 * 4 * n0, () => k.sgd_update(0, n0, L0.w, L0.dw, 0));
  add('momentum_update', `${n0}`, null, 5 * 4 * n0, () => k.momentum_update(0, n0, L0.w, L0.dw, L0.m, 0, 0.9));
  add('adam_update', `${n0}`, null, 7 * 4 * n0, () =>
    k.adam_update(0, n0, L0.w, L0.dw, L0.m, L0.v, 0, 0.9, 0.999, 1e-7),
  );

  // one sparse training step as the engine runs it: forward, loss, backward (no dx for the first layer), Adam
  const step = (): void => {
    k.transpose_in(0, 784, images, BATCH, 784, act[0], LDB);
    for (let l = 0; l < 3; l++) {
      const L = layers[l];
      k.spmm_fwd(0, L.s.nOut, L.rowPtr, L.colIdx, L.w, 0, act[l], act[l + 1], BATCH, LDB, l < 2 ? 1 : 0);
    }
    k.softmax_xent(0, LDB, act[3], labels, 10, BATCH, LDB, grad[3], loss, correct, 1 / BATCH);
    for (let l = 2; l >= 0; l--) {
      const L = layers[l];
      k.spmm_bwd_w(0, L.s.nOut, L.rowPtr, L.colIdx, grad[l + 1], act[l], L.dw, 0, BATCH, LDB);
      if (l > 0) k.spmm_bwd_x(0, L.s.nIn, L.colPtr, L.rowIdx, L.wPos, L.w, grad[l + 1], act[l], grad[l], BATCH, LDB);
    }
    for (const L of layers) k.adam_update(0, L.s.nnz, L.w, L.dw, L.m, L.v, 0, 0.9, 0.999, 1e-7);
  };
  // the same step with the kernels the engine picks for these layers (src/engine/layer.ts): pairs where outputs pair
  // up (layers 0, 1), runs for the last layer's forward
  const pairStep = (): void => {
    k.transpose_in(0, 784, images, BATCH, 784, act[0], LDB);
    for (let l = 0; l < 3; l++) {
      const L = layers[l];
      if (L.paired)
        k.spmm_pair_fwd(
          0,
          L.nPairs,
          L.pairs,
          L.rowPtr,
          L.runPtr,
          L.runs,
          L.w,
          0,
          act[l],
          act[l + 1],
          BATCH,
          LDB,
          l < 2 ? 1 : 0,
        );
      else
        k.spmm_runs_fwd(0, L.s.nOut, L.rowPtr, L.runPtr, L.runs, L.w, 0, act[l], act[l + 1], BATCH, LDB, l < 2 ? 1 : 0);
    }
    k.softmax_xent(0, LDB, act[3], labels, 10, BATCH, LDB, grad[3], loss, correct, 1 / BATCH);
    for (let l = 2; l >= 0; l--) {
      const L = layers[l];
      if (L.paired)
        k.spmm_pair_bwd_w(0, L.nPairs, L.pairs, L.rowPtr, L.colIdx, grad[l + 1], act[l], L.dw, 0, BATCH, LDB);
      else k.spmm_bwd_w(0, L.s.nOut, L.rowPtr, L.colIdx, grad[l + 1], act[l], L.dw, 0, BATCH, LDB);
      if (l > 0) k.spmm_bwd_x(0, L.s.nIn, L.colPtr, L.rowIdx, L.wPos, L.w, grad[l + 1], act[l], grad[l], BATCH, LDB);
    }
    for (const L of layers) k.adam_update(0, L.s.nnz, L.w, L.dw, L.m, L.v, 0, 0.9, 0.999, 1e-7);
  };
  const stepFlops = layers.reduce((f, L, l) => f + 2 * BATCH * L.s.nnz * (l > 0 ? 3 : 2), 0);
  add('sparse step', `10,10/10 nnz ${nnz} b${BATCH}`, stepFlops, null, step);
  add('sparse step, pairs', `10,10/10 nnz ${nnz} b${BATCH}`, stepFlops, null, pairStep);
  // the same calls as one kernel program: one call from JS per step (what a single-threaded Mlp runs)
  const pairTasks: Task[] = [{ kernel: 'transpose_in', n: 784, args: [images, BATCH, 784, act[0], LDB] }];
  for (let l = 0; l < 3; l++) {
    const L = layers[l];
    const relu = l < 2 ? 1 : 0;
    pairTasks.push(
      L.paired
        ? {
            kernel: 'spmm_pair_fwd',
            n: L.nPairs,
            args: [L.pairs, L.rowPtr, L.runPtr, L.runs, L.w, 0, act[l], act[l + 1], BATCH, LDB, relu],
          }
        : {
            kernel: 'spmm_runs_fwd',
            n: L.s.nOut,
            args: [L.rowPtr, L.runPtr, L.runs, L.w, 0, act[l], act[l + 1], BATCH, LDB, relu],
          },
    );
  }
  pairTasks.push({
    kernel: 'softmax_xent',
    n: LDB,
    args: [act[3], labels, 10, BATCH, LDB, grad[3], loss, correct, 1 / BATCH],
  });
  for (let l = 2; l >= 0; l--) {
    const L = layers[l];
    pairTasks.push(
      L.paired
        ? {
            kernel: 'spmm_pair_bwd_w',
            n: L.nPairs,
            args: [L.pairs, L.rowPtr, L.colIdx, grad[l + 1], act[l], L.dw, 0, BATCH, LDB],
          }
        : { kernel: 'spmm_bwd_w', n: L.s.nOut, args: [L.rowPtr, L.colIdx, grad[l + 1], act[l], L.dw, 0, BATCH, LDB] },
    );
    if (l > 0)
      pairTasks.push({
        kernel: 'spmm_bwd_x',
        n: L.s.nIn,
        args: [L.colPtr, L.rowIdx, L.wPos, L.w, grad[l + 1], act[l], grad[l], BATCH, LDB],
      });
  }
  for (const L of layers)
    pairTasks.push({ kernel: 'adam_update', n: L.s.nnz, args: [L.w, L.dw, L.m, L.v, 0, 0.9, 0.999, 1e-7] });
  const program = new KernelProgram(mem, mem, pairTasks);
  add('run_program', `sparse step, pairs, as one program of ${program.count} calls`, stepFlops, null, () =>
    program.run(k),
  );
  // the threaded runner on one thread (one slot, one chunk per record): what its claims and barriers add
  const sched = mem.allocI32(pairTasks.length * (2 + 129));
  const schedView = mem.i32(sched, pairTasks.length * (2 + 129));
  pairTasks.forEach((t, i) => schedView.set([1, 1, 0, t.n], i * (2 + 129)));
  const ctl = mem.allocI32(2 * pairTasks.length);
  add('run_program_mt', `the same program, 1 thread slot, a barrier after each call`, stepFlops, null, () => {
    mem.i32(ctl, 2 * pairTasks.length).fill(0);
    k.run_program_mt(0, 1, program.ptr, program.count, sched, ctl);
  });

  // the same step for the dense LeNet-300-100
  const denseStep = (): void => {
    k.transpose_in(0, 784, images, BATCH, 784, act[0], LDB);
    for (const [l, L] of dense.entries())
      k.gemm_fwd(0, L.nOut, L.w, L.nIn, 0, act[l], act[l + 1], BATCH, LDB, l < 2 ? 1 : 0);
    k.softmax_xent(0, LDB, act[3], labels, 10, BATCH, LDB, grad[3], loss, correct, 1 / BATCH);
    for (let l = 2; l >= 0; l--) {
      const L = dense[l];
      k.gemm_bwd_w(0, L.nOut, L.nIn, grad[l + 1], act[l], L.dw, 0, BATCH, LDB);
      if (l > 0) k.gemm_bwd_x(0, L.nIn, L.w, L.nIn, L.nOut, grad[l + 1], act[l], grad[l], BATCH, LDB);
    }
    for (const L of dense) k.adam_update(0, L.nIn * L.nOut, L.w, L.dw, L.m, L.v, 0, 0.9, 0.999, 1e-7);
  };
  const denseFlops = dense.reduce((f, L, l) => f + 2 * BATCH * L.nIn * L.nOut * (l > 0 ? 3 : 2), 0);
  add('dense step', `784-300-100-10 b${BATCH}`, denseFlops, null, denseStep);

  // one layer of the Graph Challenge's 1024-neuron network (radix 2 x6 Kronecker 16: 32 inputs per neuron, weights
  // 1/16) on a batch of 128 samples whose every row and sample stays live: the kernel's steady state
  {
    const cn = 1024;
    const cb = 128;
    const cl = radixNet('2,2,2,2,2,2', new Array(7).fill(cn)).masks[0];
    const blk = challengeBlock(cn, cb);
    const block = mem.alloc(blk.stride, 64);
    const buf = mem.memory.buffer;
    new Int32Array(buf, block, 1)[0] = cb;
    new Uint8Array(buf, block + blk.flags, cn).fill(1);
    new Float32Array(buf, block + blk.bufs, cn * cb).fill(1);
    const [cptr, cidx, cw] = [mem.putI32(cl.rowPtr), mem.putI32(cl.colIdx), mem.allocF32(cl.nnz)];
    new Float32Array(mem.memory.buffer, cw, cl.nnz).fill(1 / 16);
    add('challenge_fwd', `graph challenge ${cn} nnz ${cl.nnz} b${cb}`, 2 * cb * cl.nnz, null, () =>
      k.challenge_fwd(0, 1, cptr, cidx, cw, -0.3, cn, block, blk.stride, cb, 32, 0),
    );
    // the same layer cut into 4 slices of output rows (fewer batches than threads), then the slices' survivors packed
    const slices = 4;
    const scratch = mem.alloc(slices * sliceItemBytes(cn, cb), 64);
    add(
      'challenge_fwd_slices',
      `graph challenge ${cn} nnz ${cl.nnz} b${cb}, ${slices} slices`,
      2 * cb * cl.nnz,
      null,
      () => k.challenge_fwd_slices(0, slices, cptr, cidx, cw, -0.3, cn, block, blk.stride, cb, 32, 0, slices, scratch),
    );
    add('challenge_pack_slices', `${slices} slices of ${cn} rows b${cb}, all live (merge only)`, null, null, () =>
      k.challenge_pack_slices(0, slices, block, blk.stride, cn, cb, 0, slices, scratch),
    );
    // laying out a round's inputs: cb staged samples of about 10% of the neurons (the challenge's images) into a block
    const perSample = Math.round(cn / 10);
    const bptr = mem.putI32([0, cb]);
    const sptr = mem.putI32(Array.from({ length: cb + 1 }, (_, s) => s * perSample));
    const cols = mem.putI32(Array.from({ length: cb * perSample }, (_, p) => ((p % perSample) * 10 + (p % 7)) % cn));
    const vals = mem.allocF32(cb * perSample);
    new Float32Array(mem.memory.buffer, vals, cb * perSample).fill(1);
    const loadBlock = mem.alloc(blk.stride, 64);
    add('challenge_load', `${cb} samples of ${perSample} of ${cn}`, null, 3 * 4 * cb * perSample + 4 * cn * cb, () =>
      k.challenge_load(0, 1, bptr, sptr, cols, vals, loadBlock, blk.stride, cn, cb),
    );
    // repacking: two half-full batches (every row live) into one full batch of the other buffer
    const pair = mem.alloc(2 * blk.stride, 64);
    for (const b of [0, 1]) {
      const at = pair + b * blk.stride;
      new Uint8Array(mem.memory.buffer, at + blk.flags, cn).fill(1);
      new Float32Array(mem.memory.buffer, at + blk.bufs, cn * cb).fill(1);
    }
    const starts = mem.putI32([0, cb]);
    const olds = mem.putI32([0, cb / 2, cb]);
    add('challenge_repack', `2 batches of ${cb / 2} into 1 of ${cb}, ${cn} rows`, null, 2 * 4 * cn * cb, () =>
      k.challenge_repack(0, 1, starts, olds, 2, pair, blk.stride, cn, cb, 0),
    );
  }
  const missing = KERNEL_NAMES.filter((name) => !rows.some((r) => r.kernel === name));
  if (missing.length > 0)
    throw new Error(`bench/kernels.ts has no row for ${missing.join(', ')} of assembly/kernels.json: add one`);
  return rows;
}

function print(rows: Row[]): void {
  const head = ['kernel', 'shape', 'us/call', 'GFLOP/s', 'GB/s'];
  const body = rows.map((r) => [
    r.kernel,
    r.shape,
    r.us.toFixed(2),
    r.gflops?.toFixed(1) ?? '',
    r.gbps?.toFixed(1) ?? '',
  ]);
  const width = head.map((h, c) => Math.max(h.length, ...body.map((r) => r[c].length)));
  for (const r of [head, ...body])
    console.log(r.map((v, c) => (c < 2 ? v.padEnd(width[c]) : v.padStart(width[c]))).join('  '));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await benchKernels();
  if (process.argv.includes('--json')) console.log(JSON.stringify(rows, null, 2));
  else {
    console.log(
      `radixnet kernels, ${kernelVariant() === 'fma' ? 'FMA build (relaxed SIMD)' : 'plain wasm SIMD build'}, 1 thread\n`,
    );
    print(rows);
  }
}
