// An independent plain-JS (float64) masked MLP for tests: dense [nIn, nOut] kernels multiplied by 0/1 masks, the way
// the paper's suite (and tfjs/Keras) computes it. No code shared with src/engine.

export interface RefLayer {
  nIn: number;
  nOut: number;
  kernel: Float64Array; // [nIn, nOut]
  mask: Uint8Array; // [nIn, nOut]
  bias?: Float64Array;
}

/** Forward pass of one sample batch x [n, n0]; returns activations per layer (batch-major) and the probabilities. */
export function refForward(
  layers: RefLayer[],
  x: ArrayLike<number>,
  n: number,
): { acts: Float64Array[]; probs: Float64Array } {
  const acts: Float64Array[] = [Float64Array.from(x as ArrayLike<number>)];
  layers.forEach((L, l) => {
    const a = acts[l];
    const z = new Float64Array(n * L.nOut);
    for (let b = 0; b < n; b++) {
      for (let o = 0; o < L.nOut; o++) {
        let s = L.bias ? L.bias[o] : 0;
        for (let i = 0; i < L.nIn; i++) s += a[b * L.nIn + i] * L.kernel[i * L.nOut + o] * L.mask[i * L.nOut + o];
        z[b * L.nOut + o] = l < layers.length - 1 ? Math.max(0, s) : s;
      }
    }
    acts.push(z);
  });
  const C = layers[layers.length - 1].nOut;
  const logits = acts[acts.length - 1];
  const probs = new Float64Array(n * C);
  for (let b = 0; b < n; b++) {
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, logits[b * C + c]);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(logits[b * C + c] - m);
    for (let c = 0; c < C; c++) probs[b * C + c] = Math.exp(logits[b * C + c] - m) / s;
  }
  return { acts, probs };
}

/** Mean cross-entropy loss and accuracy. */
export function refLoss(
  layers: RefLayer[],
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
): { loss: number; accuracy: number } {
  const { probs } = refForward(layers, x, n);
  const C = layers[layers.length - 1].nOut;
  let loss = 0;
  let correct = 0;
  for (let b = 0; b < n; b++) {
    loss -= Math.log(probs[b * C + y[b]]);
    let best = 0;
    for (let c = 1; c < C; c++) if (probs[b * C + c] > probs[b * C + best]) best = c;
    if (best === y[b]) correct++;
  }
  return { loss: loss / n, accuracy: correct / n };
}

/** Gradients of the mean loss w.r.t. each kernel (masked: zero off the mask) and bias. */
export function refGradients(
  layers: RefLayer[],
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
): { kernel: Float64Array; bias: Float64Array }[] {
  const { acts, probs } = refForward(layers, x, n);
  const C = layers[layers.length - 1].nOut;
  let delta = new Float64Array(n * C);
  for (let b = 0; b < n; b++)
    for (let c = 0; c < C; c++) delta[b * C + c] = (probs[b * C + c] - (c === y[b] ? 1 : 0)) / n;
  const grads: { kernel: Float64Array; bias: Float64Array }[] = [];
  for (let l = layers.length - 1; l >= 0; l--) {
    const L = layers[l];
    const a = acts[l];
    const gk = new Float64Array(L.nIn * L.nOut);
    const gb = new Float64Array(L.nOut);
    for (let b = 0; b < n; b++) {
      for (let o = 0; o < L.nOut; o++) {
        const d = delta[b * L.nOut + o];
        gb[o] += d;
        for (let i = 0; i < L.nIn; i++) gk[i * L.nOut + o] += a[b * L.nIn + i] * d * L.mask[i * L.nOut + o];
      }
    }
    grads[l] = { kernel: gk, bias: gb };
    if (l > 0) {
      const next = new Float64Array(n * L.nIn);
      for (let b = 0; b < n; b++) {
        for (let i = 0; i < L.nIn; i++) {
          if (a[b * L.nIn + i] <= 0) continue;
          let s = 0;
          for (let o = 0; o < L.nOut; o++)
            s += L.kernel[i * L.nOut + o] * L.mask[i * L.nOut + o] * delta[b * L.nOut + o];
          next[b * L.nIn + i] = s;
        }
      }
      delta = next;
    }
  }
  return grads;
}

/** One Keras Adam step on every kernel entry (masked entries have zero gradient, so they stay where they are). */
export function refAdamStep(
  params: Float64Array[],
  grads: Float64Array[],
  state: { m: Float64Array[]; v: Float64Array[]; t: number },
  lr = 1e-3,
  beta1 = 0.9,
  beta2 = 0.999,
  eps = 1e-7,
): void {
  state.t++;
  const alpha = (lr * Math.sqrt(1 - beta2 ** state.t)) / (1 - beta1 ** state.t);
  params.forEach((p, j) => {
    const g = grads[j];
    const m = state.m[j];
    const v = state.v[j];
    for (let k = 0; k < p.length; k++) {
      m[k] += (g[k] - m[k]) * (1 - beta1);
      v[k] += (g[k] * g[k] - v[k]) * (1 - beta2);
      p[k] -= (alpha * m[k]) / (Math.sqrt(v[k]) + eps);
    }
  });
}
