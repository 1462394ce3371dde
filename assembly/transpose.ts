// Layout changes between batch-major host data (one sample's features contiguous) and feature-major activations.
// See index.ts for the ABI.
//
// Why 4x4 blocks: a scalar transpose moves one float per load/store pair; a block loads 4 vectors, transposes them in
// 8 shuffles (unpck/movlhps in V8) and stores 4 vectors. Edges that do not fill a block are scalar.

// The 4x4 transpose of rows r0..r3 is stored as 4 vectors at out, out + ld, out + 2 ld, out + 3 ld.
@inline export function store4x4T(r0: v128, r1: v128, r2: v128, r3: v128, out: usize, ld: usize): void {
  const t0 = f32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = f32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t2 = f32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t3 = f32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(out, f32x4.shuffle(t0, t2, 0, 1, 4, 5));
  v128.store(out + ld, f32x4.shuffle(t0, t2, 2, 3, 6, 7));
  v128.store(out + 2 * ld, f32x4.shuffle(t1, t3, 0, 1, 4, 5));
  v128.store(out + 3 * ld, f32x4.shuffle(t1, t3, 2, 3, 6, 7));
}

// transpose_in: src (n, nFeat) f32 batch-major -> dst (nFeat, ldb) feature-major, features [f0, f1); columns
// n..ceil4(n) are zeroed so that padded samples add nothing downstream.
export function transpose_in(f0: i32, f1: i32, src: usize, n: i32, nFeat: i32, dst: usize, ldb: i32): void {
  const ld = <usize>ldb << 2;
  const rs = <usize>nFeat << 2; // bytes per sample in src
  const full = n & ~3;
  const padded = (n + 3) & ~3;
  let f = f0;
  for (; f + 4 <= f1; f += 4) {
    const s = src + (<usize>f << 2);
    const d = dst + <usize>f * ld;
    let b = 0;
    for (; b < full; b += 4) {
      const p = s + <usize>b * rs;
      store4x4T(v128.load(p), v128.load(p + rs), v128.load(p + 2 * rs), v128.load(p + 3 * rs), d + (<usize>b << 2), ld);
    }
    if (b < n) {
      const p = s + <usize>b * rs;
      const z = f32x4.splat(0);
      const r1 = b + 1 < n ? v128.load(p + rs) : z;
      const r2 = b + 2 < n ? v128.load(p + 2 * rs) : z;
      store4x4T(v128.load(p), r1, r2, z, d + (<usize>b << 2), ld);
    }
  }
  for (; f < f1; f++) {
    const s = src + (<usize>f << 2);
    const d = dst + <usize>f * ld;
    let b = 0;
    for (; b < n; b++) store<f32>(d + (<usize>b << 2), load<f32>(s + <usize>b * rs));
    for (; b < padded; b++) store<f32>(d + (<usize>b << 2), 0);
  }
}

// transpose_out: src (nFeat, ldb) feature-major -> dst (b1, nFeat) batch-major, samples [b0, b1).
export function transpose_out(b0: i32, b1: i32, src: usize, nFeat: i32, ldb: i32, dst: usize): void {
  const ld = <usize>ldb << 2;
  const rs = <usize>nFeat << 2; // bytes per sample in dst
  const fullF = nFeat & ~3;
  let b = b0;
  for (; b < b1 && (b & 3) != 0; b++) transposeOut1(b, src, nFeat, ld, dst + <usize>b * rs);
  for (; b + 4 <= b1; b += 4) {
    const s = src + (<usize>b << 2);
    const d = dst + <usize>b * rs;
    let f = 0;
    for (; f < fullF; f += 4) {
      const p = s + <usize>f * ld;
      store4x4T(v128.load(p), v128.load(p + ld), v128.load(p + 2 * ld), v128.load(p + 3 * ld), d + (<usize>f << 2), rs);
    }
    for (; f < nFeat; f++) {
      const p = s + <usize>f * ld;
      const q = d + (<usize>f << 2);
      store<f32>(q, load<f32>(p, 0));
      store<f32>(q + rs, load<f32>(p, 4));
      store<f32>(q + 2 * rs, load<f32>(p, 8));
      store<f32>(q + 3 * rs, load<f32>(p, 12));
    }
  }
  for (; b < b1; b++) transposeOut1(b, src, nFeat, ld, dst + <usize>b * rs);
}

// One sample (column b) of transpose_out.
@inline function transposeOut1(b: i32, src: usize, nFeat: i32, ld: usize, out: usize): void {
  const s = src + (<usize>b << 2);
  for (let f = 0; f < nFeat; f++) store<f32>(out + (<usize>f << 2), load<f32>(s + <usize>f * ld));
}
