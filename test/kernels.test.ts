// Every wasm kernel against the plain-TypeScript reference (test/helpers/kernel-reference.ts), XNNPACK style: one
// table of kernel x shape cases, each run (1) on its range against the reference, element by element, and (2) split into
// sub-ranges, which must give the same bits as one call (the thread pool splits every kernel that way). Then
// multi-step optimizer runs, and a gradient check of the backward kernels against finite differences.
//
// Tolerances, and why:
// - spmm/gemm: |got - want| <= 1e-5 * sum|terms|, where sum|terms| is the reference run on absolute values. Float32
//   sums of n terms err by about sqrt(n) * 2^-24 * sum|terms| (1.7e-6 at n = 784; 2.6e-7 is the worst seen here),
//   while one missing or doubled term of a fan-in-n sum is off by about 1/n of it (>= 1.3e-3 here): 100x over.
//   The same bound holds for the FMA build: a fused multiply-add rounds once where mul + add rounds twice, so each
//   step's error is at most the unfused one and the sqrt(n) u sum|terms| estimate still bounds the sum (2.6e-7 is
//   the worst seen in both builds); fused results differ from the reference's float32 products by an ulp or so,
//   hence no exact comparison with the plain build either.
// Every test below runs once per kernel build (plain SIMD and FMA; the FMA pass is skipped, saying why, where the
// engine cannot run relaxed SIMD), each instantiated explicitly whatever the loader would pick.
// - softmax: our exp/log polynomials are within ~2 ulp, so p, dz within 1e-6 absolute (+1e-5 relative) and the loss
//   within 1e-5; correct[] exactly.
// - transposes and gathers: exact (data movement). Split calls: exact (every element is computed by the same operations in the
//   same order whatever the split).
// - optimizers: one step within 1e-7 + 1e-6 relative (the kernel rounds each float32 operation, the reference only
//   the result: 1-2 ulp); 100 Adam steps within 2e-6 + 2e-5 relative (rounding differences random-walk over the
//   steps; 1.2e-7 absolute is the worst seen).
// Elements a call must not write start as a sentinel and must keep it exactly.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { KernelMemory } from '../src/kernels/memory.js';
import {
  compileKernels,
  instantiateKernels,
  kernelVariant,
  maddFuses,
  KERNEL_NAMES,
  type KernelExports,
  type KernelName,
  type KernelVariant,
} from '../src/kernels/wasm.js';
import * as ref from './helpers/kernel-reference.js';
import { activations, csr, mulberry32, radixLike, SENTINEL, uniform, type Rng } from './helpers/kernel-data.js';

// ---- data ----

function sentinel(n: number): Float32Array {
  return new Float32Array(n).fill(SENTINEL);
}

/** A sparse layer: CSR over outputs and its CSC over inputs (wPos: index of each CSC entry in the CSR arrays). */
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

function sparse(nIn: number, nOut: number, has: (o: number, i: number) => boolean): Sparse {
  const { rowPtr, colIdx } = csr(nIn, nOut, has);
  const nnz = colIdx.length;
  const colPtr = new Int32Array(nIn + 1);
  for (const i of colIdx) colPtr[i + 1]++;
  for (let i = 0; i < nIn; i++) colPtr[i + 1] += colPtr[i];
  const next = colPtr.slice(0, nIn);
  const rowIdx = new Int32Array(nnz);
  const wPos = new Int32Array(nnz);
  for (let o = 0; o < nOut; o++) {
    for (let k = rowPtr[o]; k < rowPtr[o + 1]; k++) {
      const at = next[colIdx[k]]++;
      rowIdx[at] = o;
      wPos[at] = k;
    }
  }
  return { nIn, nOut, nnz, rowPtr, colIdx, colPtr, rowIdx, wPos };
}

/** A RadiX-Net-like layer (N = 100, radix 10, place value p): input i feeds output o when (i - o) mod 100 = j p. */
function radix(nIn: number, nOut: number, p: number): Sparse {
  return sparse(nIn, nOut, (o, i) => radixLike(o, i, p));
}

function randomSparse(rng: Rng, nIn: number, nOut: number, density: number, emptyRows: number[] = []): Sparse {
  const keep = Array.from({ length: nOut * nIn }, () => rng() < density);
  return sparse(nIn, nOut, (o, i) => !emptyRows.includes(o) && keep[o * nIn + i]);
}

// ---- the case table ----

type Buf = Float32Array | Int32Array;
type Bufs = Record<string, Buf>;
type Ptrs = Record<string, number>;

interface Tol {
  /** Compare with tolerance rtol * (the reference run on absolute values of the float inputs); else exactly. */
  rtol?: number;
  /** Inputs whose sign the magnitude run keeps (ReLU mask sources, labels). */
  keepSign?: string[];
  /** Fixed tolerances: |got - want| <= atol + rtolFixed * |want|. */
  atol?: number;
  rtolFixed?: number;
}

interface Case {
  name: string;
  kernel: keyof KernelExports;
  /** Length of the kernel's outer loop; the case computes [range[0], range[1]) of [0, n). */
  n: number;
  range?: [number, number];
  bufs: Bufs;
  outputs: string[];
  /** Arguments after (start, end), from buffer offsets (a missing buffer is 0, "none"). */
  args(p: Ptrs): number[];
  ref(b: Bufs, start: number, end: number): void;
  tol: Tol;
}

const f = (b: Bufs, name: string): Float32Array => b[name] as Float32Array;
const fOpt = (b: Bufs, name: string): Float32Array | null => (b[name] as Float32Array | undefined) ?? null;
const i32 = (b: Bufs, name: string): Int32Array => b[name] as Int32Array;
const MATMUL: Tol = { rtol: 1e-5, keepSign: ['a'] };

interface LayerOpts {
  nb: number;
  ldb?: number;
  /** Real batch columns (the rest of nb is zero padding). */
  real?: number;
  bias?: boolean;
  relu?: boolean;
  mask?: boolean;
  db?: boolean;
  range?: [number, number];
}

