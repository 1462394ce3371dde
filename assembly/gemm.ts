// Dense layer kernels, w (nOut, nIn) row-major, activations feature-major (features, ldb). See index.ts for the ABI.
//
// Why register tiles: a dense layer reuses every x row for all outputs, so each loaded vector should feed several
// multiplies. The forward and input-gradient kernels hold 4 rows x 2 batch vectors = 8 accumulators and per step of
// the reduction load 2 vectors and 4 splat weights (v128.load32_splat: a broadcast load, no shuffle port) for 8 mul +
// 8 add; the weight-gradient kernel holds 2 outputs x 4 inputs of dot products over the batch (6 loads for 8 mul +
// 8 add) and folds them with one 4x4 transposed sum. V8 issues a step's loads before its arithmetic, so accumulators
// plus loads must fit its 15 allocatable xmm registers: 8 + 6 here (wider tiles spilled and ran slower).
// Every element is summed in the same order whatever tile computes it, so splitting [start, end) never changes bits.
// Multiply-adds go through madd.ts (fused in the FMA build). The same tiles serve both builds: a 6x2 forward tile
// (12 accumulators, no product temporaries with FMA) was slower than 4x2 in the FMA build too (docs/performance.md, design
// measurements). Tiles are named <outputs>x<vectors> (for the input gradient, <inputs>x<vectors>).
import { madd } from './madd';
import { dot1, rowSum, sum4, vec } from './reduce';

@inline function relu4(v: v128, relu: i32): v128 {
  return relu ? f32x4.pmax(v, f32x4.splat(0)) : v;
}

@inline function mask(v: v128, a: usize, off: usize): v128 {
  return a ? v128.and(v, f32x4.gt(v128.load(a + off), f32x4.splat(0))) : v;
}

// ---- forward: y (nOut, ldb) = act(w x + bias), x (nIn, ldb) ----

// 4 outputs (weight rows wr + j*sw) x 2 batch vectors from xc; nIn4 = nIn * 4 bytes.
function fwdTile4x2(wr: usize, sw: usize, nIn4: usize, xc: usize, ld: usize, bias: usize, o: usize, out: usize, relu: i32): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  if (bias) {
    a0 = v128.load32_splat(bias + (o << 2), 0); a1 = v128.load32_splat(bias + (o << 2), 4);
    a2 = v128.load32_splat(bias + (o << 2), 8); a3 = v128.load32_splat(bias + (o << 2), 12);
  }
  let b0 = a0, b1 = a1, b2 = a2, b3 = a3;
  const sw2 = sw + sw, sw3 = sw2 + sw;
  const wEnd = wr + nIn4;
  let wp = wr, xp = xc;
  while (wp < wEnd) {
    const x0 = v128.load(xp, 0), x1 = v128.load(xp, 16);
    let s = v128.load32_splat(wp);
    a0 = madd(s, x0, a0); b0 = madd(s, x1, b0);
    s = v128.load32_splat(wp + sw);
    a1 = madd(s, x0, a1); b1 = madd(s, x1, b1);
    s = v128.load32_splat(wp + sw2);
    a2 = madd(s, x0, a2); b2 = madd(s, x1, b2);
    s = v128.load32_splat(wp + sw3);
    a3 = madd(s, x0, a3); b3 = madd(s, x1, b3);
    wp += 4;
    xp += ld;
  }
  v128.store(out, relu4(a0, relu), 0); v128.store(out, relu4(b0, relu), 16); out += ld;
  v128.store(out, relu4(a1, relu), 0); v128.store(out, relu4(b1, relu), 16); out += ld;
  v128.store(out, relu4(a2, relu), 0); v128.store(out, relu4(b2, relu), 16); out += ld;
  v128.store(out, relu4(a3, relu), 0); v128.store(out, relu4(b3, relu), 16);
}

// 4 outputs x 1 batch vector: the odd batch vector.
function fwdTile4x1(wr: usize, sw: usize, nIn4: usize, xc: usize, ld: usize, bias: usize, o: usize, out: usize, relu: i32): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  if (bias) {
    a0 = v128.load32_splat(bias + (o << 2), 0); a1 = v128.load32_splat(bias + (o << 2), 4);
    a2 = v128.load32_splat(bias + (o << 2), 8); a3 = v128.load32_splat(bias + (o << 2), 12);
  }
  const sw2 = sw + sw, sw3 = sw2 + sw;
  const wEnd = wr + nIn4;
  let wp = wr, xp = xc;
  while (wp < wEnd) {
    const x0 = v128.load(xp);
    a0 = madd(v128.load32_splat(wp), x0, a0);
    a1 = madd(v128.load32_splat(wp + sw), x0, a1);
    a2 = madd(v128.load32_splat(wp + sw2), x0, a2);
    a3 = madd(v128.load32_splat(wp + sw3), x0, a3);
    wp += 4;
    xp += ld;
  }
  v128.store(out, relu4(a0, relu)); out += ld;
  v128.store(out, relu4(a1, relu)); out += ld;
  v128.store(out, relu4(a2, relu)); out += ld;
  v128.store(out, relu4(a3, relu));
}

