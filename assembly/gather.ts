// Gathering a batch straight from a dataset resident in kernel memory: rows picked by index, transposed to
// feature-major on the way. See index.ts for the ABI.
//
// Why: the alternative (the host copies the batch rows into a staging area, then transpose_in) moves every input
// value twice and runs the copy on one thread; here each thread reads its own feature slice of the picked rows once.

// The 4x4 transpose of rows r0..r3 stored as 4 vectors at out, out + ld, out + 2 ld, out + 3 ld.
@inline function store4x4T(r0: v128, r1: v128, r2: v128, r3: v128, out: usize, ld: usize): void {
  const t0 = f32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = f32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t2 = f32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t3 = f32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(out, f32x4.shuffle(t0, t2, 0, 1, 4, 5));
  v128.store(out + ld, f32x4.shuffle(t0, t2, 2, 3, 6, 7));
  v128.store(out + 2 * ld, f32x4.shuffle(t1, t3, 0, 1, 4, 5));
  v128.store(out + 3 * ld, f32x4.shuffle(t1, t3, 2, 3, 6, 7));
}

// gather_in: dst[f, b] = src[rows[b], f] for b < n (src (count, nFeat) batch-major, rows (n) i32), 0 for
// n <= b < ceil4(n); features [f0, f1) -> dst (nFeat, ldb) feature-major.
export function gather_in(f0: i32, f1: i32, src: usize, rows: usize, n: i32, nFeat: i32, dst: usize, ldb: i32): void {
  const ld = <usize>ldb << 2;
  const rs = <usize>nFeat << 2;
  const full = n & ~3;
  const padded = (n + 3) & ~3;
  let f = f0;
  for (; f + 4 <= f1; f += 4) {
    const s = src + (<usize>f << 2);
    const d = dst + <usize>f * ld;
    let b = 0;
    for (; b < full; b += 4) {
      const r = rows + (<usize>b << 2);
      const p0 = s + <usize>load<i32>(r) * rs;
      const p1 = s + <usize>load<i32>(r, 4) * rs;
      const p2 = s + <usize>load<i32>(r, 8) * rs;
      const p3 = s + <usize>load<i32>(r, 12) * rs;
      store4x4T(v128.load(p0), v128.load(p1), v128.load(p2), v128.load(p3), d + (<usize>b << 2), ld);
    }
    if (b < n) {
      const r = rows + (<usize>b << 2);
      const z = f32x4.splat(0);
      const v0 = v128.load(s + <usize>load<i32>(r) * rs);
      const v1 = b + 1 < n ? v128.load(s + <usize>load<i32>(r, 4) * rs) : z;
      const v2 = b + 2 < n ? v128.load(s + <usize>load<i32>(r, 8) * rs) : z;
      store4x4T(v0, v1, v2, z, d + (<usize>b << 2), ld);
    }
  }
  for (; f < f1; f++) {
    const s = src + (<usize>f << 2);
    const d = dst + <usize>f * ld;
    let b = 0;
    for (; b < n; b++) store<f32>(d + (<usize>b << 2), load<f32>(s + <usize>load<i32>(rows + (<usize>b << 2)) * rs));
    for (; b < padded; b++) store<f32>(d + (<usize>b << 2), 0);
  }
}
