// Sparse layer kernels over CSR (outputs) and CSC (inputs), SIMD over the batch. See index.ts for the ABI.
// spmm_runs.ts has the run-compressed and output-paired variants of the forward and the weight gradient, which
// src/engine/layer.ts picks for RadiX-Net-like masks; they give the same bits as these.
//
// Why this shape: activations are feature-major, so one nonzero w[k] of output o multiplies a whole row x[colIdx[k],:]
// — contiguous vectors, no gathers. Per output row a tile of up to 7 batch vectors (28 columns) of accumulators stays
// in registers while the row's nonzeros stream by: per nonzero one index load, one splat load of the weight, then per
// vector one load and one multiply-add (madd.ts: mul + add in the plain build, one fused op in the FMA build). The
// weight gradient instead holds 4 nonzeros' dot products and walks the batch. Sums run in nonzero (or batch) order
// per element whatever the tile, so an element's value never depends on how [start, end) was split.
// Tiles are named <outputs>x<vectors>: fwdTile1x7 computes 1 output row over 7 batch vectors.
import { madd } from './madd';
import { dot1, hsum, rowSum, sum4, vec } from './reduce';

// ---- forward: y (nOut, ldb) = act(W x + bias), W CSR (rowPtr, colIdx, w), x (nIn, ldb) ----

