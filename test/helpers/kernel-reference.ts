// Plain-TypeScript reference of every wasm kernel (assembly/index.ts has the ABI), for the kernel tests; not shipped.
// Same arguments in the same order, with typed arrays for pointers and null for "none". Sums run in float64 and are
// rounded once when stored, so a reference value is the accurately rounded one and the wasm kernels (float32
// arithmetic throughout) are checked against it with tolerances stated in test/kernels.test.ts. Float64Array outputs
// are accepted so that finite differences can run on the reference forward without float32 rounding.

/** A float buffer: float32 like the kernels, or float64 for gradient checks. */
export type Floats = Float32Array | Float64Array;

const f32 = Math.fround;

/** The ReLU of the kernels (f32x4.pmax(v, 0)): v < 0 ? 0 : v, so NaN stays NaN. */
export function relu(v: number): number {
  return v < 0 ? 0 : v;
}

// y (nOut, ldb) = act(W x + bias) for outputs [o0, o1): W CSR (rowPtr, colIdx, w) over outputs, x (nIn, ldb).
export function spmmFwd(
  o0: number,
  o1: number,
  rowPtr: Int32Array,
  colIdx: Int32Array,
  w: Floats,
  bias: Floats | null,
  x: Floats,
  y: Floats,
  nb: number,
  ldb: number,
  useRelu: boolean,
): void {
  for (let o = o0; o < o1; o++) {
    for (let b = 0; b < nb; b++) {
      let sum = bias ? bias[o] : 0;
      for (let k = rowPtr[o]; k < rowPtr[o + 1]; k++) sum += w[k] * x[colIdx[k] * ldb + b];
      y[o * ldb + b] = useRelu ? relu(sum) : sum;
    }
  }
}

// dx (nIn, ldb) = (W^T dy) * (a > 0) for inputs [i0, i1): W^T as CSC (colPtr, rowIdx, wPos into w), dy (nOut, ldb).
export function spmmBwdX(
  i0: number,
  i1: number,
  colPtr: Int32Array,
  rowIdx: Int32Array,
  wPos: Int32Array,
  w: Floats,
  dy: Floats,
  a: Floats | null,
  dx: Floats,
  nb: number,
  ldb: number,
): void {
  for (let i = i0; i < i1; i++) {
    for (let b = 0; b < nb; b++) {
      let sum = 0;
      for (let k = colPtr[i]; k < colPtr[i + 1]; k++) sum += w[wPos[k]] * dy[rowIdx[k] * ldb + b];
      dx[i * ldb + b] = a && !(a[i * ldb + b] > 0) ? 0 : sum;
    }
  }
}

// dw[k] = dy[o,:] . x[colIdx[k],:] over the nonzeros of outputs [o0, o1); db[o] = sum dy[o,:].
export function spmmBwdW(
  o0: number,
  o1: number,
  rowPtr: Int32Array,
  colIdx: Int32Array,
  dy: Floats,
  x: Floats,
  dw: Floats,
  db: Floats | null,
  nb: number,
  ldb: number,
): void {
  for (let o = o0; o < o1; o++) {
    for (let k = rowPtr[o]; k < rowPtr[o + 1]; k++) {
      let sum = 0;
      for (let b = 0; b < nb; b++) sum += dy[o * ldb + b] * x[colIdx[k] * ldb + b];
      dw[k] = sum;
    }
    if (db) db[o] = rowSum(dy, o * ldb, nb);
  }
}

// spmmFwd with each row's inputs given as runs: runs[3r..3r+2] = (start, count, stride) for r in [runPtr[o], runPtr[o+1]),
// the row's weights consecutive from w[rowPtr[o]] (CSR order). Walks the runs itself, not a CSR expansion of them.
export function spmmRunsFwd(
  o0: number,
  o1: number,
  rowPtr: Int32Array,
  runPtr: Int32Array,
  runs: Int32Array,
  w: Floats,
  bias: Floats | null,
  x: Floats,
  y: Floats,
  nb: number,
  ldb: number,
  useRelu: boolean,
): void {
  for (let o = o0; o < o1; o++) {
    for (let b = 0; b < nb; b++) {
      let sum = bias ? bias[o] : 0;
      let k = rowPtr[o];
      for (let r = runPtr[o]; r < runPtr[o + 1]; r++) {
        for (let j = 0; j < runs[3 * r + 1]; j++) sum += w[k++] * x[(runs[3 * r] + j * runs[3 * r + 2]) * ldb + b];
      }
      y[o * ldb + b] = useRelu ? relu(sum) : sum;
    }
  }
}