function spmmCases(shape: string, make: (rng: Rng) => Sparse, o: LayerOpts): ((rng: Rng) => Case)[] {
  const ldb = o.ldb ?? o.nb;
  const real = o.real ?? o.nb;
  const sparseBufs = (s: Sparse): Bufs => ({
    rowPtr: s.rowPtr,
    colIdx: s.colIdx,
    colPtr: s.colPtr,
    rowIdx: s.rowIdx,
    wPos: s.wPos,
  });
  return [
    (rng) => {
      const s = make(rng);
      const bufs: Bufs = {
        ...sparseBufs(s),
        w: uniform(rng, s.nnz),
        x: activations(rng, s.nIn, ldb, real),
        y: sentinel(s.nOut * ldb),
      };
      if (o.bias) bufs.bias = uniform(rng, s.nOut);
      return {
        name: `spmm_fwd ${shape}${o.bias ? ' +bias' : ''}${o.relu ? ' relu' : ''}`,
        kernel: 'spmm_fwd',
        n: s.nOut,
        range: o.range,
        bufs,
        outputs: ['y'],
        args: (p) => [p.rowPtr, p.colIdx, p.w, p.bias ?? 0, p.x, p.y, o.nb, ldb, o.relu ? 1 : 0],
        ref: (b, s0, s1) =>
          ref.spmmFwd(
            s0,
            s1,
            i32(b, 'rowPtr'),
            i32(b, 'colIdx'),
            f(b, 'w'),
            fOpt(b, 'bias'),
            f(b, 'x'),
            f(b, 'y'),
            o.nb,
            ldb,
            !!o.relu,
          ),
        tol: MATMUL,
      };
    },
    (rng) => {
      const s = make(rng);
      const bufs: Bufs = {
        ...sparseBufs(s),
        w: uniform(rng, s.nnz),
        dy: activations(rng, s.nOut, ldb, real),
        dx: sentinel(s.nIn * ldb),
      };
      if (o.mask) bufs.a = activations(rng, s.nIn, ldb, real);
      return {
        name: `spmm_bwd_x ${shape}${o.mask ? ' masked' : ''}`,
        kernel: 'spmm_bwd_x',
        n: s.nIn,
        range: o.range,
        bufs,
        outputs: ['dx'],
        args: (p) => [p.colPtr, p.rowIdx, p.wPos, p.w, p.dy, p.a ?? 0, p.dx, o.nb, ldb],
        ref: (b, s0, s1) =>
          ref.spmmBwdX(
            s0,
            s1,
            i32(b, 'colPtr'),
            i32(b, 'rowIdx'),
            i32(b, 'wPos'),
            f(b, 'w'),
            f(b, 'dy'),
            fOpt(b, 'a'),
            f(b, 'dx'),
            o.nb,
            ldb,
          ),
        tol: MATMUL,
      };
    },
    (rng) => {
      const s = make(rng);
      const bufs: Bufs = {
        ...sparseBufs(s),
        dy: activations(rng, s.nOut, ldb, real),
        x: activations(rng, s.nIn, ldb, real),
        dw: sentinel(s.nnz),
      };
      if (o.db) bufs.db = sentinel(s.nOut);
      return {
        name: `spmm_bwd_w ${shape}${o.db ? ' +db' : ''}`,
        kernel: 'spmm_bwd_w',
        n: s.nOut,
        range: o.range,
        bufs,
        outputs: o.db ? ['dw', 'db'] : ['dw'],
        args: (p) => [p.rowPtr, p.colIdx, p.dy, p.x, p.dw, p.db ?? 0, o.nb, ldb],
        ref: (b, s0, s1) =>
          ref.spmmBwdW(
            s0,
            s1,
            i32(b, 'rowPtr'),
            i32(b, 'colIdx'),
            f(b, 'dy'),
            f(b, 'x'),
            f(b, 'dw'),
            fOpt(b, 'db'),
            o.nb,
            ldb,
          ),
        tol: MATMUL,
      };
    },
  ];
}

function gemmCases(shape: string, nIn: number, nOut: number, o: LayerOpts): ((rng: Rng) => Case)[] {
  const ldb = o.ldb ?? o.nb;
  const real = o.real ?? o.nb;
  return [
    (rng) => {
      const bufs: Bufs = { w: uniform(rng, nOut * nIn), x: activations(rng, nIn, ldb, real), y: sentinel(nOut * ldb) };
      if (o.bias) bufs.bias = uniform(rng, nOut);
      return {
        name: `gemm_fwd ${shape}${o.bias ? ' +bias' : ''}${o.relu ? ' relu' : ''}`,
        kernel: 'gemm_fwd',
        n: nOut,
        range: o.range,
        bufs,
        outputs: ['y'],
        args: (p) => [p.w, nIn, p.bias ?? 0, p.x, p.y, o.nb, ldb, o.relu ? 1 : 0],
        ref: (b, s0, s1) =>
          ref.gemmFwd(s0, s1, f(b, 'w'), nIn, fOpt(b, 'bias'), f(b, 'x'), f(b, 'y'), o.nb, ldb, !!o.relu),
        tol: MATMUL,
      };
    },
    (rng) => {
      const bufs: Bufs = {
        w: uniform(rng, nOut * nIn),
        dy: activations(rng, nOut, ldb, real),
        dx: sentinel(nIn * ldb),
      };
      if (o.mask) bufs.a = activations(rng, nIn, ldb, real);
      return {
        name: `gemm_bwd_x ${shape}${o.mask ? ' masked' : ''}`,
        kernel: 'gemm_bwd_x',
        n: nIn,
        range: o.range,
        bufs,
        outputs: ['dx'],
        args: (p) => [p.w, nIn, nOut, p.dy, p.a ?? 0, p.dx, o.nb, ldb],
        ref: (b, s0, s1) => ref.gemmBwdX(s0, s1, f(b, 'w'), nIn, nOut, f(b, 'dy'), fOpt(b, 'a'), f(b, 'dx'), o.nb, ldb),
        tol: MATMUL,
      };
    },
    (rng) => {
      const bufs: Bufs = {
        dy: activations(rng, nOut, ldb, real),
        x: activations(rng, nIn, ldb, real),
        dw: sentinel(nOut * nIn),
      };
      if (o.db) bufs.db = sentinel(nOut);
      return {
        name: `gemm_bwd_w ${shape}${o.db ? ' +db' : ''}`,
        kernel: 'gemm_bwd_w',
        n: nOut,
        range: o.range,
        bufs,
        outputs: o.db ? ['dw', 'db'] : ['dw'],
        args: (p) => [nIn, p.dy, p.x, p.dw, p.db ?? 0, o.nb, ldb],
        ref: (b, s0, s1) => ref.gemmBwdW(s0, s1, nIn, f(b, 'dy'), f(b, 'x'), f(b, 'dw'), fOpt(b, 'db'), o.nb, ldb),
        tol: MATMUL,
      };
    },
  ];
}