// 1 output x 4 batch vectors: outputs left over when the range is not a multiple of 4.
function fwdTile1x4(wr: usize, nIn4: usize, xc: usize, ld: usize, b: v128, out: usize, relu: i32): void {
  let a0 = b, a1 = b, a2 = b, a3 = b;
  const wEnd = wr + nIn4;
  let wp = wr, xp = xc;
  while (wp < wEnd) {
    const s = v128.load32_splat(wp);
    a0 = madd(s, v128.load(xp, 0), a0);
    a1 = madd(s, v128.load(xp, 16), a1);
    a2 = madd(s, v128.load(xp, 32), a2);
    a3 = madd(s, v128.load(xp, 48), a3);
    wp += 4;
    xp += ld;
  }
  v128.store(out, relu4(a0, relu), 0); v128.store(out, relu4(a1, relu), 16);
  v128.store(out, relu4(a2, relu), 32); v128.store(out, relu4(a3, relu), 48);
}

// 1 output x 1 batch vector.
function fwdTile1x1(wr: usize, nIn4: usize, xc: usize, ld: usize, b: v128, out: usize, relu: i32): void {
  let a0 = b;
  const wEnd = wr + nIn4;
  let wp = wr, xp = xc;
  while (wp < wEnd) {
    a0 = madd(v128.load32_splat(wp), v128.load(xp), a0);
    wp += 4;
    xp += ld;
  }
  v128.store(out, relu4(a0, relu));
}

// gemm_fwd: x (nIn, ldb) -> y (nOut, ldb) for outputs [o0, o1); w (nOut, nIn) row-major.
export function gemm_fwd(o0: i32, o1: i32, w: usize, nIn: i32, bias: usize, x: usize, y: usize, nb: i32, ldb: i32, relu: i32): void {
  const ld = <usize>ldb << 2;
  const nv = <usize>nb >> 2; // batch vectors
  const nIn4 = <usize>nIn << 2;
  let o = <usize>o0;
  for (; o + 4 <= <usize>o1; o += 4) {
    const wr = w + o * nIn4;
    const yr = y + o * ld;
    let v: usize = 0;
    for (; v + 2 <= nv; v += 2) fwdTile4x2(wr, nIn4, nIn4, x + vec(v), ld, bias, o, yr + vec(v), relu);
    if (v < nv) fwdTile4x1(wr, nIn4, nIn4, x + vec(v), ld, bias, o, yr + vec(v), relu);
  }
  for (; o < <usize>o1; o++) {
    const wr = w + o * nIn4;
    const yr = y + o * ld;
    const b = bias ? v128.load32_splat(bias + (o << 2)) : f32x4.splat(0);
    let v: usize = 0;
    for (; v + 4 <= nv; v += 4) fwdTile1x4(wr, nIn4, x + vec(v), ld, b, yr + vec(v), relu);
    for (; v < nv; v++) fwdTile1x1(wr, nIn4, x + vec(v), ld, b, yr + vec(v), relu);
  }
}

// ---- backward to the input: dx (nIn, ldb) = (w^T dy) * (a > 0), dy (nOut, ldb) ----

// 4 inputs (w columns wc..wc+12 bytes, row stride nIn4) x 2 batch vectors, over all nOut outputs.
function bwdxTile4x2(wc: usize, nIn4: usize, nOut: i32, dyc: usize, ld: usize, a: usize, off: usize, out: usize): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
  let wp = wc, dp = dyc;
  for (let n = nOut; n > 0; n--) {
    const d0 = v128.load(dp, 0), d1 = v128.load(dp, 16);
    let s = v128.load32_splat(wp, 0);
    a0 = madd(s, d0, a0); b0 = madd(s, d1, b0);
    s = v128.load32_splat(wp, 4);
    a1 = madd(s, d0, a1); b1 = madd(s, d1, b1);
    s = v128.load32_splat(wp, 8);
    a2 = madd(s, d0, a2); b2 = madd(s, d1, b2);
    s = v128.load32_splat(wp, 12);
    a3 = madd(s, d0, a3); b3 = madd(s, d1, b3);
    wp += nIn4;
    dp += ld;
  }
  v128.store(out, mask(a0, a, off), 0); v128.store(out, mask(b0, a, off + 16), 16); out += ld; off += ld;
  v128.store(out, mask(a1, a, off), 0); v128.store(out, mask(b1, a, off + 16), 16); out += ld; off += ld;
  v128.store(out, mask(a2, a, off), 0); v128.store(out, mask(b2, a, off + 16), 16); out += ld; off += ld;
  v128.store(out, mask(a3, a, off), 0); v128.store(out, mask(b3, a, off + 16), 16);
}

