// Run-compressed and output-paired sparse layer kernels: spmm.ts's CSR forward and weight gradient for RadiX-Net-like
// masks. See index.ts for the ABI.
//
// Why: RadiX-Net masks connect each output to runs of inputs at a constant stride (10,10/10 on LeNet-300-100: 8 runs
// of 10 consecutive rows per output in layer 0, one run of 30 at stride 10 in layer 1). The CSR forward spends an
// index load, a multiply and an add per nonzero to find the input row; here a run (start, count, stride) gives the
// first row once and the loop over the run only adds stride * ldb bytes to the row pointer. Weights stay in CSR
// order (a run's weights are consecutive), so the optimizer, the CSC of dX and the weight layout are unchanged, and
// every output element is summed with the same operations in the same order as spmm_fwd: the results are
// bit-identical to the CSR kernel whatever the thread split. The weight gradient has no run version: its index work
// is per 4 nonzeros and amortized over the batch, so runs saved nothing there (docs/performance.md, design measurements); pairs
// below do save loads.
// Tiles are named <outputs>x<vectors>, as in spmm.ts.
import { madd } from './madd';
import { dot1, rowSum, sum4, vec } from './reduce';
import { spmm_bwd_w } from './spmm';

// ---- forward: y (nOut, ldb) = act(W x + bias), W as runs (runPtr, runs) with weights w in CSR order ----

// One output row, 7 batch vectors (28 columns) from x column xc; runs [r, rEnd) are (start, count, stride) triples.
// 7 accumulators + 7 loads + the splat fill V8's 15 allocatable xmm registers, as in spmm.ts's fwdTile1x7.
function fwdRunsTile1x7(r: usize, rEnd: usize, wk: usize, xc: usize, ld: usize, b: v128, out: usize, relu: i32): void {
  let a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b;
  while (r < rEnd) {
    let xp = xc + <usize>load<i32>(r) * ld;
    const wEnd = wk + (<usize>load<i32>(r, 4) << 2);
    const step = <usize>load<i32>(r, 8) * ld;
    while (wk < wEnd) {
      const s = v128.load32_splat(wk);
      a0 = madd(s, v128.load(xp, 0), a0);
      a1 = madd(s, v128.load(xp, 16), a1);
      a2 = madd(s, v128.load(xp, 32), a2);
      a3 = madd(s, v128.load(xp, 48), a3);
      a4 = madd(s, v128.load(xp, 64), a4);
      a5 = madd(s, v128.load(xp, 80), a5);
      a6 = madd(s, v128.load(xp, 96), a6);
      xp += step;
      wk += 4;
    }
    r += 12;
  }
  if (relu) {
    const z = f32x4.splat(0);
    a0 = f32x4.pmax(a0, z); a1 = f32x4.pmax(a1, z); a2 = f32x4.pmax(a2, z); a3 = f32x4.pmax(a3, z);
    a4 = f32x4.pmax(a4, z); a5 = f32x4.pmax(a5, z); a6 = f32x4.pmax(a6, z);
  }
  v128.store(out, a0, 0); v128.store(out, a1, 16); v128.store(out, a2, 32); v128.store(out, a3, 48);
  v128.store(out, a4, 64); v128.store(out, a5, 80); v128.store(out, a6, 96);
}

// The same for 4 batch vectors.
function fwdRunsTile1x4(r: usize, rEnd: usize, wk: usize, xc: usize, ld: usize, b: v128, out: usize, relu: i32): void {
  let a0 = b, a1 = b, a2 = b, a3 = b;
  while (r < rEnd) {
    let xp = xc + <usize>load<i32>(r) * ld;
    const wEnd = wk + (<usize>load<i32>(r, 4) << 2);
    const step = <usize>load<i32>(r, 8) * ld;
    while (wk < wEnd) {
      const s = v128.load32_splat(wk);
      a0 = madd(s, v128.load(xp, 0), a0);
      a1 = madd(s, v128.load(xp, 16), a1);
      a2 = madd(s, v128.load(xp, 32), a2);
      a3 = madd(s, v128.load(xp, 48), a3);
      xp += step;
      wk += 4;
    }
    r += 12;
  }
  if (relu) {
    const z = f32x4.splat(0);
    a0 = f32x4.pmax(a0, z); a1 = f32x4.pmax(a1, z); a2 = f32x4.pmax(a2, z); a3 = f32x4.pmax(a3, z);
  }
  v128.store(out, a0, 0); v128.store(out, a1, 16); v128.store(out, a2, 32); v128.store(out, a3, 48);
}

