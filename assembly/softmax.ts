// Softmax and cross-entropy over feature-major logits z (c, ldb): one column per sample. See index.ts for the ABI.
//
// Why SIMD over 4 columns with our own exp: a LeNet step has 10 x 100 exponentials, and a scalar libm exp costs
// as much as a small sparse layer. Columns are done 4 at a time when the group lies inside [b0, b1), else one at a
// time with the scalar twin of every SIMD operation (same f32 operations in the same order), so a column's results
// never depend on how the range was split. Passes read z before writing, so dz (or p) may alias z.

// exp(x) for x <= 0 (the arguments are z - max), after Cephes expf: x = n ln2 + r, |r| <= ln2/2, 2^n from the
// exponent bits, a degree-7 polynomial for e^r (about 1 ulp). Below x = -55.45 (e^x = 2^-80) the result is 0, so p
// and dz are exact zeros or at least ~2^-92, and the backward kernels multiplying dz through three layers of weights
// and inputs stay clear of subnormal floats (x86 takes ~100 cycles per subnormal operand or result; wasm has no
// flush-to-zero mode). The loss, log s - (z_label - max), does not use the flushed values.
const EXP_FLUSH: f32 = -55.451774; // ln 2^-80
const LOG2E: f32 = 1.44269504088896341;
const ROUND: f32 = 12582912.0; // 1.5 * 2^23: adding it rounds to an integer kept in the low mantissa bits
const ROUND_BITS: i32 = 0x4b400000;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const P0: f32 = 1.9875691500e-4;
const P1: f32 = 1.3981999507e-3;
const P2: f32 = 8.3334519073e-3;
const P3: f32 = 4.1665795894e-2;
const P4: f32 = 1.6666665459e-1;
const P5: f32 = 5.0000001201e-1;

@inline function expNeg4(z: v128): v128 {
  const x = f32x4.pmax(z, f32x4.splat(EXP_FLUSH)); // keeps 2^n a normal float
  const t = f32x4.add(f32x4.mul(x, f32x4.splat(LOG2E)), f32x4.splat(ROUND));
  const n = f32x4.sub(t, f32x4.splat(ROUND));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.add(f32x4.mul(f32x4.splat(P0), r), f32x4.splat(P1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P4));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P5));
  p = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1));
  const pow2n = i32x4.shl(i32x4.add(t, i32x4.splat(127 - ROUND_BITS)), 23);
  return v128.andnot(f32x4.mul(p, pow2n), f32x4.lt(z, f32x4.splat(EXP_FLUSH)));
}

@inline function expNeg(x: f32): f32 {
  if (x < EXP_FLUSH) return 0;
  const t = x * LOG2E + ROUND;
  const n = t - ROUND;
  let r = x - n * LN2_HI;
  r = r - n * LN2_LO;
  let p = P0 * r + P1;
  p = p * r + P2;
  p = p * r + P3;
  p = p * r + P4;
  p = p * r + P5;
  p = p * (r * r) + r + 1;
  return p * reinterpret<f32>((reinterpret<i32>(t) + (127 - ROUND_BITS)) << 23);
}

// log(s) for the softmax denominator s in [1, c] (a normal float), after Cephes logf: s = 2^e m with m in
// [sqrt(1/2), sqrt(2)), a polynomial in m - 1 (about 1 ulp). Ours rather than Mathf.log, whose table would be static
// data in the shared memory.
@inline function logAtLeast1(s: f32): f32 {
  const bits = reinterpret<i32>(s);
  let e = <f32>(((bits >> 23) & 0xff) - 126);
  let x = reinterpret<f32>((bits & 0x807fffff) | 0x3f000000); // [0.5, 1)
  if (x < <f32>0.707106781186547524) {
    e -= 1;
    x = x + x - 1;
  } else {
    x = x - 1;
  }
  const z = x * x;
  let y: f32 = <f32>7.0376836292e-2 * x - <f32>1.1514610310e-1;
  y = y * x + <f32>1.1676998740e-1;
  y = y * x - <f32>1.2420140846e-1;
  y = y * x + <f32>1.4249322787e-1;
  y = y * x - <f32>1.6668057665e-1;
  y = y * x + <f32>2.0000714765e-1;
  y = y * x - <f32>2.4999993993e-1;
  y = y * x + <f32>3.3333331174e-1;
  y = y * x * z;
  y += <f32>-2.12194440e-4 * e;
  y += <f32>-0.5 * z;
  return x + y + <f32>0.693359375 * e;
}

