// The run-compressed and output-paired sparse kernels (assembly/spmm_runs.ts) and the derivation of runs and pairs from
// CSR (src/kernels/runs.ts).
// Each kernel is checked, once per kernel build (plain SIMD and FMA, the FMA pass skipped where the engine cannot run
// relaxed SIMD), (1) element by element against the plain-TypeScript reference (test/helpers/kernel-reference.ts)
// with the tolerance rule of test/kernels.test.ts: |got - want| <= 1e-5 * sum|terms|, the reference run on absolute values;
// (2) for the same bits as the CSR kernel on the same mask (same operations in the same order per element, which is
// what lets the engine pick either kernel); (3) split into sub-ranges, for the same bits as one call (thread pool
// splits). Elements a call must not write start as a sentinel and must keep it exactly.
import { expect } from 'chai';
import { KernelMemory } from '../src/kernels/memory.js';
import { compileKernels, instantiateKernels, type KernelExports, type KernelVariant } from '../src/kernels/wasm.js';
import { csrRuns, meanRunLength, outputPairs, runsToColIdx } from '../src/kernels/runs.js';
import * as ref from './helpers/kernel-reference.js';
import {
  activations,
  csr,
  mulberry32,
  radixLike,
  SENTINEL,
  uniform,
  type Csr,
  type Rng,
} from './helpers/kernel-data.js';

/** RadiX-Net-like layer (see radixLike). */
const radix = (nIn: number, nOut: number, p: number): Csr => csr(nIn, nOut, (o, i) => radixLike(o, i, p));

interface Shape {
  name: string;
  make: (rng: Rng) => Csr;
  nb: number;
  ldb?: number;
  real?: number;
  range?: [number, number];
}

// awkward shapes: the RadiX layers of 10,10/10 on LeNet-300-100 (runs of 10 with wrap-around, one run of 30 at
// stride 10), runs of length 1 (random masks), stride > 1 mixed with breaks, empty rows (first, middle, last),
// padded batches (1 -> nb 4, 7 -> nb 8 with ldb 12), every batch tile (nb of 3, 12, 13 vectors), a sub-range
const SHAPES: Shape[] = [
  { name: '784->300 RadiX p=1, b100', make: () => radix(784, 300, 1), nb: 100 },
  { name: '300->100 RadiX p=10, b100', make: () => radix(300, 100, 10), nb: 100 },
  { name: '100->10 RadiX p=1, batch 7 (nb 8, ldb 12)', make: () => radix(100, 10, 1), nb: 8, ldb: 12, real: 7 },
  {
    name: 'random 0.2 (runs of ~1), batch 1 (nb 4)',
    make: (r) => {
      const m = Array.from({ length: 37 * 23 }, () => r() < 0.2);
      return csr(37, 23, (o, i) => m[o * 37 + i]);
    },
    nb: 4,
    real: 1,
  },
  {
    name: 'strides 1..4 with breaks, empty rows 0, 5, 16, nb 13 vectors',
    make: () => csr(60, 17, (o, i) => ![0, 5, 16].includes(o) && (i % (1 + (o % 4)) === 0 || i === 59 - o) && i >= o),
    nb: 52,
  },
  { name: 'fan-in 1, nb 3 vectors', make: () => csr(19, 11, (o, i) => i === (o * 7) % 19), nb: 12 },
  { name: 'full density 23->9, nb 12 vectors', make: () => csr(23, 9, () => true), nb: 48 },
  { name: 'sub-range [3, 9) of 150->20 RadiX p=10', make: () => radix(150, 20, 10), nb: 100, range: [3, 9] },
  {
    name: '250->30 RadiX p=1 (outputs o, o+10, o+20 alike: pairs and odd ones), batch 5 (nb 8)',
    make: () =>
      csr(250, 30, (o, i) => {
        const d = (((i - (o % 10)) % 100) + 100) % 100;
        return d < 10 && !(o === 7 && i === 3);
      }),
    nb: 8,
    real: 5,
  },
];

const mem = new KernelMemory();
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

/** Copies `bufs` into kernel memory, runs `call` with their offsets, returns a copy of output `out`. */
function inMemory(
  bufs: Record<string, Float32Array | Int32Array>,
  out: string,
  call: (p: Record<string, number>) => void,
): Float32Array {
  const mark = mem.mark();
  try {
    const p: Record<string, number> = {};
    for (const [name, v] of Object.entries(bufs)) p[name] = v instanceof Int32Array ? mem.putI32(v) : mem.putF32(v);
    call(p);
    return mem.f32(p[out], bufs[out].length).slice();
  } finally {
    mem.release(mark);
  }
}