// 4 inputs x 1 batch vector.
function bwdxTile4x1(wc: usize, nIn4: usize, nOut: i32, dyc: usize, ld: usize, a: usize, off: usize, out: usize): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  let wp = wc, dp = dyc;
  for (let n = nOut; n > 0; n--) {
    const d0 = v128.load(dp);
    a0 = madd(v128.load32_splat(wp, 0), d0, a0);
    a1 = madd(v128.load32_splat(wp, 4), d0, a1);
    a2 = madd(v128.load32_splat(wp, 8), d0, a2);
    a3 = madd(v128.load32_splat(wp, 12), d0, a3);
    wp += nIn4;
    dp += ld;
  }
  v128.store(out, mask(a0, a, off)); out += ld; off += ld;
  v128.store(out, mask(a1, a, off)); out += ld; off += ld;
  v128.store(out, mask(a2, a, off)); out += ld; off += ld;
  v128.store(out, mask(a3, a, off));
}

// 1 input x 4 batch vectors: inputs left over when the range is not a multiple of 4.
function bwdxTile1x4(wc: usize, nIn4: usize, nOut: i32, dyc: usize, ld: usize, a: usize, off: usize, out: usize): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  let wp = wc, dp = dyc;
  for (let n = nOut; n > 0; n--) {
    const s = v128.load32_splat(wp);
    a0 = madd(s, v128.load(dp, 0), a0);
    a1 = madd(s, v128.load(dp, 16), a1);
    a2 = madd(s, v128.load(dp, 32), a2);
    a3 = madd(s, v128.load(dp, 48), a3);
    wp += nIn4;
    dp += ld;
  }
  v128.store(out, mask(a0, a, off), 0); v128.store(out, mask(a1, a, off + 16), 16);
  v128.store(out, mask(a2, a, off + 32), 32); v128.store(out, mask(a3, a, off + 48), 48);
}

// 1 input x 1 batch vector.
function bwdxTile1x1(wc: usize, nIn4: usize, nOut: i32, dyc: usize, ld: usize, a: usize, off: usize, out: usize): void {
  let a0 = f32x4.splat(0);
  let wp = wc, dp = dyc;
  for (let n = nOut; n > 0; n--) {
    a0 = madd(v128.load32_splat(wp), v128.load(dp), a0);
    wp += nIn4;
    dp += ld;
  }
  v128.store(out, mask(a0, a, off));
}

// gemm_bwd_x: dy (nOut, ldb) -> dx (nIn, ldb) for inputs [i0, i1); a (nIn, ldb) the layer's input activation or 0.
export function gemm_bwd_x(i0: i32, i1: i32, w: usize, nIn: i32, nOut: i32, dy: usize, a: usize, dx: usize, nb: i32, ldb: i32): void {
  const ld = <usize>ldb << 2;
  const nv = <usize>nb >> 2; // batch vectors
  const nIn4 = <usize>nIn << 2;
  let i = <usize>i0;
  for (; i + 4 <= <usize>i1; i += 4) {
    const wc = w + (i << 2);
    const off = i * ld;
    let v: usize = 0;
    for (; v + 2 <= nv; v += 2) bwdxTile4x2(wc, nIn4, nOut, dy + vec(v), ld, a, off + vec(v), dx + off + vec(v));
    if (v < nv) bwdxTile4x1(wc, nIn4, nOut, dy + vec(v), ld, a, off + vec(v), dx + off + vec(v));
  }
  for (; i < <usize>i1; i++) {
    const wc = w + (i << 2);
    const off = i * ld;
    let v: usize = 0;
    for (; v + 4 <= nv; v += 4) bwdxTile1x4(wc, nIn4, nOut, dy + vec(v), ld, a, off + vec(v), dx + off + vec(v));
    for (; v < nv; v++) bwdxTile1x1(wc, nIn4, nOut, dy + vec(v), ld, a, off + vec(v), dx + off + vec(v));
  }
}

