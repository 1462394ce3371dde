// Optimizer updates over the flat nonzero weights, elements [k0, k1). See index.ts for the ABI.
//
// Why: 4 elements per SIMD step with unaligned loads (a thread's range may start anywhere), then a scalar tail that
// performs the same f32 operations in the same order, so an element's update never depends on the split.

// sgd_update: w, g (nnz) f32; w -= lr g.
export function sgd_update(k0: i32, k1: i32, w: usize, g: usize, lr: f32): void {
  const vlr = f32x4.splat(lr);
  let k = <usize>k0 << 2;
  const end = <usize>k1 << 2;
  for (; k + 16 <= end; k += 16) {
    v128.store(w + k, f32x4.sub(v128.load(w + k), f32x4.mul(vlr, v128.load(g + k))));
  }
  for (; k < end; k += 4) store<f32>(w + k, load<f32>(w + k) - lr * load<f32>(g + k));
}

// momentum_update: w, g, m (nnz) f32; m = momentum m - lr g; w += m (Keras SGD with momentum, not Nesterov).
export function momentum_update(k0: i32, k1: i32, w: usize, g: usize, m: usize, lr: f32, momentum: f32): void {
  const vlr = f32x4.splat(lr);
  const vmo = f32x4.splat(momentum);
  let k = <usize>k0 << 2;
  const end = <usize>k1 << 2;
  for (; k + 16 <= end; k += 16) {
    const mk = f32x4.sub(f32x4.mul(vmo, v128.load(m + k)), f32x4.mul(vlr, v128.load(g + k)));
    v128.store(m + k, mk);
    v128.store(w + k, f32x4.add(v128.load(w + k), mk));
  }
  for (; k < end; k += 4) {
    const mk = momentum * load<f32>(m + k) - lr * load<f32>(g + k);
    store<f32>(m + k, mk);
    store<f32>(w + k, load<f32>(w + k) + mk);
  }
}

// adam_update: w, g, m, v (nnz) f32; m += (g - m)(1 - beta1); v += (g^2 - v)(1 - beta2); w -= alpha m / (sqrt v + eps).
export function adam_update(k0: i32, k1: i32, w: usize, g: usize, m: usize, v: usize, alpha: f32, beta1: f32, beta2: f32, eps: f32): void {
  const c1: f32 = 1 - beta1;
  const c2: f32 = 1 - beta2;
  const vc1 = f32x4.splat(c1), vc2 = f32x4.splat(c2), va = f32x4.splat(alpha), ve = f32x4.splat(eps);
  let k = <usize>k0 << 2;
  const end = <usize>k1 << 2;
  for (; k + 16 <= end; k += 16) {
    const gk = v128.load(g + k);
    const mk = f32x4.add(v128.load(m + k), f32x4.mul(f32x4.sub(gk, v128.load(m + k)), vc1));
    const vk = f32x4.add(v128.load(v + k), f32x4.mul(f32x4.sub(f32x4.mul(gk, gk), v128.load(v + k)), vc2));
    v128.store(m + k, mk);
    v128.store(v + k, vk);
    v128.store(w + k, f32x4.sub(v128.load(w + k), f32x4.div(f32x4.mul(va, mk), f32x4.add(f32x4.sqrt(vk), ve))));
  }
  for (; k < end; k += 4) {
    const gk = load<f32>(g + k);
    const mk = load<f32>(m + k) + (gk - load<f32>(m + k)) * c1;
    const vk = load<f32>(v + k) + (gk * gk - load<f32>(v + k)) * c2;
    store<f32>(m + k, mk);
    store<f32>(v + k, vk);
    store<f32>(w + k, load<f32>(w + k) - (alpha * mk) / (Mathf.sqrt(vk) + eps));
  }
}