// y (nOut, ldb) = act(w x + bias) for outputs [o0, o1): w (nOut, nIn) row-major, x (nIn, ldb).
export function gemmFwd(
  o0: number,
  o1: number,
  w: Floats,
  nIn: number,
  bias: Floats | null,
  x: Floats,
  y: Floats,
  nb: number,
  ldb: number,
  useRelu: boolean,
): void {
  for (let o = o0; o < o1; o++) {
    for (let b = 0; b < nb; b++) {
      let sum = bias ? bias[o] : 0;
      for (let i = 0; i < nIn; i++) sum += w[o * nIn + i] * x[i * ldb + b];
      y[o * ldb + b] = useRelu ? relu(sum) : sum;
    }
  }
}

// dx (nIn, ldb) = (w^T dy) * (a > 0) for inputs [i0, i1).
export function gemmBwdX(
  i0: number,
  i1: number,
  w: Floats,
  nIn: number,
  nOut: number,
  dy: Floats,
  a: Floats | null,
  dx: Floats,
  nb: number,
  ldb: number,
): void {
  for (let i = i0; i < i1; i++) {
    for (let b = 0; b < nb; b++) {
      let sum = 0;
      for (let o = 0; o < nOut; o++) sum += w[o * nIn + i] * dy[o * ldb + b];
      dx[i * ldb + b] = a && !(a[i * ldb + b] > 0) ? 0 : sum;
    }
  }
}

// dw[o,i] = dy[o,:] . x[i,:] for rows [o0, o1) of dw (nOut, nIn); db[o] = sum dy[o,:].
export function gemmBwdW(
  o0: number,
  o1: number,
  nIn: number,
  dy: Floats,
  x: Floats,
  dw: Floats,
  db: Floats | null,
  nb: number,
  ldb: number,
): void {
  for (let o = o0; o < o1; o++) {
    for (let i = 0; i < nIn; i++) {
      let sum = 0;
      for (let b = 0; b < nb; b++) sum += dy[o * ldb + b] * x[i * ldb + b];
      dw[o * nIn + i] = sum;
    }
    if (db) db[o] = rowSum(dy, o * ldb, nb);
  }
}

function rowSum(v: Floats, start: number, n: number): number {
  let sum = 0;
  for (let b = 0; b < n; b++) sum += v[start + b];
  return sum;
}

/** The softmax of column b of z (c, ldb), in float64. */
export function softmaxColumn(z: Floats, c: number, ldb: number, b: number): number[] {
  let max = -Infinity;
  for (let j = 0; j < c; j++) max = Math.max(max, z[j * ldb + b]);
  const e: number[] = [];
  let sum = 0;
  for (let j = 0; j < c; j++) {
    e.push(Math.exp(z[j * ldb + b] - max));
    sum += e[j];
  }
  return e.map((v) => v / sum);
}

// Columns [b0, b1) of z (c, ldb): loss[b] = -log p[label], correct[b] = argmax == label (first max on ties),
// dz[:,b] = (p - onehot) scale for b < n, and dz[:,b] = 0 for padded columns b >= n.
export function softmaxXent(
  b0: number,
  b1: number,
  z: Floats,
  labels: Int32Array,
  c: number,
  n: number,
  ldb: number,
  dz: Floats,
  loss: Floats,
  correct: Int32Array,
  scale: number,
): void {
  scale = f32(scale);
  for (let b = b0; b < b1; b++) {
    if (b >= n) {
      for (let j = 0; j < c; j++) dz[j * ldb + b] = 0;
      continue;
    }
    const p = softmaxColumn(z, c, ldb, b);
    let arg = 0;
    for (let j = 1; j < c; j++) if (z[j * ldb + b] > z[arg * ldb + b]) arg = j;
    const label = labels[b];
    for (let j = 0; j < c; j++) dz[j * ldb + b] = (p[j] - (j === label ? 1 : 0)) * scale;
    loss[b] = -Math.log(p[label]);
    correct[b] = arg === label ? 1 : 0;
  }
}