// The same for 2 batch vectors.
function fwdRunsTile1x2(r: usize, rEnd: usize, wk: usize, xc: usize, ld: usize, b: v128, out: usize, relu: i32): void {
  let a0 = b, a1 = b;
  while (r < rEnd) {
    let xp = xc + <usize>load<i32>(r) * ld;
    const wEnd = wk + (<usize>load<i32>(r, 4) << 2);
    const step = <usize>load<i32>(r, 8) * ld;
    while (wk < wEnd) {
      const s = v128.load32_splat(wk);
      a0 = madd(s, v128.load(xp, 0), a0);
      a1 = madd(s, v128.load(xp, 16), a1);
      xp += step;
      wk += 4;
    }
    r += 12;
  }
  if (relu) {
    a0 = f32x4.pmax(a0, f32x4.splat(0)); a1 = f32x4.pmax(a1, f32x4.splat(0));
  }
  v128.store(out, a0, 0); v128.store(out, a1, 16);
}

// The same for 1 batch vector.
function fwdRunsTile1x1(r: usize, rEnd: usize, wk: usize, xc: usize, ld: usize, b: v128, out: usize, relu: i32): void {
  let a0 = b;
  while (r < rEnd) {
    let xp = xc + <usize>load<i32>(r) * ld;
    const wEnd = wk + (<usize>load<i32>(r, 4) << 2);
    const step = <usize>load<i32>(r, 8) * ld;
    while (wk < wEnd) {
      a0 = madd(v128.load32_splat(wk), v128.load(xp), a0);
      xp += step;
      wk += 4;
    }
    r += 12;
  }
  if (relu) a0 = f32x4.pmax(a0, f32x4.splat(0));
  v128.store(out, a0);
}

// spmm_runs_fwd: x (nIn, ldb) -> y (nOut, ldb), outputs [o0, o1). rowPtr (CSR) says where each row's weights start.
export function spmm_runs_fwd(o0: i32, o1: i32, rowPtr: usize, runPtr: usize, runs: usize, w: usize, bias: usize, x: usize, y: usize, nb: i32, ldb: i32, relu: i32): void {
  const ld = <usize>ldb << 2;
  const nv = <usize>nb >> 2; // batch vectors
  for (let o = o0; o < o1; o++) {
    const op = <usize>o << 2;
    const wk = w + (<usize>load<i32>(rowPtr + op) << 2);
    const r = runs + <usize>load<i32>(runPtr + op) * 12;
    const rEnd = runs + <usize>load<i32>(runPtr + op, 4) * 12;
    const b = bias ? v128.load32_splat(bias + op) : f32x4.splat(0);
    const yRow = y + <usize>o * ld;
    let v: usize = 0;
    for (; v + 7 <= nv; v += 7) fwdRunsTile1x7(r, rEnd, wk, x + vec(v), ld, b, yRow + vec(v), relu);
    if (v + 4 <= nv) {
      fwdRunsTile1x4(r, rEnd, wk, x + vec(v), ld, b, yRow + vec(v), relu);
      v += 4;
    }
    if (v + 2 <= nv) {
      fwdRunsTile1x2(r, rEnd, wk, x + vec(v), ld, b, yRow + vec(v), relu);
      v += 2;
    }
    if (v < nv) fwdRunsTile1x1(r, rEnd, wk, x + vec(v), ld, b, yRow + vec(v), relu);
  }
}

// ---- output pairs: two outputs with the same inputs (RadiX-Net's Kronecker copies: o and o + N) share each x load ----
//
// Why: a RadiX-Net layer is a Kronecker product with a block of ones, so outputs o, o + N, o + 2N, ... read exactly
// the same input rows. Computing two of them together loads each x vector once for both: the forward's 4-vector pair
// tile does 8 multiply-adds per 6 loads (2 weight splats + 4 x vectors, no index thanks to runs) where the single
// tile does 7 per 8; the weight gradient does 8 per 6 (2 dy + 4 x vectors) where dot4 does 8 per 10. Each output's
// elements still take the CSR kernels' operations in the CSR kernels' order (every dot product and every running
// sum is sequential over nonzeros, then over batch vectors), so the results are bit-identical to spmm_fwd and
// spmm_bwd_w whatever the pairing and the thread split.
//
// pairs: (o, o2) i32 per entry; o2 = -1 for an output computed alone. Entries [p0, p1) are this call's share.

