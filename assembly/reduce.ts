// Reductions over batch vectors that several kernels share, in one place so that every kernel sums in the same order:
// a weight gradient computed by spmm_bwd_w, spmm_pair_bwd_w or gemm_bwd_w has the same bits. `nv` counts f32x4
// vectors (4 batch columns each); pointers are byte offsets.
import { madd } from './madd';

/** Bytes of `v` f32x4 vectors. */
@inline export function vec(v: usize): usize {
  return v << 4;
}

// Sum of the 4 lanes as (l0 + l2) + (l1 + l3): the same tree as sum4's, so a value never depends on its group.
@inline export function hsum(v: v128): f32 {
  const s = f32x4.add(v, f32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}

// [hsum(a), hsum(b), hsum(c), hsum(d)] in 4 shuffles and 3 adds (a 4x4 transpose folded into the additions).
@inline export function sum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(f32x4.shuffle(a, b, 0, 4, 1, 5), f32x4.shuffle(a, b, 2, 6, 3, 7));
  const cd = f32x4.add(f32x4.shuffle(c, d, 0, 4, 1, 5), f32x4.shuffle(c, d, 2, 6, 3, 7));
  return f32x4.add(f32x4.shuffle(ab, cd, 0, 1, 4, 5), f32x4.shuffle(ab, cd, 2, 3, 6, 7));
}

// d . x0 over nv vectors of batch, one vector per step, then hsum: the order every dot product of the weight
// gradients follows lane by lane.
@inline export function dot1(d: usize, x0: usize, nv: usize): f32 {
  let s0 = f32x4.splat(0);
  const end = d + vec(nv);
  while (d < end) {
    s0 = madd(v128.load(d), v128.load(x0), s0);
    d += 16;
    x0 += 16;
  }
  return hsum(s0);
}

// sum of row d over nv vectors of batch (a bias gradient: db[o] = sum_b dy[o,b]), vector by vector, then hsum.
@inline export function rowSum(d: usize, nv: usize): f32 {
  let s = f32x4.splat(0);
  const end = d + vec(nv);
  for (; d < end; d += 16) s = f32x4.add(s, v128.load(d));
  return hsum(s);
}