// p[:,b] = softmax(z[:,b]) for columns [b0, b1).
export function softmaxFwd(b0: number, b1: number, z: Floats, c: number, ldb: number, p: Floats): void {
  for (let b = b0; b < b1; b++) {
    const col = softmaxColumn(z, c, ldb, b);
    for (let j = 0; j < c; j++) p[j * ldb + b] = col[j];
  }
}

// dst[f,b] = src[b*nFeat+f] for features [f0, f1), b < n; 0 for n <= b < ceil4(n). src (n, nFeat) batch-major.
export function transposeIn(
  f0: number,
  f1: number,
  src: Floats,
  n: number,
  nFeat: number,
  dst: Floats,
  ldb: number,
): void {
  const padded = Math.ceil(n / 4) * 4;
  for (let f = f0; f < f1; f++) {
    for (let b = 0; b < padded; b++) dst[f * ldb + b] = b < n ? src[b * nFeat + f] : 0;
  }
}

// dst[f,b] = src[rows[b]*nFeat+f] for features [f0, f1), b < n; 0 for n <= b < ceil4(n). src (count, nFeat) batch-major,
// rows (n) the samples to pick.
export function gatherIn(
  f0: number,
  f1: number,
  src: Floats,
  rows: Int32Array,
  n: number,
  nFeat: number,
  dst: Floats,
  ldb: number,
): void {
  const padded = Math.ceil(n / 4) * 4;
  for (let f = f0; f < f1; f++) {
    for (let b = 0; b < padded; b++) dst[f * ldb + b] = b < n ? src[rows[b] * nFeat + f] : 0;
  }
}

// dst[b] = src[rows[b]] for b in [b0, b1) (labels by row index).
export function gatherLabels(b0: number, b1: number, src: Int32Array, rows: Int32Array, dst: Int32Array): void {
  for (let b = b0; b < b1; b++) dst[b] = src[rows[b]];
}

// dst[b*nFeat+f] = src[f,b] for samples [b0, b1). src (nFeat, ldb) feature-major.
export function transposeOut(b0: number, b1: number, src: Floats, nFeat: number, ldb: number, dst: Floats): void {
  for (let b = b0; b < b1; b++) {
    for (let f = 0; f < nFeat; f++) dst[b * nFeat + f] = src[f * ldb + b];
  }
}

// w -= lr g over [k0, k1). Scalars are rounded to float32 as the kernels receive them.
export function sgdUpdate(k0: number, k1: number, w: Floats, g: Floats, lr: number): void {
  lr = f32(lr);
  for (let k = k0; k < k1; k++) w[k] -= lr * g[k];
}

// m = momentum m - lr g; w += m over [k0, k1) (Keras SGD with momentum).
// Optimizer states below 2^-100 are flushed to 0 and gradients below 2^-60 are not squared into v, as the wasm
// kernels do to stay clear of subnormal floats (see assembly/optimizer.ts).
const TINY = 2 ** -100;
const TINY_G = 2 ** -60;
const flush = (x: number, t: number): number => (Math.abs(x) < t ? 0 : x);

export function momentumUpdate(
  k0: number,
  k1: number,
  w: Floats,
  g: Floats,
  m: Floats,
  lr: number,
  momentum: number,
): void {
  lr = f32(lr);
  momentum = f32(momentum);
  for (let k = k0; k < k1; k++) {
    m[k] = flush(momentum * m[k] - lr * g[k], TINY);
    w[k] += m[k];
  }
}

// m += (g - m)(1 - beta1); v += (g^2 - v)(1 - beta2); w -= alpha m / (sqrt v + eps) over [k0, k1) (Keras Adam, with
// the bias correction folded into alpha by the caller).
export function adamUpdate(
  k0: number,
  k1: number,
  w: Floats,
  g: Floats,
  m: Floats,
  v: Floats,
  alpha: number,
  beta1: number,
  beta2: number,
  eps: number,
): void {
  [alpha, beta1, beta2, eps] = [f32(alpha), f32(beta1), f32(beta2), f32(eps)];
  for (let k = k0; k < k1; k++) {
    const gs = flush(g[k], TINY_G);
    m[k] = flush(m[k] + (g[k] - m[k]) * (1 - beta1), TINY);
    v[k] = flush(v[k] + (gs * gs - v[k]) * (1 - beta2), TINY);
    w[k] -= (alpha * m[k]) / (Math.sqrt(v[k]) + eps);
  }
}
