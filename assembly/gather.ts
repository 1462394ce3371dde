// Gathering a batch straight from a dataset resident in kernel memory: rows picked by index, transposed to
// feature-major on the way. See index.ts for the ABI.
//
// Why: the alternative (the host copies the batch rows into a staging area, then transpose_in) moves every input
// value twice and runs the copy on one thread; here each thread reads its own feature slice of the picked rows once.
import { store4x4T } from './transpose';

// gather_in: dst[f, b] = src[rows[b], f] for b < n (src (count, nFeat) batch-major, rows (n) i32), 0 for
// n <= b < ceil4(n); features [f0, f1) -> dst (nFeat, ldb) feature-major.
// Loop order: 16 samples (one 64-byte line of a feature row of dst) at a time, FEAT_CHUNK features at a time, and in
// there 4 sample rows at a time streaming along them. Two costs set it (docs/performance.md, design measurements):
// - the transpose order of transpose_in (all samples per 4 features) touches a different page of a large dataset on
//   every load, and TLB misses made that several times slower;
// - 4 samples at a time over all features wrote 16 bytes into each of nFeat lines of dst per pass, lines long gone
//   from L1 by the next pass, so every line of dst was fetched back 4 times: the stores, not the dataset's rows, were
//   most of the gather's time. Now the 4 passes over a line's 16 samples follow each other within an 8 KB chunk of
//   dst that stays in L1.
const FEAT_CHUNK = 128;

export function gather_in(f0: i32, f1: i32, src: usize, rows: usize, n: i32, nFeat: i32, dst: usize, ldb: i32): void {
  const ld = <usize>ldb << 2;
  const rs = <usize>nFeat << 2;
  const padded = (n + 3) & ~3;
  const fv = f0 + ((f1 - f0) & ~3); // features [f0, fv) in 4x4 blocks, [fv, f1) one at a time
  // First one load from each picked row's first and last feature of the range, all before any other: the rows lie at
  // random places of a dataset far larger than the caches, so each row's first access misses the TLB and its page walk
  // misses the caches too; issued back to back, these walks and misses overlap instead of waiting 4 rows at a time in
  // the loop below (in a training step: 52 -> 43 us per gather, docs/performance.md). The sum goes to dst's first
  // element of the range, which the loop overwrites, so the loads are not dropped as unused.
  if (f1 > f0 && n > 0) {
    let t: f32 = 0;
    const a = <usize>f0 << 2, z = <usize>(f1 - 1) << 2;
    for (let b = 0; b < n; b++) {
      const p = src + <usize>load<i32>(rows + (<usize>b << 2)) * rs;
      t += load<f32>(p + a) + load<f32>(p + z);
    }
    store<f32>(dst + (<usize>f0) * ld, t);
  }
  for (let b16 = 0; b16 < padded; b16 += 16) {
    const bEnd = min(b16 + 16, padded);
    for (let fc = f0; fc < fv; fc += FEAT_CHUNK) {
      const fcEnd = min(fc + FEAT_CHUNK, fv);
      for (let b = b16; b < bEnd; b += 4) {
        const r = rows + (<usize>b << 2);
        // rows past n read row rows[b] again and are zeroed by the lane mask below, so no branch in the inner loop
        const p0 = src + <usize>load<i32>(r) * rs;
        const p1 = b + 1 < n ? src + <usize>load<i32>(r, 4) * rs : p0;
        const p2 = b + 2 < n ? src + <usize>load<i32>(r, 8) * rs : p0;
        const p3 = b + 3 < n ? src + <usize>load<i32>(r, 12) * rs : p0;
        const keep1 = b + 1 < n ? i32x4.splat(-1) : i32x4.splat(0);
        const keep2 = b + 2 < n ? i32x4.splat(-1) : i32x4.splat(0);
        const keep3 = b + 3 < n ? i32x4.splat(-1) : i32x4.splat(0);
        const d = dst + (<usize>b << 2);
        for (let f = fc; f < fcEnd; f += 4) {
          const o = <usize>f << 2;
          store4x4T(v128.load(p0 + o), v128.and(v128.load(p1 + o), keep1), v128.and(v128.load(p2 + o), keep2), v128.and(v128.load(p3 + o), keep3), d + <usize>f * ld, ld);
        }
      }
    }
    for (let b = b16; b < bEnd; b += 4) {
      const r = rows + (<usize>b << 2);
      const p0 = src + <usize>load<i32>(r) * rs;
      const d = dst + (<usize>b << 2);
      for (let f = fv; f < f1; f++) {
        const o = <usize>f << 2;
        const q = d + <usize>f * ld;
        store<f32>(q, load<f32>(p0 + o));
        store<f32>(q, b + 1 < n ? load<f32>(src + <usize>load<i32>(r, 4) * rs + o) : 0, 4);
        store<f32>(q, b + 2 < n ? load<f32>(src + <usize>load<i32>(r, 8) * rs + o) : 0, 8);
        store<f32>(q, b + 3 < n ? load<f32>(src + <usize>load<i32>(r, 12) * rs + o) : 0, 12);
      }
    }
  }
}

// gather_labels: dst[b] = src[rows[b]] for b in [b0, b1) (src, rows, dst i32): a batch's labels picked from labels
// resident beside the rows, so a fused training step (program.ts) needs nothing from the host but the row indices.
export function gather_labels(b0: i32, b1: i32, src: usize, rows: usize, dst: usize): void {
  for (let b = b0; b < b1; b++) {
    const o = <usize>b << 2;
    store<i32>(dst + o, load<i32>(src + (<usize>load<i32>(rows + o) << 2)));
  }
}