/** Logits (c, ldb) with n real columns; `ties` repeats the max in every column to test first-index argmax. */
function softmaxCases(
  shape: string,
  c: number,
  n: number,
  ldb: number,
  scale: number,
  opts: { ties?: boolean; range?: [number, number] } = {},
): ((rng: Rng) => Case)[] {
  const logits = (rng: Rng): Float32Array => {
    const z = uniform(rng, c * ldb, -6, 6);
    if (opts.ties) for (let b = 0; b < ldb; b++) z[(c - 1) * ldb + b] = z[b] = 7;
    return z;
  };
  const pad = Math.ceil(n / 4) * 4; // columns the host passes: the batch rounded up to a SIMD vector
  return [
    (rng) => ({
      name: `softmax_xent ${shape}`,
      kernel: 'softmax_xent',
      n: pad,
      range: opts.range,
      bufs: {
        z: logits(rng),
        labels: Int32Array.from({ length: n }, (_, b) => (opts.ties ? [0, c - 1][b % 2] : Math.floor(rng() * c))),
        dz: sentinel(c * ldb),
        loss: sentinel(n),
        correct: new Int32Array(n).fill(-5),
      },
      outputs: ['dz', 'loss', 'correct'],
      args: (p) => [p.z, p.labels, c, n, ldb, p.dz, p.loss, p.correct, scale],
      ref: (b, s0, s1) =>
        ref.softmaxXent(
          s0,
          s1,
          f(b, 'z'),
          i32(b, 'labels'),
          c,
          n,
          ldb,
          f(b, 'dz'),
          f(b, 'loss'),
          i32(b, 'correct'),
          scale,
        ),
      tol: { atol: 1e-5, rtolFixed: 1e-5 },
    }),
    (rng) => ({
      name: `softmax_fwd ${shape}`,
      kernel: 'softmax_fwd',
      n: pad,
      range: opts.range,
      bufs: { z: logits(rng), p: sentinel(c * ldb) },
      outputs: ['p'],
      args: (p) => [p.z, c, ldb, p.p],
      ref: (b, s0, s1) => ref.softmaxFwd(s0, s1, f(b, 'z'), c, ldb, f(b, 'p')),
      tol: { atol: 1e-6, rtolFixed: 1e-5 },
    }),
  ];
}

function transposeCases(shape: string, n: number, nFeat: number, ldb: number): ((rng: Rng) => Case)[] {
  return [
    (rng) => ({
      name: `transpose_in ${shape}`,
      kernel: 'transpose_in',
      n: nFeat,
      bufs: { src: uniform(rng, n * nFeat), dst: sentinel(nFeat * ldb) },
      outputs: ['dst'],
      args: (p) => [p.src, n, nFeat, p.dst, ldb],
      ref: (b, s0, s1) => ref.transposeIn(s0, s1, f(b, 'src'), n, nFeat, f(b, 'dst'), ldb),
      tol: {},
    }),
    (rng) => ({
      name: `transpose_out ${shape}`,
      kernel: 'transpose_out',
      n,
      bufs: { src: uniform(rng, nFeat * ldb), dst: sentinel(n * nFeat) },
      outputs: ['dst'],
      args: (p) => [p.src, nFeat, ldb, p.dst],
      ref: (b, s0, s1) => ref.transposeOut(s0, s1, f(b, 'src'), nFeat, ldb, f(b, 'dst')),
      tol: {},
    }),
  ];
}

/** A batch of n rows picked (with repeats, in any order) from a resident dataset of `count` samples. */
function gatherCase(shape: string, count: number, n: number, nFeat: number, ldb: number): (rng: Rng) => Case {
  return (rng) => ({
    name: `gather_in ${shape}`,
    kernel: 'gather_in',
    n: nFeat,
    bufs: {
      src: uniform(rng, count * nFeat),
      rows: Int32Array.from({ length: n }, () => Math.floor(rng() * count)),
      dst: sentinel(nFeat * ldb),
    },
    outputs: ['dst'],
    args: (p) => [p.src, p.rows, n, nFeat, p.dst, ldb],
    ref: (b, s0, s1) => ref.gatherIn(s0, s1, f(b, 'src'), i32(b, 'rows'), n, nFeat, f(b, 'dst'), ldb),
    tol: {},
  });
}

/** A batch's labels picked by row index (with repeats, in any order) from `count` resident labels. */
function gatherLabelsCase(shape: string, count: number, n: number, range?: [number, number]): (rng: Rng) => Case {
  return (rng) => ({
    name: `gather_labels ${shape}`,
    kernel: 'gather_labels',
    n,
    range,
    bufs: {
      src: Int32Array.from({ length: count }, () => Math.floor(rng() * 1000)),
      rows: Int32Array.from({ length: n }, () => Math.floor(rng() * count)),
      dst: new Int32Array(n).fill(-7),
    },
    outputs: ['dst'],
    args: (p) => [p.src, p.rows, p.dst],
    ref: (b, s0, s1) => ref.gatherLabels(s0, s1, i32(b, 'src'), i32(b, 'rows'), i32(b, 'dst')),
    tol: {},
  });
}

const OPTIMIZER: Tol = { atol: 1e-7, rtolFixed: 1e-6 };

function optimizerCases(shape: string, n: number, range?: [number, number]): ((rng: Rng) => Case)[] {
  return [
    (rng) => ({
      name: `sgd_update ${shape}`,
      kernel: 'sgd_update',
      n,
      range,
      bufs: { w: uniform(rng, n), g: uniform(rng, n) },
      outputs: ['w'],
      args: (p) => [p.w, p.g, 0.01],
      ref: (b, s0, s1) => ref.sgdUpdate(s0, s1, f(b, 'w'), f(b, 'g'), 0.01),
      tol: OPTIMIZER,
    }),
    (rng) => ({
      name: `momentum_update ${shape}`,
      kernel: 'momentum_update',
      n,
      range,
      bufs: { w: uniform(rng, n), g: uniform(rng, n), m: uniform(rng, n, -0.1, 0.1) },
      outputs: ['w', 'm'],
      args: (p) => [p.w, p.g, p.m, 0.01, 0.9],
      ref: (b, s0, s1) => ref.momentumUpdate(s0, s1, f(b, 'w'), f(b, 'g'), f(b, 'm'), 0.01, 0.9),
      tol: OPTIMIZER,
    }),
    (rng) => ({
      name: `adam_update ${shape}`,
      kernel: 'adam_update',
      n,
      range,
      bufs: { w: uniform(rng, n), g: uniform(rng, n), m: uniform(rng, n, -0.1, 0.1), v: uniform(rng, n, 0, 0.01) },
      outputs: ['w', 'm', 'v'],
      args: (p) => [p.w, p.g, p.m, p.v, 1e-3, 0.9, 0.999, 1e-7],
      ref: (b, s0, s1) => ref.adamUpdate(s0, s1, f(b, 'w'), f(b, 'g'), f(b, 'm'), f(b, 'v'), 1e-3, 0.9, 0.999, 1e-7),
      tol: OPTIMIZER,
    }),
  ];
}