function expectClose(what: string, got: Float32Array, want: Float32Array, bound: Float32Array): void {
  let bad = 0;
  let first = '';
  for (let k = 0; k < want.length; k++) {
    let ok = Math.abs(got[k] - want[k]) <= 1e-5 * bound[k] || Object.is(got[k], want[k]);
    if (want[k] === SENTINEL || got[k] === SENTINEL) ok = Object.is(got[k], want[k]);
    if (!ok && bad++ === 0) first = `[${k}]: wasm ${got[k]}, reference ${want[k]}`;
  }
  expect(bad, `${what}: ${bad} of ${want.length} differ, first ${first}`).to.equal(0);
}

function expectSameBits(what: string, a: Float32Array, b: Float32Array): void {
  const x = new Int32Array(a.buffer);
  const y = new Int32Array(b.buffer);
  const k = x.findIndex((v, j) => v !== y[j]);
  expect(k, `${what}: [${k}] is ${a[k]} vs ${b[k]}`).to.equal(-1);
}

const abs = (v: Float32Array): Float32Array => v.map(Math.abs);

/** [s, e) cut at a third and two thirds (empty pieces allowed), as the pool may split it. */
function thirds(s: number, e: number): [number, number][] {
  const a = s + Math.floor((e - s) / 3);
  const b = s + Math.floor((2 * (e - s)) / 3);
  return [
    [s, a],
    [a, b],
    [b, e],
  ];
}

describe('run-compressed sparse kernels: runs and output pairs from CSR', () => {
  it('pair outputs with identical rows group by group, the odd one and unique rows alone, work by nonzeros', () => {
    // rows: 0 = {1,2}, 1 = {3}, 2 = {1,2}, 3 = {}, 4 = {1,2}, 5 = {3}, 6 = {}
    const m = csr(5, 7, (o, i) => ([0, 2, 4].includes(o) ? i === 1 || i === 2 : [1, 5].includes(o) ? i === 3 : false));
    const p = outputPairs(m.rowPtr, m.colIdx);
    expect(Array.from(p.pairs)).to.deep.equal([0, 2, 4, -1, 1, 5, 3, 6]);
    expect(p.entries).to.equal(4);
    expect(p.paired).to.equal(6);
    expect(Array.from(p.work)).to.deep.equal([0, 4, 6, 8, 8]);
    // every output exactly once
    for (const sh of SHAPES) {
      const q = outputPairs(sh.make(mulberry32(1)).rowPtr, sh.make(mulberry32(1)).colIdx);
      const seen = Array.from(q.pairs)
        .filter((o) => o >= 0)
        .sort((a, b) => a - b);
      expect(seen, sh.name).to.deep.equal(Array.from({ length: seen.length }, (_, k) => k));
    }
    const l0 = outputPairs(radix(784, 300, 1).rowPtr, radix(784, 300, 1).colIdx);
    expect(l0.paired).to.equal(200); // o with o + 100; 200..299 alone
    expect(Array.from(l0.pairs.subarray(0, 6))).to.deep.equal([0, 100, 200, -1, 1, 101]);
  });

  it('round-trip to the CSR column indices on every test shape', () => {
    for (const sh of SHAPES) {
      const m = sh.make(mulberry32(1));
      const r = csrRuns(m.rowPtr, m.colIdx);
      expect(Array.from(runsToColIdx(r.runPtr, r.runs)), sh.name).to.deep.equal(Array.from(m.colIdx));
      for (let o = 0; o < m.nOut; o++) {
        let n = 0;
        for (let q = r.runPtr[o]; q < r.runPtr[o + 1]; q++) n += r.runs[3 * q + 1];
        expect(n, `${sh.name}: row ${o} count`).to.equal(m.rowPtr[o + 1] - m.rowPtr[o]);
      }
    }
  });

  it('find the RadiX-Net runs: 10 consecutive rows (p = 1), 30 rows at stride 10 (p = 10)', () => {
    const l1 = radix(300, 100, 10);
    const r1 = csrRuns(l1.rowPtr, l1.colIdx);
    expect(r1.runPtr[100]).to.equal(100);
    expect(Array.from(r1.runs.subarray(0, 3))).to.deep.equal([0, 30, 10]);
    const l0 = radix(784, 300, 1);
    const r0 = csrRuns(l0.rowPtr, l0.colIdx);
    expect(Array.from(r0.runs.subarray(0, 3 * 8))).to.deep.equal([
      0, 10, 1, 100, 10, 1, 200, 10, 1, 300, 10, 1, 400, 10, 1, 500, 10, 1, 600, 10, 1, 700, 10, 1,
    ]);
    expect(meanRunLength(r0, l0.colIdx.length)).to.be.closeTo(9.9, 0.1);
  });

  it('empty rows have no runs, an empty mask none at all', () => {
    const m = csr(5, 3, (o, i) => o === 1 && i > 1);
    const r = csrRuns(m.rowPtr, m.colIdx);
    expect(Array.from(r.runPtr)).to.deep.equal([0, 0, 1, 1]);
    expect(Array.from(r.runs)).to.deep.equal([2, 3, 1]);
    const e = csrRuns(new Int32Array(4), new Int32Array(0));
    expect(Array.from(e.runPtr)).to.deep.equal([0, 0, 0, 0]);
    expect(meanRunLength(e, 0)).to.equal(0);
  });
});