// ---- softmax_xent: z (c, ldb), labels (n) i32 -> dz (c, ldb), loss (n) f32, correct (n) i32 0/1 ----

// Columns b..b+3 (all inside the range): lanes >= n get dz = 0 and no loss/correct.
@inline function xent4(b: i32, z: usize, labels: usize, c: i32, n: i32, ld: usize, dz: usize, loss: usize, correct: usize, scale: f32): void {
  const col = <usize>b << 2;
  if (b >= n) {
    for (let j = 0; j < c; j++) v128.store(dz + <usize>j * ld + col, i32x4.splat(0));
    return;
  }
  const lab = i32x4(
    load<i32>(labels + col, 0),
    b + 1 < n ? load<i32>(labels + col, 4) : -1,
    b + 2 < n ? load<i32>(labels + col, 8) : -1,
    b + 3 < n ? load<i32>(labels + col, 12) : -1,
  );
  const valid = i32x4.lt_s(i32x4.add(i32x4.splat(b), i32x4(0, 1, 2, 3)), i32x4.splat(n));
  // pass 1: max (first index on ties) and the label's logit
  let m = v128.load(z + col);
  let arg = i32x4.splat(0);
  let zl = v128.and(m, i32x4.eq(lab, i32x4.splat(0)));
  for (let j = 1; j < c; j++) {
    const v = v128.load(z + <usize>j * ld + col);
    const gt = f32x4.gt(v, m);
    m = v128.bitselect(v, m, gt);
    arg = v128.bitselect(i32x4.splat(j), arg, gt);
    zl = v128.bitselect(v, zl, i32x4.eq(lab, i32x4.splat(j)));
  }
  // pass 2: e_j = exp(z_j - m) into dz, s = sum e_j
  let s = f32x4.splat(0);
  for (let j = 0; j < c; j++) {
    const e = expNeg4(f32x4.sub(v128.load(z + <usize>j * ld + col), m));
    v128.store(dz + <usize>j * ld + col, e);
    s = f32x4.add(s, e);
  }
  // pass 3: dz_j = (e_j / s - onehot) * scale, zero in padded columns
  const inv = f32x4.div(f32x4.splat(1), s);
  const sc = f32x4.splat(scale);
  for (let j = 0; j < c; j++) {
    const p = v128.load(dz + <usize>j * ld + col);
    const hot = v128.and(i32x4.eq(lab, i32x4.splat(j)), f32x4.splat(1));
    v128.store(dz + <usize>j * ld + col, v128.and(f32x4.mul(f32x4.sub(f32x4.mul(p, inv), hot), sc), valid));
  }
  // loss = log s - (z_label - m); correct = argmax == label
  const lm = f32x4.sub(zl, m);
  const ok = i32x4.eq(arg, lab);
  store<f32>(loss + col, logAtLeast1(f32x4.extract_lane(s, 0)) - f32x4.extract_lane(lm, 0), 0);
  store<i32>(correct + col, i32x4.extract_lane(ok, 0) & 1, 0);
  if (b + 1 < n) {
    store<f32>(loss + col, logAtLeast1(f32x4.extract_lane(s, 1)) - f32x4.extract_lane(lm, 1), 4);
    store<i32>(correct + col, i32x4.extract_lane(ok, 1) & 1, 4);
  }
  if (b + 2 < n) {
    store<f32>(loss + col, logAtLeast1(f32x4.extract_lane(s, 2)) - f32x4.extract_lane(lm, 2), 8);
    store<i32>(correct + col, i32x4.extract_lane(ok, 2) & 1, 8);
  }
  if (b + 3 < n) {
    store<f32>(loss + col, logAtLeast1(f32x4.extract_lane(s, 3)) - f32x4.extract_lane(lm, 3), 12);
    store<i32>(correct + col, i32x4.extract_lane(ok, 3) & 1, 12);
  }
}