// LeNet-300-100 (batch 100) and the awkward shapes: batch 1 and 7 (nb rounded up to 4 and 8, zero padding, ldb > nb),
// nOut = 1, nIn not a multiple of 4, empty CSR rows, fan-in 1, full density, and nb of 3, 12 and 13 vectors (every
// batch tile: 7, 4, 2, 1 vectors) and 125 (batch 500).
const CASES: ((rng: Rng) => Case)[] = [
  ...spmmCases('784->300 RadiX fan-in 78, b100', () => radix(784, 300, 1), {
    nb: 100,
    relu: true,
    mask: true,
    db: true,
  }),
  ...spmmCases('300->100 RadiX fan-in 30, b100', () => radix(300, 100, 10), {
    nb: 100,
    bias: true,
    relu: true,
    mask: true,
  }),
  ...spmmCases('100->10 RadiX fan-in 10, b100', () => radix(100, 10, 1), { nb: 100, bias: true, db: true }),
  ...spmmCases('batch 1 (nb 4), 37->23 density 0.3', (r) => randomSparse(r, 37, 23, 0.3), {
    nb: 4,
    real: 1,
    bias: true,
    relu: true,
    mask: true,
    db: true,
  }),
  ...spmmCases('batch 7 (nb 8, ldb 12), 50->21', (r) => randomSparse(r, 50, 21, 0.2), {
    nb: 8,
    ldb: 12,
    real: 7,
    bias: true,
    relu: true,
    mask: true,
    db: true,
  }),
  ...spmmCases('nOut 1, nIn 13', (r) => randomSparse(r, 13, 1, 0.6), {
    nb: 52,
    bias: true,
    relu: true,
    mask: true,
    db: true,
  }),
  ...spmmCases('empty rows, nb 13 vectors', (r) => randomSparse(r, 30, 17, 0.25, [0, 5, 6, 16]), {
    nb: 52,
    bias: true,
    relu: true,
    mask: true,
    db: true,
  }),
  ...spmmCases('fan-in 1, nb 3 vectors', () => sparse(19, 11, (o, i) => i === (o * 7) % 19), {
    nb: 12,
    relu: true,
    mask: true,
    db: true,
  }),
  ...spmmCases('full density 23->9, nb 12 vectors', () => sparse(23, 9, () => true), { nb: 48, bias: true, db: true }),
  ...spmmCases('batch 500, 64->40', (r) => randomSparse(r, 64, 40, 0.15), {
    nb: 500,
    relu: true,
    mask: true,
    db: true,
  }),
  ...spmmCases('sub-range [3, 9) of 150->20', (r) => randomSparse(r, 150, 20, 0.1), {
    nb: 100,
    bias: true,
    relu: true,
    mask: true,
    db: true,
    range: [3, 9],
  }),
  ...gemmCases('784->300 b100', 784, 300, { nb: 100, relu: true, mask: true, db: true }),
  ...gemmCases('300->100 b100', 300, 100, { nb: 100, bias: true, relu: true, mask: true }),
  ...gemmCases('100->10 b100', 100, 10, { nb: 100, bias: true, db: true }),
  ...gemmCases('batch 1 (nb 4), 13->6', 13, 6, { nb: 4, real: 1, bias: true, relu: true, mask: true, db: true }),
  ...gemmCases('batch 7 (nb 8, ldb 12), 9->7', 9, 7, {
    nb: 8,
    ldb: 12,
    real: 7,
    bias: true,
    relu: true,
    mask: true,
    db: true,
  }),
  ...gemmCases('nOut 1, nIn 1', 1, 1, { nb: 20, bias: true, relu: true, mask: true, db: true }),
  ...gemmCases('nIn 13, nOut 11, nb 13 vectors', 13, 11, { nb: 52, bias: true, relu: true, mask: true, db: true }),
  ...gemmCases('sub-range [5, 11) of 22->14', 22, 14, {
    nb: 12,
    bias: true,
    relu: true,
    mask: true,
    db: true,
    range: [5, 11],
  }),
  ...softmaxCases('10 classes, b100', 10, 100, 100, 1 / 100),
  ...softmaxCases('10 classes, batch 7 (ldb 12)', 10, 7, 12, 1 / 7),
  ...softmaxCases('3 classes, batch 1 (ldb 4)', 3, 1, 4, 0.5),
  ...softmaxCases('1 class, batch 5', 1, 5, 8, 1),
  ...softmaxCases('ties pick the first index', 4, 8, 8, 1, { ties: true }),
  ...softmaxCases('sub-range [1, 6) of 10 x b11', 10, 11, 12, 0.25, { range: [1, 6] }),
  ...transposeCases('784 x b100', 100, 784, 100),
  ...transposeCases('13 x batch 7 (ldb 12)', 7, 13, 12),
  ...transposeCases('1 x batch 1 (ldb 4)', 1, 1, 4),
  ...transposeCases('10 x batch 6', 6, 10, 8),
  gatherCase('784 x b100 from 300 samples', 300, 100, 784, 100),
  gatherCase('13 x batch 7 (ldb 12) from 9 samples', 9, 7, 13, 12),
  gatherCase('1 x batch 1 (ldb 4) from 1 sample', 1, 1, 1, 4),
  gatherCase('10 x batch 6 from 50 samples', 50, 6, 10, 8),
  gatherLabelsCase('b100 from 300 samples', 300, 100),
  gatherLabelsCase('sub-range [2, 5) of batch 7 from 3 samples', 3, 7, [2, 5]),
  ...optimizerCases('23520 (784->300 RadiX nonzeros)', 23520),
  ...optimizerCases('13', 13),
  ...optimizerCases('sub-range [3, 18) of 21', 21, [3, 18]),
];