// Two outputs, 4 batch vectors: 8 accumulators + 4 x vectors + 2 splats = 14 xmm registers.
function fwdPairTile2x4(r: usize, rEnd: usize, wk: usize, wk2: usize, xc: usize, ld: usize, b: v128, b2: v128, out: usize, out2: usize, relu: i32): void {
  let a0 = b, a1 = b, a2 = b, a3 = b, c0 = b2, c1 = b2, c2 = b2, c3 = b2;
  while (r < rEnd) {
    let xp = xc + <usize>load<i32>(r) * ld;
    const wEnd = wk + (<usize>load<i32>(r, 4) << 2);
    const step = <usize>load<i32>(r, 8) * ld;
    while (wk < wEnd) {
      const s = v128.load32_splat(wk);
      const t = v128.load32_splat(wk2);
      const v0 = v128.load(xp, 0), v1 = v128.load(xp, 16), v2 = v128.load(xp, 32), v3 = v128.load(xp, 48);
      a0 = madd(s, v0, a0); c0 = madd(t, v0, c0);
      a1 = madd(s, v1, a1); c1 = madd(t, v1, c1);
      a2 = madd(s, v2, a2); c2 = madd(t, v2, c2);
      a3 = madd(s, v3, a3); c3 = madd(t, v3, c3);
      xp += step;
      wk += 4;
      wk2 += 4;
    }
    r += 12;
  }
  if (relu) {
    const z = f32x4.splat(0);
    a0 = f32x4.pmax(a0, z); a1 = f32x4.pmax(a1, z); a2 = f32x4.pmax(a2, z); a3 = f32x4.pmax(a3, z);
    c0 = f32x4.pmax(c0, z); c1 = f32x4.pmax(c1, z); c2 = f32x4.pmax(c2, z); c3 = f32x4.pmax(c3, z);
  }
  v128.store(out, a0, 0); v128.store(out, a1, 16); v128.store(out, a2, 32); v128.store(out, a3, 48);
  v128.store(out2, c0, 0); v128.store(out2, c1, 16); v128.store(out2, c2, 32); v128.store(out2, c3, 48);
}

// Two outputs, 1 batch vector (the last 1-3 vectors of a batch).
function fwdPairTile2x1(r: usize, rEnd: usize, wk: usize, wk2: usize, xc: usize, ld: usize, b: v128, b2: v128, out: usize, out2: usize, relu: i32): void {
  let a0 = b, c0 = b2;
  while (r < rEnd) {
    let xp = xc + <usize>load<i32>(r) * ld;
    const wEnd = wk + (<usize>load<i32>(r, 4) << 2);
    const step = <usize>load<i32>(r, 8) * ld;
    while (wk < wEnd) {
      const v0 = v128.load(xp);
      a0 = madd(v128.load32_splat(wk), v0, a0);
      c0 = madd(v128.load32_splat(wk2), v0, c0);
      xp += step;
      wk += 4;
      wk2 += 4;
    }
    r += 12;
  }
  if (relu) {
    a0 = f32x4.pmax(a0, f32x4.splat(0)); c0 = f32x4.pmax(c0, f32x4.splat(0));
  }
  v128.store(out, a0);
  v128.store(out2, c0);
}

