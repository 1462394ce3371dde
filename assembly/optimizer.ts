// Optimizer updates over the flat nonzero weights, elements [k0, k1). See index.ts for the ABI.
//
// Why: 4 elements per SIMD step with unaligned loads (a thread's range may start anywhere), then a scalar tail that
// performs the same f32 operations in the same order, so an element's update never depends on the split.
import { vec } from './reduce';

// Optimizer state that decays towards zero (momentum and Adam's m of a weight whose gradient stays zero, e.g. behind a
// dead ReLU) would become subnormal within a few hundred steps, and x86 takes ~100 cycles per subnormal result: one
// such epoch ran many times slower (docs/performance.md, design measurements). TensorFlow runs with flush-to-zero for the same
// reason; wasm cannot set FTZ, so states below TINY (2^-100, far below anything that moves a weight: Adam divides by
// sqrt(v) + eps) are set to exactly 0, and gradients below 2^-60 are not squared into v (their square would be
// subnormal).
const TINY: f32 = 7.888609052210118e-31; // 2^-100
const TINY_G: f32 = 8.673617379884035e-19; // 2^-60

// x with every lane whose magnitude is below t set to +0.
@inline function flush(x: v128, t: v128): v128 {
  return v128.andnot(x, f32x4.lt(f32x4.abs(x), t));
}

@inline function flush1(x: f32, t: f32): f32 {
  return Mathf.abs(x) < t ? 0 : x;
}

// sgd_update: w, g (nnz) f32; w -= lr g.
export function sgd_update(k0: i32, k1: i32, w: usize, g: usize, lr: f32): void {
  const vlr = f32x4.splat(lr);
  let k = <usize>k0 << 2;
  const end = <usize>k1 << 2;
  for (; k + vec(1) <= end; k += vec(1)) {
    v128.store(w + k, f32x4.sub(v128.load(w + k), f32x4.mul(vlr, v128.load(g + k))));
  }
  for (; k < end; k += 4) store<f32>(w + k, load<f32>(w + k) - lr * load<f32>(g + k));
}

// momentum_update: w, g, m (nnz) f32; m = momentum m - lr g; w += m (Keras SGD with momentum, not Nesterov).
export function momentum_update(k0: i32, k1: i32, w: usize, g: usize, m: usize, lr: f32, momentum: f32): void {
  const vlr = f32x4.splat(lr);
  const vmo = f32x4.splat(momentum);
  const vt = f32x4.splat(TINY);
  let k = <usize>k0 << 2;
  const end = <usize>k1 << 2;
  for (; k + vec(1) <= end; k += vec(1)) {
    const mk = flush(f32x4.sub(f32x4.mul(vmo, v128.load(m + k)), f32x4.mul(vlr, v128.load(g + k))), vt);
    v128.store(m + k, mk);
    v128.store(w + k, f32x4.add(v128.load(w + k), mk));
  }
  for (; k < end; k += 4) {
    const mk = flush1(momentum * load<f32>(m + k) - lr * load<f32>(g + k), TINY);
    store<f32>(m + k, mk);
    store<f32>(w + k, load<f32>(w + k) + mk);
  }
}

// One Adam step on the 4 elements at byte offset k.
@inline function adam4(k: usize, w: usize, g: usize, m: usize, v: usize, vc1: v128, vc2: v128, va: v128, ve: v128, vt: v128, vtg: v128): void {
  const gk = v128.load(g + k);
  const gs = flush(gk, vtg);
  const mk = flush(f32x4.add(v128.load(m + k), f32x4.mul(f32x4.sub(gk, v128.load(m + k)), vc1)), vt);
  const vk = flush(f32x4.add(v128.load(v + k), f32x4.mul(f32x4.sub(f32x4.mul(gs, gs), v128.load(v + k)), vc2)), vt);
  v128.store(m + k, mk);
  v128.store(v + k, vk);
  v128.store(w + k, f32x4.sub(v128.load(w + k), f32x4.div(f32x4.mul(va, mk), f32x4.add(f32x4.sqrt(vk), ve))));
}

// adam_update: w, g, m, v (nnz) f32; m += (g - m)(1 - beta1); v += (g^2 - v)(1 - beta2); w -= alpha m / (sqrt v + eps).
// Two vectors per step: V8 rebuilds the splat constants inside the loop, once per iteration, so two vectors per
// iteration halve that cost (docs/performance.md, design measurements).
export function adam_update(k0: i32, k1: i32, w: usize, g: usize, m: usize, v: usize, alpha: f32, beta1: f32, beta2: f32, eps: f32): void {
  const c1: f32 = 1 - beta1;
  const c2: f32 = 1 - beta2;
  const vc1 = f32x4.splat(c1), vc2 = f32x4.splat(c2), va = f32x4.splat(alpha), ve = f32x4.splat(eps);
  const vt = f32x4.splat(TINY), vtg = f32x4.splat(TINY_G);
  let k = <usize>k0 << 2;
  const end = <usize>k1 << 2;
  for (; k + vec(2) <= end; k += vec(2)) {
    adam4(k, w, g, m, v, vc1, vc2, va, ve, vt, vtg);
    adam4(k + vec(1), w, g, m, v, vc1, vc2, va, ve, vt, vtg);
  }
  if (k + vec(1) <= end) {
    adam4(k, w, g, m, v, vc1, vc2, va, ve, vt, vtg);
    k += vec(1);
  }
  for (; k < end; k += 4) {
    const gk = load<f32>(g + k);
    const gs = flush1(gk, TINY_G);
    const mk = flush1(load<f32>(m + k) + (gk - load<f32>(m + k)) * c1, TINY);
    const vk = flush1(load<f32>(v + k) + (gs * gs - load<f32>(v + k)) * c2, TINY);
    store<f32>(m + k, mk);
    store<f32>(v + k, vk);
    store<f32>(w + k, load<f32>(w + k) - (alpha * mk) / (Mathf.sqrt(vk) + eps));
  }
}