// ---- running cases ----

const mem = new KernelMemory();

/**
 * Both builds of the kernels (asconfig.json), each instantiated explicitly over the same memory, whatever the loader
 * would pick; the FMA build is null (its tests skipped) where the engine cannot run relaxed SIMD.
 */
const BUILDS: { variant: KernelVariant; kernels: KernelExports | null; why?: string }[] = [
  { variant: 'simd', kernels: instantiateKernels(mem.memory, compileKernels('simd')) },
  (() => {
    try {
      return { variant: 'fma' as const, kernels: instantiateKernels(mem.memory, compileKernels('fma')) };
    } catch (e) {
      return { variant: 'fma' as const, kernels: null, why: (e as Error).message };
    }
  })(),
];

/** The build under test: set by each build's `before` hook (mocha runs one build's suites, then the other's). */
let kernels: KernelExports;

function clone(bufs: Bufs): Bufs {
  return Object.fromEntries(Object.entries(bufs).map(([k, v]) => [k, v.slice()]));
}

/** Runs the wasm kernel on each [start, end) of `ranges` in turn and returns copies of the outputs. */
function runWasm(c: Case, ranges: [number, number][]): Bufs {
  const mark = mem.mark();
  try {
    const ptrs: Ptrs = {};
    for (const [name, v] of Object.entries(c.bufs))
      ptrs[name] = v instanceof Int32Array ? mem.putI32(v) : mem.putF32(v);
    const fn = kernels[c.kernel] as (...args: number[]) => void;
    for (const [s, e] of ranges) fn(s, e, ...c.args(ptrs));
    return Object.fromEntries(
      c.outputs.map((name) => {
        const v = c.bufs[name];
        return [
          name,
          v instanceof Int32Array ? mem.i32(ptrs[name], v.length).slice() : mem.f32(ptrs[name], v.length).slice(),
        ];
      }),
    );
  } finally {
    mem.release(mark);
  }
}

function runRef(c: Case, s: number, e: number, bufs = clone(c.bufs)): Bufs {
  c.ref(bufs, s, e);
  return bufs;
}

/** The reference on |inputs| with outputs starting at 0: per element, the sum of |terms| (0 where nothing is written). */
function magnitude(c: Case, s: number, e: number): Bufs {
  const bufs = clone(c.bufs);
  for (const [name, v] of Object.entries(bufs)) {
    if (c.outputs.includes(name)) v.fill(0);
    else if (v instanceof Float32Array && !c.tol.keepSign?.includes(name)) v.forEach((x, k) => (v[k] = Math.abs(x)));
  }
  return runRef(c, s, e, bufs);
}

function compare(c: Case, got: Bufs, want: Bufs, bound: Bufs | null): void {
  for (const name of c.outputs) {
    const g = got[name];
    const w = want[name];
    let bad = 0;
    let first = '';
    for (let k = 0; k < w.length; k++) {
      const diff = Math.abs(g[k] - w[k]);
      let ok: boolean;
      if (c.tol.rtol !== undefined && bound) ok = diff <= c.tol.rtol * bound[name][k] || Object.is(g[k], w[k]);
      else if (c.tol.atol !== undefined) ok = diff <= c.tol.atol + (c.tol.rtolFixed ?? 0) * Math.abs(w[k]);
      else ok = Object.is(g[k], w[k]);
      if (w[k] === SENTINEL || g[k] === SENTINEL) ok = Object.is(g[k], w[k]); // untouched stays untouched
      if (!ok && bad++ === 0) first = `${name}[${k}]: wasm ${g[k]}, reference ${w[k]}`;
    }
    expect(bad, `${c.name}: ${bad} of ${w.length} elements of ${name} differ, first ${first}`).to.equal(0);
  }
}

function expectSameBits(c: Case, a: Bufs, b: Bufs, what: string): void {
  for (const name of c.outputs) {
    const x = new Int32Array(a[name].buffer);
    const y = new Int32Array(b[name].buffer);
    const k = x.findIndex((v, j) => v !== y[j]);
    expect(k, `${c.name}: ${what}: ${name}[${k}] is ${a[name][k]} vs ${b[name][k]}`).to.equal(-1);
  }
}

// ---- gradients: the backward kernels against finite differences of the reference forward ----

/**
 * A two-layer net on a padded batch: x0 (nIn, ldb) -> layer 1 (+bias, ReLU) -> h -> layer 2 (+bias) -> z ->
 * softmax_xent with scale 1/n, so that L = mean loss. `sparseFirst` picks which layer is the sparse one.
 */