// spmm_pair_fwd: spmm_runs_fwd over pair entries [p0, p1); o2's runs are o's (the host pairs only identical rows).
export function spmm_pair_fwd(p0: i32, p1: i32, pairs: usize, rowPtr: usize, runPtr: usize, runs: usize, w: usize, bias: usize, x: usize, y: usize, nb: i32, ldb: i32, relu: i32): void {
  const ld = <usize>ldb << 2;
  const nv = <usize>nb >> 2; // batch vectors
  for (let p = p0; p < p1; p++) {
    const pp = pairs + (<usize>p << 3);
    const o = load<i32>(pp);
    const o2 = load<i32>(pp, 4);
    if (o2 < 0) {
      spmm_runs_fwd(o, o + 1, rowPtr, runPtr, runs, w, bias, x, y, nb, ldb, relu);
      continue;
    }
    const op = <usize>o << 2;
    const op2 = <usize>o2 << 2;
    const wk = w + (<usize>load<i32>(rowPtr + op) << 2);
    const wk2 = w + (<usize>load<i32>(rowPtr + op2) << 2);
    const r = runs + <usize>load<i32>(runPtr + op) * 12;
    const rEnd = runs + <usize>load<i32>(runPtr + op, 4) * 12;
    const b = bias ? v128.load32_splat(bias + op) : f32x4.splat(0);
    const b2 = bias ? v128.load32_splat(bias + op2) : f32x4.splat(0);
    const yRow = y + <usize>o * ld;
    const yRow2 = y + <usize>o2 * ld;
    let v: usize = 0;
    for (; v + 4 <= nv; v += 4) fwdPairTile2x4(r, rEnd, wk, wk2, x + vec(v), ld, b, b2, yRow + vec(v), yRow2 + vec(v), relu);
    for (; v < nv; v++) fwdPairTile2x1(r, rEnd, wk, wk2, x + vec(v), ld, b, b2, yRow + vec(v), yRow2 + vec(v), relu);
  }
}

// spmm_pair_bwd_w: spmm_bwd_w over pair entries [p0, p1) (CSR indices: this kernel's index work is per 4 nonzeros
// and amortized over the batch). A pair's 4 nonzeros at a time walk the batch one vector per step: 2 dy + 4 x loads
// feed 8 multiply-adds, each sum in batch order like dot4's; the same 4x4 transposed sum (sum4) stores 4 dw at once.
export function spmm_pair_bwd_w(p0: i32, p1: i32, pairs: usize, rowPtr: usize, colIdx: usize, dy: usize, x: usize, dw: usize, db: usize, nb: i32, ldb: i32): void {
  const ld = <usize>ldb << 2;
  const nv = <usize>nb >> 2; // batch vectors
  for (let p = p0; p < p1; p++) {
    const pp = pairs + (<usize>p << 3);
    const o = load<i32>(pp);
    const o2 = load<i32>(pp, 4);
    if (o2 < 0) {
      spmm_bwd_w(o, o + 1, rowPtr, colIdx, dy, x, dw, db, nb, ldb);
      continue;
    }
    const rp = rowPtr + (<usize>o << 2);
    let k = <usize>load<i32>(rp) << 2;
    const k1 = <usize>load<i32>(rp, 4) << 2;
    const dw2 = dw + (<usize>load<i32>(rowPtr + (<usize>o2 << 2)) << 2) - k; // o2's weight k' = k + (rowPtr[o2] - rowPtr[o])
    const dyRow = dy + <usize>o * ld;
    const dyRow2 = dy + <usize>o2 * ld;
    const end = dyRow + vec(nv);
    for (; k + 16 <= k1; k += 16) {
      const ci = colIdx + k;
      let x0 = x + <usize>load<i32>(ci, 0) * ld;
      let x1 = x + <usize>load<i32>(ci, 4) * ld;
      let x2 = x + <usize>load<i32>(ci, 8) * ld;
      let x3 = x + <usize>load<i32>(ci, 12) * ld;
      let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
      let d = dyRow, d2 = dyRow2;
      while (d < end) {
        const e = v128.load(d), f = v128.load(d2);
        const v0 = v128.load(x0), v1 = v128.load(x1), v2 = v128.load(x2), v3 = v128.load(x3);
        s0 = madd(e, v0, s0); t0 = madd(f, v0, t0);
        s1 = madd(e, v1, s1); t1 = madd(f, v1, t1);
        s2 = madd(e, v2, s2); t2 = madd(f, v2, t2);
        s3 = madd(e, v3, s3); t3 = madd(f, v3, t3);
        d += 16; d2 += 16; x0 += 16; x1 += 16; x2 += 16; x3 += 16;
      }
      v128.store(dw + k, sum4(s0, s1, s2, s3));
      v128.store(dw2 + k, sum4(t0, t1, t2, t3));
    }
    for (; k < k1; k += 4) {
      const xr = x + <usize>load<i32>(colIdx + k) * ld;
      store<f32>(dw + k, dot1(dyRow, xr, nv));
      store<f32>(dw2 + k, dot1(dyRow2, xr, nv));
    }
    if (db) {
      store<f32>(db + (<usize>o << 2), rowSum(dyRow, nv));
      store<f32>(db + (<usize>o2 << 2), rowSum(dyRow2, nv));
    }
  }
}