// One column, the scalar twin of xent4.
@inline function xent1(b: i32, z: usize, labels: usize, c: i32, n: i32, ld: usize, dz: usize, loss: usize, correct: usize, scale: f32): void {
  const col = <usize>b << 2;
  if (b >= n) {
    for (let j = 0; j < c; j++) store<f32>(dz + <usize>j * ld + col, 0);
    return;
  }
  const lab = load<i32>(labels + col);
  let m = load<f32>(z + col);
  let arg = 0;
  let zl: f32 = lab == 0 ? m : 0;
  for (let j = 1; j < c; j++) {
    const v = load<f32>(z + <usize>j * ld + col);
    if (v > m) {
      m = v;
      arg = j;
    }
    if (lab == j) zl = v;
  }
  let s: f32 = 0;
  for (let j = 0; j < c; j++) {
    const e = expNeg(load<f32>(z + <usize>j * ld + col) - m);
    store<f32>(dz + <usize>j * ld + col, e);
    s += e;
  }
  const inv: f32 = 1 / s;
  for (let j = 0; j < c; j++) {
    const p = load<f32>(dz + <usize>j * ld + col);
    store<f32>(dz + <usize>j * ld + col, (p * inv - (lab == j ? <f32>1 : <f32>0)) * scale);
  }
  store<f32>(loss + col, logAtLeast1(s) - (zl - m));
  store<i32>(correct + col, arg == lab ? 1 : 0);
}

// softmax_xent: columns [b0, b1) (up to ldb); columns >= n are padding: dz = 0 there.
export function softmax_xent(b0: i32, b1: i32, z: usize, labels: usize, c: i32, n: i32, ldb: i32, dz: usize, loss: usize, correct: usize, scale: f32): void {
  const ld = <usize>ldb << 2;
  let b = b0;
  for (; b < b1 && (b & 3) != 0; b++) xent1(b, z, labels, c, n, ld, dz, loss, correct, scale);
  for (; b + 4 <= b1; b += 4) xent4(b, z, labels, c, n, ld, dz, loss, correct, scale);
  for (; b < b1; b++) xent1(b, z, labels, c, n, ld, dz, loss, correct, scale);
}

// ---- softmax_fwd: z (c, ldb) -> p (c, ldb), columns [b0, b1) ----

@inline function softmax4(col: usize, z: usize, c: i32, ld: usize, p: usize): void {
  let m = v128.load(z + col);
  for (let j = 1; j < c; j++) {
    const v = v128.load(z + <usize>j * ld + col);
    m = v128.bitselect(v, m, f32x4.gt(v, m));
  }
  let s = f32x4.splat(0);
  for (let j = 0; j < c; j++) {
    const e = expNeg4(f32x4.sub(v128.load(z + <usize>j * ld + col), m));
    v128.store(p + <usize>j * ld + col, e);
    s = f32x4.add(s, e);
  }
  const inv = f32x4.div(f32x4.splat(1), s);
  for (let j = 0; j < c; j++) v128.store(p + <usize>j * ld + col, f32x4.mul(v128.load(p + <usize>j * ld + col), inv));
}

@inline function softmax1(col: usize, z: usize, c: i32, ld: usize, p: usize): void {
  let m = load<f32>(z + col);
  for (let j = 1; j < c; j++) {
    const v = load<f32>(z + <usize>j * ld + col);
    if (v > m) m = v;
  }
  let s: f32 = 0;
  for (let j = 0; j < c; j++) {
    const e = expNeg(load<f32>(z + <usize>j * ld + col) - m);
    store<f32>(p + <usize>j * ld + col, e);
    s += e;
  }
  const inv: f32 = 1 / s;
  for (let j = 0; j < c; j++) store<f32>(p + <usize>j * ld + col, load<f32>(p + <usize>j * ld + col) * inv);
}

export function softmax_fwd(b0: i32, b1: i32, z: usize, c: i32, ldb: i32, p: usize): void {
  const ld = <usize>ldb << 2;
  let b = b0;
  for (; b < b1 && (b & 3) != 0; b++) softmax1(<usize>b << 2, z, c, ld, p);
  for (; b + 4 <= b1; b += 4) softmax4(<usize>b << 2, z, c, ld, p);
  for (; b < b1; b++) softmax1(<usize>b << 2, z, c, ld, p);
}