function gradientCheck(sparseFirst: boolean): void {
  const rng = mulberry32(sparseFirst ? 11 : 12);
  const [nIn, nHid, nCls, n, nb, ldb] = [13, 9, 5, 6, 8, 12];
  const s = sparseFirst ? randomSparse(rng, nIn, nHid, 0.5, [3]) : randomSparse(rng, nHid, nCls, 0.6);
  const denseIn = sparseFirst ? nHid : nIn;
  const denseOut = sparseFirst ? nCls : nHid;
  const params = {
    ws: uniform(rng, s.nnz),
    bs: uniform(rng, s.nOut, -0.3, 0.3),
    wd: uniform(rng, denseOut * denseIn),
    bd: uniform(rng, denseOut, -0.3, 0.3),
    x0: activations(rng, nIn, ldb, n),
  };
  const labels = Int32Array.from({ length: n }, () => Math.floor(rng() * nCls));

  // the loss, in float64 through the reference forward; also returns the ReLU pattern to detect kinks
  const forward = (p: Record<keyof typeof params, Float64Array>): { loss: number; pattern: string } => {
    const h = new Float64Array(nHid * ldb);
    const z = new Float64Array(nCls * ldb);
    if (sparseFirst) {
      ref.spmmFwd(0, nHid, s.rowPtr, s.colIdx, p.ws, p.bs, p.x0, h, nb, ldb, true);
      ref.gemmFwd(0, nCls, p.wd, nHid, p.bd, h, z, nb, ldb, false);
    } else {
      ref.gemmFwd(0, nHid, p.wd, nIn, p.bd, p.x0, h, nb, ldb, true);
      ref.spmmFwd(0, nCls, s.rowPtr, s.colIdx, p.ws, p.bs, h, z, nb, ldb, false);
    }
    const loss = new Float64Array(n);
    ref.softmaxXent(0, nb, z, labels, nCls, n, ldb, new Float64Array(nCls * ldb), loss, new Int32Array(n), 1 / n);
    return { loss: loss.reduce((a, b) => a + b, 0) / n, pattern: Array.from(h, (v) => (v > 0 ? 1 : 0)).join('') };
  };

  // the gradients, from the wasm kernels
  const mark = mem.mark();
  const P = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, mem.putF32(v)])) as Record<
    keyof typeof params,
    number
  >;
  const h = mem.allocF32(nHid * ldb),
    z = mem.allocF32(nCls * ldb),
    dz = mem.allocF32(nCls * ldb),
    dh = mem.allocF32(nHid * ldb);
  const dx0 = mem.allocF32(nIn * ldb),
    dws = mem.allocF32(s.nnz),
    dbs = mem.allocF32(s.nOut),
    dwd = mem.allocF32(denseOut * denseIn),
    dbd = mem.allocF32(denseOut);
  const [rowPtr, colIdx, colPtr, rowIdx, wPos] = [s.rowPtr, s.colIdx, s.colPtr, s.rowIdx, s.wPos].map((a) =>
    mem.putI32(a),
  );
  const lab = mem.putI32(labels),
    loss = mem.allocF32(n),
    correct = mem.allocI32(n);
  const k = kernels;
  if (sparseFirst) {
    k.spmm_fwd(0, nHid, rowPtr, colIdx, P.ws, P.bs, P.x0, h, nb, ldb, 1);
    k.gemm_fwd(0, nCls, P.wd, nHid, P.bd, h, z, nb, ldb, 0);
    k.softmax_xent(0, nb, z, lab, nCls, n, ldb, dz, loss, correct, 1 / n);
    k.gemm_bwd_w(0, nCls, nHid, dz, h, dwd, dbd, nb, ldb);
    k.gemm_bwd_x(0, nHid, P.wd, nHid, nCls, dz, h, dh, nb, ldb);
    k.spmm_bwd_w(0, nHid, rowPtr, colIdx, dh, P.x0, dws, dbs, nb, ldb);
    k.spmm_bwd_x(0, nIn, colPtr, rowIdx, wPos, P.ws, dh, 0, dx0, nb, ldb);
  } else {
    k.gemm_fwd(0, nHid, P.wd, nIn, P.bd, P.x0, h, nb, ldb, 1);
    k.spmm_fwd(0, nCls, rowPtr, colIdx, P.ws, P.bs, h, z, nb, ldb, 0);
    k.softmax_xent(0, nb, z, lab, nCls, n, ldb, dz, loss, correct, 1 / n);
    k.spmm_bwd_w(0, nCls, rowPtr, colIdx, dz, h, dws, dbs, nb, ldb);
    k.spmm_bwd_x(0, nHid, colPtr, rowIdx, wPos, P.ws, dz, h, dh, nb, ldb);
    k.gemm_bwd_w(0, nHid, nIn, dh, P.x0, dwd, dbd, nb, ldb);
    k.gemm_bwd_x(0, nIn, P.wd, nIn, nHid, dh, 0, dx0, nb, ldb);
  }
  const grads: Record<keyof typeof params, Float32Array> = {
    ws: mem.f32(dws, s.nnz).slice(),
    bs: mem.f32(dbs, s.nOut).slice(),
    wd: mem.f32(dwd, denseOut * denseIn).slice(),
    bd: mem.f32(dbd, denseOut).slice(),
    x0: mem.f32(dx0, nIn * ldb).slice(),
  };
  mem.release(mark);

  // central differences, h = 1e-3 (the loss is smooth apart from ReLU kinks, which are skipped)
  const eps = 1e-3;
  const base = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Float64Array.from(v)])) as Record<
    keyof typeof params,
    Float64Array
  >;
  let checked = 0;
  let skipped = 0;
  for (const name of Object.keys(params) as (keyof typeof params)[]) {
    const g = grads[name];
    const scale = Math.max(...g.map(Math.abs));
    expect(scale, `gradient of ${name} is all zero`).to.be.greaterThan(0);
    for (let j = 0; j < g.length; j++) {
      if (name === 'x0' && j % ldb >= n) continue; // padded columns: not inputs of the loss
      const at = base[name][j];
      base[name][j] = at + eps;
      const up = forward(base);
      base[name][j] = at - eps;
      const down = forward(base);
      base[name][j] = at;
      if (up.pattern !== down.pattern) {
        skipped++;
        continue;
      }
      const fd = (up.loss - down.loss) / (2 * eps);
      expect(Math.abs(g[j] - fd), `d loss / d ${name}[${j}]: wasm ${g[j]}, finite difference ${fd}`).to.be.at.most(
        1e-4 * scale + 1e-3 * Math.abs(fd),
      );
      checked++;
    }
  }
  expect(skipped, 'too many entries sit on a ReLU kink').to.be.at.most(checked / 10);
}

// ---- the table's kernels all have cases ----

/** Kernels whose reference cases live in another file (they need the run and pair layouts built there). */
const TESTED_ELSEWHERE: Partial<Record<KernelName, string>> = {
  spmm_runs_fwd: 'test/kernels-runs.test.ts',
  spmm_pair_fwd: 'test/kernels-runs.test.ts',
  spmm_pair_bwd_w: 'test/kernels-runs.test.ts',
  challenge_fwd: 'test/challenge.test.ts (against a float64 reference of the whole inference)',
  challenge_load: 'test/challenge.test.ts (the inference from its staged inputs, against the float64 reference)',
  challenge_repack: 'test/challenge.test.ts (inferences whose rounds repack, against the float64 reference)',
  challenge_fwd_slices:
    'test/challenge.test.ts (rounds of 1 and 2 batches on 2 threads, against the float64 reference)',
  challenge_pack_slices:
    'test/challenge.test.ts (rounds of 1 and 2 batches on 2 threads, against the float64 reference)',
  run_program_mt: 'test/fused-step.test.ts',
};

describe('kernel test coverage', () => {
  it('has reference cases for every kernel the pool runs (assembly/kernels.json)', () => {
    const covered = new Set(CASES.map((make) => make(mulberry32(1)).kernel));
    expect(KERNEL_NAMES.filter((n) => !covered.has(n) && !(n in TESTED_ELSEWHERE))).to.deep.equal([]);
  });
});