// One output row, 7 batch vectors (28 columns) from x column xc: y = act(bias + sum_k w[k] x[colIdx[k], :]).
// 7, not 8: V8 issues all 7 loads of a nonzero before its multiplies, so 7 accumulators + 7 loads + the splat fill
// exactly its 15 allocatable xmm registers (8 spilled an accumulator and ran slower: docs/performance.md, design measurements).
function fwdTile1x7(ci: usize, ciEnd: usize, wk: usize, xc: usize, ld: usize, b: v128, out: usize, relu: i32): void {
  let a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b;
  while (ci < ciEnd) {
    const xp = xc + <usize>load<i32>(ci) * ld;
    const s = v128.load32_splat(wk);
    a0 = madd(s, v128.load(xp, 0), a0);
    a1 = madd(s, v128.load(xp, 16), a1);
    a2 = madd(s, v128.load(xp, 32), a2);
    a3 = madd(s, v128.load(xp, 48), a3);
    a4 = madd(s, v128.load(xp, 64), a4);
    a5 = madd(s, v128.load(xp, 80), a5);
    a6 = madd(s, v128.load(xp, 96), a6);
    ci += 4;
    wk += 4;
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
function fwdTile1x4(ci: usize, ciEnd: usize, wk: usize, xc: usize, ld: usize, b: v128, out: usize, relu: i32): void {
  let a0 = b, a1 = b, a2 = b, a3 = b;
  while (ci < ciEnd) {
    const xp = xc + <usize>load<i32>(ci) * ld;
    const s = v128.load32_splat(wk);
    a0 = madd(s, v128.load(xp, 0), a0);
    a1 = madd(s, v128.load(xp, 16), a1);
    a2 = madd(s, v128.load(xp, 32), a2);
    a3 = madd(s, v128.load(xp, 48), a3);
    ci += 4;
    wk += 4;
  }
  if (relu) {
    const z = f32x4.splat(0);
    a0 = f32x4.pmax(a0, z); a1 = f32x4.pmax(a1, z); a2 = f32x4.pmax(a2, z); a3 = f32x4.pmax(a3, z);
  }
  v128.store(out, a0, 0); v128.store(out, a1, 16); v128.store(out, a2, 32); v128.store(out, a3, 48);
}

// The same for 2 batch vectors.
function fwdTile1x2(ci: usize, ciEnd: usize, wk: usize, xc: usize, ld: usize, b: v128, out: usize, relu: i32): void {
  let a0 = b, a1 = b;
  while (ci < ciEnd) {
    const xp = xc + <usize>load<i32>(ci) * ld;
    const s = v128.load32_splat(wk);
    a0 = madd(s, v128.load(xp, 0), a0);
    a1 = madd(s, v128.load(xp, 16), a1);
    ci += 4;
    wk += 4;
  }
  if (relu) {
    a0 = f32x4.pmax(a0, f32x4.splat(0)); a1 = f32x4.pmax(a1, f32x4.splat(0));
  }
  v128.store(out, a0, 0); v128.store(out, a1, 16);
}

// The same for 1 batch vector.
function fwdTile1x1(ci: usize, ciEnd: usize, wk: usize, xc: usize, ld: usize, b: v128, out: usize, relu: i32): void {
  let a0 = b;
  while (ci < ciEnd) {
    const xp = xc + <usize>load<i32>(ci) * ld;
    a0 = madd(v128.load32_splat(wk), v128.load(xp), a0);
    ci += 4;
    wk += 4;
  }
  if (relu) a0 = f32x4.pmax(a0, f32x4.splat(0));
  v128.store(out, a0);
}

// spmm_fwd: x (nIn, ldb) -> y (nOut, ldb), outputs [o0, o1); pmax(v, 0) = v < 0 ? 0 : v is ReLU in one maxps.
export function spmm_fwd(o0: i32, o1: i32, rowPtr: usize, colIdx: usize, w: usize, bias: usize, x: usize, y: usize, nb: i32, ldb: i32, relu: i32): void {
  const ld = <usize>ldb << 2;
  const nv = <usize>nb >> 2; // batch vectors
  for (let o = o0; o < o1; o++) {
    const rp = rowPtr + (<usize>o << 2);
    const k0 = <usize>load<i32>(rp) << 2;
    const k1 = <usize>load<i32>(rp, 4) << 2;
    const ci = colIdx + k0;
    const ciEnd = colIdx + k1;
    const wk = w + k0;
    const b = bias ? v128.load32_splat(bias + (<usize>o << 2)) : f32x4.splat(0);
    const yRow = y + <usize>o * ld;
    let v: usize = 0;
    for (; v + 7 <= nv; v += 7) fwdTile1x7(ci, ciEnd, wk, x + vec(v), ld, b, yRow + vec(v), relu);
    if (v + 4 <= nv) {
      fwdTile1x4(ci, ciEnd, wk, x + vec(v), ld, b, yRow + vec(v), relu);
      v += 4;
    }
    if (v + 2 <= nv) {
      fwdTile1x2(ci, ciEnd, wk, x + vec(v), ld, b, yRow + vec(v), relu);
      v += 2;
    }
    if (v < nv) fwdTile1x1(ci, ciEnd, wk, x + vec(v), ld, b, yRow + vec(v), relu);
  }
}

// ---- backward to the input: dx (nIn, ldb) = (W^T dy) * (a > 0), W^T as CSC (colPtr, rowIdx, wPos into w) ----

// v & (a > 0): the ReLU mask of the input activation, as a bit mask (a NaN or -0 activation passes nothing).
@inline function relu_mask(v: v128, a: v128): v128 {
  return v128.and(v, f32x4.gt(a, f32x4.splat(0)));
}

// One input row, 7 batch vectors from dy column dyc: dx = (sum_k w[wPos[k]] dy[rowIdx[k], :]) masked by a (if a).
function bwdxTile1x7(ri: usize, riEnd: usize, wp: usize, w: usize, dyc: usize, ld: usize, a: usize, out: usize): void {
  const z = f32x4.splat(0);
  let a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z;
  while (ri < riEnd) {
    const dp = dyc + <usize>load<i32>(ri) * ld;
    const s = v128.load32_splat(w + (<usize>load<i32>(wp) << 2));
    a0 = madd(s, v128.load(dp, 0), a0);
    a1 = madd(s, v128.load(dp, 16), a1);
    a2 = madd(s, v128.load(dp, 32), a2);
    a3 = madd(s, v128.load(dp, 48), a3);
    a4 = madd(s, v128.load(dp, 64), a4);
    a5 = madd(s, v128.load(dp, 80), a5);
    a6 = madd(s, v128.load(dp, 96), a6);
    ri += 4;
    wp += 4;
  }
  if (a) {
    a0 = relu_mask(a0, v128.load(a, 0)); a1 = relu_mask(a1, v128.load(a, 16));
    a2 = relu_mask(a2, v128.load(a, 32)); a3 = relu_mask(a3, v128.load(a, 48));
    a4 = relu_mask(a4, v128.load(a, 64)); a5 = relu_mask(a5, v128.load(a, 80));
    a6 = relu_mask(a6, v128.load(a, 96));
  }
  v128.store(out, a0, 0); v128.store(out, a1, 16); v128.store(out, a2, 32); v128.store(out, a3, 48);
  v128.store(out, a4, 64); v128.store(out, a5, 80); v128.store(out, a6, 96);
}

// The same for 4 batch vectors.
function bwdxTile1x4(ri: usize, riEnd: usize, wp: usize, w: usize, dyc: usize, ld: usize, a: usize, out: usize): void {
  const z = f32x4.splat(0);
  let a0 = z, a1 = z, a2 = z, a3 = z;
  while (ri < riEnd) {
    const dp = dyc + <usize>load<i32>(ri) * ld;
    const s = v128.load32_splat(w + (<usize>load<i32>(wp) << 2));
    a0 = madd(s, v128.load(dp, 0), a0);
    a1 = madd(s, v128.load(dp, 16), a1);
    a2 = madd(s, v128.load(dp, 32), a2);
    a3 = madd(s, v128.load(dp, 48), a3);
    ri += 4;
    wp += 4;
  }
  if (a) {
    a0 = relu_mask(a0, v128.load(a, 0)); a1 = relu_mask(a1, v128.load(a, 16));
    a2 = relu_mask(a2, v128.load(a, 32)); a3 = relu_mask(a3, v128.load(a, 48));
  }
  v128.store(out, a0, 0); v128.store(out, a1, 16); v128.store(out, a2, 32); v128.store(out, a3, 48);
}

// The same for 2 batch vectors.
function bwdxTile1x2(ri: usize, riEnd: usize, wp: usize, w: usize, dyc: usize, ld: usize, a: usize, out: usize): void {
  let a0 = f32x4.splat(0), a1 = a0;
  while (ri < riEnd) {
    const dp = dyc + <usize>load<i32>(ri) * ld;
    const s = v128.load32_splat(w + (<usize>load<i32>(wp) << 2));
    a0 = madd(s, v128.load(dp, 0), a0);
    a1 = madd(s, v128.load(dp, 16), a1);
    ri += 4;
    wp += 4;
  }
  if (a) {
    a0 = relu_mask(a0, v128.load(a, 0)); a1 = relu_mask(a1, v128.load(a, 16));
  }
  v128.store(out, a0, 0); v128.store(out, a1, 16);
}

// The same for 1 batch vector.
function bwdxTile1x1(ri: usize, riEnd: usize, wp: usize, w: usize, dyc: usize, ld: usize, a: usize, out: usize): void {
  let a0 = f32x4.splat(0);
  while (ri < riEnd) {
    const dp = dyc + <usize>load<i32>(ri) * ld;
    a0 = madd(v128.load32_splat(w + (<usize>load<i32>(wp) << 2)), v128.load(dp), a0);
    ri += 4;
    wp += 4;
  }
  if (a) a0 = relu_mask(a0, v128.load(a));
  v128.store(out, a0);
}

// spmm_bwd_x: dy (nOut, ldb) -> dx (nIn, ldb), inputs [i0, i1); a (nIn, ldb) the layer's input activation or 0.
export function spmm_bwd_x(i0: i32, i1: i32, colPtr: usize, rowIdx: usize, wPos: usize, w: usize, dy: usize, a: usize, dx: usize, nb: i32, ldb: i32): void {
  const ld = <usize>ldb << 2;
  const nv = <usize>nb >> 2; // batch vectors
  for (let i = i0; i < i1; i++) {
    const cp = colPtr + (<usize>i << 2);
    const k0 = <usize>load<i32>(cp) << 2;
    const k1 = <usize>load<i32>(cp, 4) << 2;
    const ri = rowIdx + k0;
    const riEnd = rowIdx + k1;
    const wp = wPos + k0;
    const off = <usize>i * ld;
    const dxRow = dx + off;
    let v: usize = 0;
    for (; v + 7 <= nv; v += 7) bwdxTile1x7(ri, riEnd, wp, w, dy + vec(v), ld, a ? a + off + vec(v) : 0, dxRow + vec(v));
    if (v + 4 <= nv) {
      bwdxTile1x4(ri, riEnd, wp, w, dy + vec(v), ld, a ? a + off + vec(v) : 0, dxRow + vec(v));
      v += 4;
    }
    if (v + 2 <= nv) {
      bwdxTile1x2(ri, riEnd, wp, w, dy + vec(v), ld, a ? a + off + vec(v) : 0, dxRow + vec(v));
      v += 2;
    }
    if (v < nv) bwdxTile1x1(ri, riEnd, wp, w, dy + vec(v), ld, a ? a + off + vec(v) : 0, dxRow + vec(v));
  }
}

// ---- backward to the weights: dw[k] = dy[o,:] . x[colIdx[k],:], db[o] = sum dy[o,:] ----

// [dy.x0, dy.x1, dy.x2, dy.x3] over nv vectors of batch, two vectors per step (V8 then keeps the 4 sums, 2 dy
// and 8 x vectors in registers and bumps 5 pointers per 8 multiply-adds). Each sum runs over the batch in order,
// as reduce.ts's dot1 does.
@inline function dot4(d: usize, x0: usize, x1: usize, x2: usize, x3: usize, nv: usize): v128 {
  let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
  const end = d + vec(nv & ~1);
  while (d < end) {
    const e = v128.load(d), f = v128.load(d, 16);
    s0 = madd(f, v128.load(x0, 16), madd(e, v128.load(x0), s0));
    s1 = madd(f, v128.load(x1, 16), madd(e, v128.load(x1), s1));
    s2 = madd(f, v128.load(x2, 16), madd(e, v128.load(x2), s2));
    s3 = madd(f, v128.load(x3, 16), madd(e, v128.load(x3), s3));
    d += 32; x0 += 32; x1 += 32; x2 += 32; x3 += 32;
  }
  if (nv & 1) {
    const e = v128.load(d);
    s0 = madd(e, v128.load(x0), s0);
    s1 = madd(e, v128.load(x1), s1);
    s2 = madd(e, v128.load(x2), s2);
    s3 = madd(e, v128.load(x3), s3);
  }
  return sum4(s0, s1, s2, s3);
}

// [dy.x0, dy.x1] over nv vectors of batch, in the same order as dot4 (rows whose nonzero count is 2 or 3 mod 4:
// fan-ins 10 and 30 of the LeNet RadiX-Nets).
@inline function dot2(d: usize, x0: usize, x1: usize, nv: usize, out: usize): void {
  let s0 = f32x4.splat(0), s1 = s0;
  const end = d + vec(nv & ~1);
  while (d < end) {
    const e = v128.load(d), f = v128.load(d, 16);
    s0 = madd(f, v128.load(x0, 16), madd(e, v128.load(x0), s0));
    s1 = madd(f, v128.load(x1, 16), madd(e, v128.load(x1), s1));
    d += 32; x0 += 32; x1 += 32;
  }
  if (nv & 1) {
    const e = v128.load(d);
    s0 = madd(e, v128.load(x0), s0);
    s1 = madd(e, v128.load(x1), s1);
  }
  store<f32>(out, hsum(s0));
  store<f32>(out, hsum(s1), 4);
}

// spmm_bwd_w: dy (nOut, ldb), x (nIn, ldb) -> dw (nnz) over the nonzeros of outputs [o0, o1), db (nOut) if db.
// Per output row, four nonzeros at a time walk the whole batch and end in one 4x4 transposed sum (dw += 4 at once).
export function spmm_bwd_w(o0: i32, o1: i32, rowPtr: usize, colIdx: usize, dy: usize, x: usize, dw: usize, db: usize, nb: i32, ldb: i32): void {
  const ld = <usize>ldb << 2;
  const nv = <usize>nb >> 2; // batch vectors
  for (let o = o0; o < o1; o++) {
    const rp = rowPtr + (<usize>o << 2);
    let k = <usize>load<i32>(rp) << 2;
    const k1 = <usize>load<i32>(rp, 4) << 2;
    const dyRow = dy + <usize>o * ld;
    for (; k + 16 <= k1; k += 16) {
      const ci = colIdx + k;
      const x0 = x + <usize>load<i32>(ci, 0) * ld;
      const x1 = x + <usize>load<i32>(ci, 4) * ld;
      const x2 = x + <usize>load<i32>(ci, 8) * ld;
      const x3 = x + <usize>load<i32>(ci, 12) * ld;
      v128.store(dw + k, dot4(dyRow, x0, x1, x2, x3, nv));
    }
    if (k + 8 <= k1) {
      const ci = colIdx + k;
      dot2(dyRow, x + <usize>load<i32>(ci, 0) * ld, x + <usize>load<i32>(ci, 4) * ld, nv, dw + k);
      k += 8;
    }
    if (k < k1) store<f32>(dw + k, dot1(dyRow, x + <usize>load<i32>(colIdx + k) * ld, nv));
    if (db) store<f32>(db + (<usize>o << 2), rowSum(dyRow, nv));
  }
}