// ---- backward to the weights: dw[o,i] = dy[o,:] . x[i,:], db[o] = sum dy[o,:] ----

// Dot products of dy rows d0, d1 with x rows x0..x0+3ld over nv vectors of batch: dw[o, i..i+3] to out0, out1
// (2 outputs x 4 inputs; each sum in batch order, as reduce.ts's dot1).
// Pointers are bumped rather than indexed so that V8 needs no base registers (indexed, it recomputed row addresses
// with imul inside the loop for lack of registers).
function dots2x4(d0: usize, d1: usize, x0: usize, ld: usize, nv: usize, out0: usize, out1: usize): void {
  let x1 = x0 + ld, x2 = x1 + ld, x3 = x2 + ld;
  const end = d0 + vec(nv);
  let p0 = f32x4.splat(0), p1 = p0, p2 = p0, p3 = p0, q0 = p0, q1 = p0, q2 = p0, q3 = p0;
  while (d0 < end) {
    const e = v128.load(d0), f = v128.load(d1);
    let v = v128.load(x0);
    p0 = madd(e, v, p0); q0 = madd(f, v, q0);
    v = v128.load(x1);
    p1 = madd(e, v, p1); q1 = madd(f, v, q1);
    v = v128.load(x2);
    p2 = madd(e, v, p2); q2 = madd(f, v, q2);
    v = v128.load(x3);
    p3 = madd(e, v, p3); q3 = madd(f, v, q3);
    d0 += 16; d1 += 16; x0 += 16; x1 += 16; x2 += 16; x3 += 16;
  }
  v128.store(out0, sum4(p0, p1, p2, p3));
  v128.store(out1, sum4(q0, q1, q2, q3));
}

// The same for one dy row (the last output of an odd range).
function dots1x4(d0: usize, x0: usize, ld: usize, nv: usize, out0: usize): void {
  let x1 = x0 + ld, x2 = x1 + ld, x3 = x2 + ld;
  const end = d0 + vec(nv);
  let p0 = f32x4.splat(0), p1 = p0, p2 = p0, p3 = p0;
  while (d0 < end) {
    const e = v128.load(d0);
    p0 = madd(e, v128.load(x0), p0);
    p1 = madd(e, v128.load(x1), p1);
    p2 = madd(e, v128.load(x2), p2);
    p3 = madd(e, v128.load(x3), p3);
    d0 += 16; x0 += 16; x1 += 16; x2 += 16; x3 += 16;
  }
  v128.store(out0, sum4(p0, p1, p2, p3));
}

// gemm_bwd_w: dy (nOut, ldb), x (nIn, ldb) -> dw rows [o0, o1) of (nOut, nIn), db (nOut) if db.
export function gemm_bwd_w(o0: i32, o1: i32, nIn: i32, dy: usize, x: usize, dw: usize, db: usize, nb: i32, ldb: i32): void {
  const ld = <usize>ldb << 2;
  const nv = <usize>nb >> 2; // batch vectors
  const nIn4 = <usize>nIn << 2;
  const nIn4r = nIn4 & ~15; // bytes of inputs in whole groups of 4
  let o = <usize>o0;
  for (; o + 2 <= <usize>o1; o += 2) {
    const d0 = dy + o * ld;
    const dw0 = dw + o * nIn4;
    let i: usize = 0; // byte offset of input i in a weight row
    for (; i < nIn4r; i += 16) dots2x4(d0, d0 + ld, x + (i >> 2) * ld, ld, nv, dw0 + i, dw0 + nIn4 + i);
    for (; i < nIn4; i += 4) {
      const xi = x + (i >> 2) * ld;
      store<f32>(dw0 + i, dot1(d0, xi, nv));
      store<f32>(dw0 + nIn4 + i, dot1(d0 + ld, xi, nv));
    }
  }
  if (o < <usize>o1) {
    const d0 = dy + o * ld;
    const dw0 = dw + o * nIn4;
    let i: usize = 0;
    for (; i < nIn4r; i += 16) dots1x4(d0, x + (i >> 2) * ld, ld, nv, dw0 + i);
    for (; i < nIn4; i += 4) store<f32>(dw0 + i, dot1(d0, x + (i >> 2) * ld, nv));
  }
  if (db) {
    for (let r = <usize>o0; r < <usize>o1; r++) store<f32>(db + (r << 2), rowSum(dy + r * ld, nv));
  }
}