// ---- every kernel test, once per build ----

function kernelSuites(): void {
  describe('wasm kernels vs the TypeScript reference', () => {
    CASES.forEach((make, index) => {
      const probe = make(mulberry32(1000 + index));
      const [s, e] = probe.range ?? [0, probe.n];
      it(`${probe.name}: matches the reference on [${s}, ${e})`, () => {
        const c = make(mulberry32(1000 + index));
        const got = runWasm(c, [[s, e]]);
        compare(c, got, runRef(c, s, e), c.tol.rtol !== undefined ? magnitude(c, s, e) : null);
      });
      it(`${probe.name}: split calls give the same bits as one call`, () => {
        const c = make(mulberry32(1000 + index));
        const whole = runWasm(c, [[s, e]]);
        const cuts = [...new Set([s + 1, Math.floor((s + e) / 2), e - 1, s + 3])]
          .filter((k) => k > s && k < e)
          .sort((a, b) => a - b);
        for (const k of cuts)
          expectSameBits(
            c,
            runWasm(c, [
              [s, k],
              [k, e],
            ]),
            whole,
            `[${s}, ${k}) + [${k}, ${e})`,
          );
        if (cuts.length >= 2)
          expectSameBits(
            c,
            runWasm(c, [
              [cuts[1], e],
              [s, cuts[0]],
              [cuts[0], cuts[1]],
            ]),
            whole,
            `three pieces out of order`,
          );
        expectSameBits(
          c,
          runWasm(c, [
            [s, s],
            [s, e],
            [e, e],
          ]),
          whole,
          'with empty ranges',
        );
      });
    });
  });

  // ---- softmax far from the argmax ----

  describe('softmax kernels far from the argmax', () => {
    it('gives exact zeros, never subnormal floats, for probabilities below 2^-80, and the loss from logits', () => {
      const [c, n, ldb] = [6, 5, 8];
      const gaps = [0, -56, -80, -100, -1e4, -3]; // class j of column b: gaps[(j + b) % c]
      const z = Float32Array.from({ length: c * ldb }, (_, e) => gaps[(Math.floor(e / ldb) + (e % ldb)) % c] + 5);
      const labels = Int32Array.from({ length: n }, (_, b) => (3 - b + c) % c); // gap -100: loss about 100
      const mark = mem.mark();
      const [pz, pl, pdz, ploss, pcor, pp] = [
        mem.putF32(z),
        mem.putI32(labels),
        mem.allocF32(c * ldb),
        mem.allocF32(n),
        mem.allocI32(n),
        mem.allocF32(c * ldb),
      ];
      kernels.softmax_xent(0, 1, pz, pl, c, n, ldb, pdz, ploss, pcor, 0.01); // column 0 scalar, 4..7 SIMD
      kernels.softmax_xent(1, ldb, pz, pl, c, n, ldb, pdz, ploss, pcor, 0.01);
      kernels.softmax_fwd(0, ldb, pz, c, ldb, pp);
      const [dz, loss, p] = [mem.f32(pdz, c * ldb).slice(), mem.f32(ploss, n).slice(), mem.f32(pp, c * ldb).slice()];
      mem.release(mark);
      const subnormal = (x: number): boolean => x !== 0 && Math.abs(x) < 2 ** -126;
      for (let e = 0; e < c * ldb; e++) {
        const gap = z[e] - 5;
        expect(subnormal(dz[e]) || subnormal(p[e]), `element ${e}: dz ${dz[e]}, p ${p[e]}`).to.equal(false);
        if (gap <= -56) expect(p[e], `p at logit gap ${gap}`).to.equal(0);
      }
      const lse = Math.log(1 + Math.exp(-3) + Math.exp(-56));
      for (let b = 0; b < n; b++) expect(loss[b]).to.be.closeTo(100 + lse, 1e-4);
    });
  });

  // ---- layout round trip ----

  describe('transpose kernels', () => {
    it('round-trip a batch: transpose_in then transpose_out give back every sample, with zero padding between', () => {
      const rng = mulberry32(9);
      for (const [n, nFeat, ldb] of [
        [7, 13, 12],
        [100, 784, 100],
        [1, 3, 4],
        [9, 4, 16],
      ]) {
        const src = uniform(rng, n * nFeat);
        const mark = mem.mark();
        const [ps, pd, pback] = [mem.putF32(src), mem.putF32(sentinel(nFeat * ldb)), mem.allocF32(n * nFeat)];
        kernels.transpose_in(0, nFeat, ps, n, nFeat, pd, ldb);
        kernels.transpose_out(0, n, pd, nFeat, ldb, pback);
        const [fm, back] = [mem.f32(pd, nFeat * ldb).slice(), mem.f32(pback, n * nFeat).slice()];
        mem.release(mark);
        expect(Array.from(back), `${n} x ${nFeat}`).to.deep.equal(Array.from(src));
        const pad = Math.ceil(n / 4) * 4;
        for (let f = 0; f < nFeat; f++) {
          for (let b = n; b < ldb; b++) expect(fm[f * ldb + b], `[${f}, ${b}]`).to.equal(b < pad ? 0 : SENTINEL);
        }
      }
    });
  });

  // ---- optimizers over many steps ----

  describe('optimizer kernels over many steps', () => {
    it('tracks the reference through 100 Adam steps with bias correction', () => {
      const n = 1003; // not a multiple of 4: the scalar tail runs every step
      const rng = mulberry32(7);
      const w0 = uniform(rng, n);
      const [lr, beta1, beta2, eps] = [1e-3, 0.9, 0.999, 1e-7];
      const mark = mem.mark();
      const [w, g, m, v] = [w0, new Float32Array(n), new Float32Array(n), new Float32Array(n)].map((a) =>
        mem.putF32(a),
      );
      const want = { w: w0.slice(), m: new Float32Array(n), v: new Float32Array(n) };
      for (let t = 1; t <= 100; t++) {
        const grad = uniform(rng, n, -0.5, 0.5);
        mem.f32(g, n).set(grad);
        const alpha = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
        kernels.adam_update(0, 500, w, g, m, v, alpha, beta1, beta2, eps); // two threads' worth of calls
        kernels.adam_update(500, n, w, g, m, v, alpha, beta1, beta2, eps);
        ref.adamUpdate(0, n, want.w, grad, want.m, want.v, alpha, beta1, beta2, eps);
      }
      const got = { w: mem.f32(w, n).slice(), m: mem.f32(m, n).slice(), v: mem.f32(v, n).slice() };
      mem.release(mark);
      for (const name of ['w', 'm', 'v'] as const) {
        const k = got[name].findIndex(
          (x, j) => !(Math.abs(x - want[name][j]) <= 2e-6 + 2e-5 * Math.abs(want[name][j])),
        );
        expect(k, `${name}[${k}]: wasm ${got[name][k]}, reference ${want[name][k]}`).to.equal(-1);
      }
      // and it trained: w moved by about lr per step against the gradient's sign
      expect(Math.abs(got.w[0] - w0[0])).to.be.greaterThan(1e-3);
    });

    it('momentum keeps its velocity across 50 steps', () => {
      const n = 37;
      const rng = mulberry32(8);
      const mark = mem.mark();
      const w0 = uniform(rng, n);
      const [w, g, m] = [w0, new Float32Array(n), new Float32Array(n)].map((a) => mem.putF32(a));
      const want = { w: w0.slice(), m: new Float32Array(n) };
      for (let t = 0; t < 50; t++) {
        const grad = uniform(rng, n);
        mem.f32(g, n).set(grad);
        kernels.momentum_update(0, n, w, g, m, 0.01, 0.9);
        ref.momentumUpdate(0, n, want.w, grad, want.m, 0.01, 0.9);
      }
      const got = mem.f32(w, n).slice();
      mem.release(mark);
      const k = got.findIndex((x, j) => !(Math.abs(x - want.w[j]) <= 1e-6 + 1e-5 * Math.abs(want.w[j])));
      expect(k, `w[${k}]: wasm ${got[k]}, reference ${want.w[k]}`).to.equal(-1);
    });
  });

  // ---- gradients ----
  describe('backward kernels vs finite differences', () => {
    it('gives the gradients of a sparse(ReLU) -> dense -> softmax cross-entropy net', () => gradientCheck(true));
    it('gives the gradients of a dense(ReLU) -> sparse -> softmax cross-entropy net', () => gradientCheck(false));
  });
}