for (const build of BUILDS) {
  describe(`run-compressed sparse kernels (${build.variant === 'fma' ? 'FMA build' : 'plain SIMD build'})`, function () {
    before(function () {
      if (!build.kernels) this.skip();
    });
    for (const sh of SHAPES) {
      const ldb = sh.ldb ?? sh.nb;
      const real = sh.real ?? sh.nb;

      it(`spmm_runs_fwd ${sh.name}: reference, CSR bits, split bits`, () => {
        const k = build.kernels!;
        const rng = mulberry32(7);
        const m = sh.make(rng);
        const r = csrRuns(m.rowPtr, m.colIdx);
        const [s, e] = sh.range ?? [0, m.nOut];
        for (const withBias of [false, true]) {
          for (const relu of [false, true]) {
            const bufs = {
              rowPtr: m.rowPtr,
              colIdx: m.colIdx,
              runPtr: r.runPtr,
              runs: r.runs,
              w: uniform(rng, m.colIdx.length),
              bias: withBias ? uniform(rng, m.nOut) : new Float32Array(1),
              x: activations(rng, m.nIn, ldb, real),
              y: new Float32Array(m.nOut * ldb).fill(SENTINEL),
            };
            const what = `spmm_runs_fwd ${sh.name}${withBias ? ' +bias' : ''}${relu ? ' relu' : ''}`;
            const run = (ranges: [number, number][]) =>
              inMemory(bufs, 'y', (p) => {
                for (const [a, b] of ranges)
                  k.spmm_runs_fwd(
                    a,
                    b,
                    p.rowPtr,
                    p.runPtr,
                    p.runs,
                    p.w,
                    withBias ? p.bias : 0,
                    p.x,
                    p.y,
                    sh.nb,
                    ldb,
                    relu ? 1 : 0,
                  );
              });
            const got = run([[s, e]]);
            const want = bufs.y.slice();
            ref.spmmRunsFwd(
              s,
              e,
              m.rowPtr,
              r.runPtr,
              r.runs,
              bufs.w,
              withBias ? bufs.bias : null,
              bufs.x,
              want,
              sh.nb,
              ldb,
              relu,
            );
            const bound = new Float32Array(want.length);
            ref.spmmRunsFwd(
              s,
              e,
              m.rowPtr,
              r.runPtr,
              r.runs,
              abs(bufs.w),
              withBias ? abs(bufs.bias) : null,
              abs(bufs.x),
              bound,
              sh.nb,
              ldb,
              false,
            );
            expectClose(what, got, want, bound);
            const viaCsr = inMemory(bufs, 'y', (p) =>
              k.spmm_fwd(s, e, p.rowPtr, p.colIdx, p.w, withBias ? p.bias : 0, p.x, p.y, sh.nb, ldb, relu ? 1 : 0),
            );
            expectSameBits(`${what} vs spmm_fwd`, got, viaCsr);
            expectSameBits(`${what} split in three`, got, run(thirds(s, e)));
          }
        }
      });

      it(`spmm_pair_fwd and spmm_pair_bwd_w ${sh.name}: reference, CSR bits, split bits`, () => {
        const k = build.kernels!;
        const rng = mulberry32(9);
        const m = sh.make(rng);
        const r = csrRuns(m.rowPtr, m.colIdx);
        const pr = outputPairs(m.rowPtr, m.colIdx);
        // a sub-range shape takes the same share of entries
        const [s, e] = sh.range
          ? [Math.min(sh.range[0], pr.entries), Math.min(sh.range[1], pr.entries)]
          : [0, pr.entries];
        const outs = Array.from(pr.pairs.subarray(2 * s, 2 * e)).filter((o) => o >= 0);
        const bufs = {
          pairs: pr.pairs,
          rowPtr: m.rowPtr,
          colIdx: m.colIdx,
          runPtr: r.runPtr,
          runs: r.runs,
          w: uniform(rng, m.colIdx.length),
          bias: uniform(rng, m.nOut),
          x: activations(rng, m.nIn, ldb, real),
          dy: activations(rng, m.nOut, ldb, real),
          y: new Float32Array(m.nOut * ldb).fill(SENTINEL),
          dw: new Float32Array(Math.max(1, m.colIdx.length)).fill(SENTINEL),
          db: new Float32Array(m.nOut).fill(SENTINEL),
        };
        // |inputs| once per shape for the tolerance bounds (recomputing them for every output took seconds)
        const mag = { w: abs(bufs.w), bias: abs(bufs.bias), x: abs(bufs.x), dy: abs(bufs.dy) };
        for (const relu of [false, true]) {
          const what = `spmm_pair_fwd ${sh.name}${relu ? ' relu' : ''}`;
          const run = (ranges: [number, number][]) =>
            inMemory(bufs, 'y', (p) => {
              for (const [a, b] of ranges)
                k.spmm_pair_fwd(
                  a,
                  b,
                  p.pairs,
                  p.rowPtr,
                  p.runPtr,
                  p.runs,
                  p.w,
                  p.bias,
                  p.x,
                  p.y,
                  sh.nb,
                  ldb,
                  relu ? 1 : 0,
                );
            });
          const got = run([[s, e]]);
          const want = bufs.y.slice();
          const bound = new Float32Array(want.length);
          for (const o of outs) {
            ref.spmmFwd(o, o + 1, m.rowPtr, m.colIdx, bufs.w, bufs.bias, bufs.x, want, sh.nb, ldb, relu);
            ref.spmmFwd(o, o + 1, m.rowPtr, m.colIdx, mag.w, mag.bias, mag.x, bound, sh.nb, ldb, false);
          }
          expectClose(what, got, want, bound);
          const viaCsr = inMemory(bufs, 'y', (p) => {
            for (const o of outs)
              k.spmm_fwd(o, o + 1, p.rowPtr, p.colIdx, p.w, p.bias, p.x, p.y, sh.nb, ldb, relu ? 1 : 0);
          });
          expectSameBits(`${what} vs spmm_fwd`, got, viaCsr);
          expectSameBits(`${what} split in three`, got, run(thirds(s, e)));
        }
        for (const out of ['dw', 'db'] as const) {
          const what = `spmm_pair_bwd_w ${sh.name} ${out}`;
          const run = (ranges: [number, number][]) =>
            inMemory(bufs, out, (p) => {
              for (const [a, b] of ranges)
                k.spmm_pair_bwd_w(a, b, p.pairs, p.rowPtr, p.colIdx, p.dy, p.x, p.dw, p.db, sh.nb, ldb);
            });
          const got = run([[s, e]]);
          const want = { dw: bufs.dw.slice(), db: bufs.db.slice() };
          const bound = { dw: new Float32Array(bufs.dw.length), db: new Float32Array(m.nOut) };
          for (const o of outs) {
            ref.spmmBwdW(o, o + 1, m.rowPtr, m.colIdx, bufs.dy, bufs.x, want.dw, want.db, sh.nb, ldb);
            ref.spmmBwdW(o, o + 1, m.rowPtr, m.colIdx, mag.dy, mag.x, bound.dw, bound.db, sh.nb, ldb);
          }
          expectClose(what, got, want[out], bound[out]);
          const viaCsr = inMemory(bufs, out, (p) => {
            for (const o of outs) k.spmm_bwd_w(o, o + 1, p.rowPtr, p.colIdx, p.dy, p.x, p.dw, p.db, sh.nb, ldb);
          });
          expectSameBits(`${what} vs spmm_bwd_w`, got, viaCsr);
          expectSameBits(`${what} split in three`, got, run(thirds(s, e)));
        }
      });
    }
  });
}