for (const build of BUILDS) {
  const title =
    build.variant === 'fma'
      ? 'FMA build (relaxed SIMD, build/radixnet-fma.wasm)'
      : 'plain SIMD build (build/radixnet.wasm)';
  describe(build.kernels ? title : `${title}: SKIPPED, ${build.why}`, function () {
    before(function () {
      if (!build.kernels) this.skip();
      kernels = build.kernels;
    });
    kernelSuites();

    // w x + b for one input: w = x = 1 + 2^-12, b = -(1 + 2^-11). Exactly, w x + b = 2^-24; rounding w x to float32
    // first loses that (ties to even give 1 + 2^-11), so mul + add gives 0 and a fused multiply-add 2^-24.
    it(
      build.variant === 'fma' ? 'fuses the multiply-add (one rounding)' : 'rounds the product, then the sum (no FMA)',
      function () {
        const mark = mem.mark();
        const [w, x, b, y] = [
          mem.putF32([1 + 2 ** -12]),
          mem.putF32(new Float32Array(4).fill(1 + 2 ** -12)),
          mem.putF32([-(1 + 2 ** -11)]),
          mem.allocF32(4),
        ];
        kernels.gemm_fwd(0, 1, w, 1, b, x, y, 4, 4, 0);
        const got = mem.f32(y, 4)[0];
        mem.release(mark);
        if (build.variant === 'simd') expect(got).to.equal(0);
        else if (got === 0)
          this.skip(); // relaxed_madd may lower to mul + add (x86 without FMA3): correct, just not faster
        else expect(got).to.equal(2 ** -24);
      },
    );
  });
}

// ---- which build the loader picks (kernelModule() decides once per process, so each case runs in a new process) ----

/** The CPU's feature flags (Linux), or '' where /proc/cpuinfo cannot be read. */
function readCpuFlags(): string {
  try {
    return /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '';
  } catch {
    return '';
  }
}

describe('kernel loader', () => {
  const wasmJs = new URL('../src/kernels/wasm.js', import.meta.url).href;
  const variantWith = (value: string | undefined): string => {
    const env = { ...process.env };
    if (value === undefined) delete env.RADIXNET_SIMD;
    else env.RADIXNET_SIMD = value;
    // a script file rather than `node --input-type=module -e`: Bun and Deno run a file given to process.execPath too
    const file = join(tmpdir(), `radixnet-variant-${process.pid}.mjs`);
    writeFileSync(
      file,
      `import { kernelVariant } from ${JSON.stringify(wasmJs)}; process.stdout.write(kernelVariant());`,
    );
    return execFileSync(process.execPath, [file], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  };
  const fma = BUILDS[1].kernels !== null;
  // relaxed_madd may run fused or as mul then add (the proposal allows both): V8 (Node, Deno) fuses where the CPU has
  // FMA, JavaScriptCore (Bun) does not; where it does not, the FMA build is the plain build's arithmetic, and the
  // loader picks the plain one
  const fuses = fma && !process.versions.bun && /\bfma\b/.test(readCpuFlags());

  it(`knows whether relaxed_madd fuses here (${fuses ? 'it does' : 'it does not'})`, () => {
    expect(maddFuses()).to.equal(fuses);
  });

  it('falls back to the plain build when RADIXNET_SIMD=plain', () => {
    expect(variantWith('plain')).to.equal('simd');
  });
  it(`picks the ${fuses ? 'FMA' : 'plain'} build by default (relaxed SIMD ${fma ? '' : 'un'}available${fma && !fuses ? ', not fused' : ''} here)`, () => {
    expect(variantWith(undefined)).to.equal(fuses ? 'fma' : 'simd');
  });
  it(
    fma
      ? 'runs the FMA build when RADIXNET_SIMD=fma'
      : 'fails loudly when RADIXNET_SIMD=fma and relaxed SIMD is unavailable',
    () => {
      if (fma) expect(variantWith('fma')).to.equal('fma');
      else expect(() => variantWith('fma')).to.throw(/relaxed SIMD/);
    },
  );
  it('rejects other RADIXNET_SIMD values', () => {
    expect(() => variantWith('avx512')).to.throw(/RADIXNET_SIMD must be plain or fma/);
  });
  it('reports the build this process runs', () => {
    expect(['fma', 'simd']).to.include(kernelVariant());
  });
});
