// The wasm SIMD arithmetic ceiling of this machine, for the benchmark's "GFLOP/s against peak" column: 12 independent
// chains of f32x4 mul + add (no FMA in plain wasm SIMD), nothing loaded or stored inside the loop.
import { madd } from './madd';

// simd_peak(iters, a, b): 96 flops per iteration; returns a lane so the work cannot be optimized away.
export function simd_peak(iters: i32, a: f32, b: f32): f32 {
  const va = f32x4.splat(a);
  const vb = f32x4.splat(b);
  let c0 = f32x4.splat(1), c1 = f32x4.splat(2), c2 = f32x4.splat(3), c3 = f32x4.splat(4);
  let c4 = f32x4.splat(5), c5 = f32x4.splat(6), c6 = f32x4.splat(7), c7 = f32x4.splat(8);
  let c8 = f32x4.splat(9), c9 = f32x4.splat(10), c10 = f32x4.splat(11), c11 = f32x4.splat(12);
  for (let i = 0; i < iters; i++) {
    c0 = f32x4.add(f32x4.mul(c0, va), vb); c1 = f32x4.add(f32x4.mul(c1, va), vb);
    c2 = f32x4.add(f32x4.mul(c2, va), vb); c3 = f32x4.add(f32x4.mul(c3, va), vb);
    c4 = f32x4.add(f32x4.mul(c4, va), vb); c5 = f32x4.add(f32x4.mul(c5, va), vb);
    c6 = f32x4.add(f32x4.mul(c6, va), vb); c7 = f32x4.add(f32x4.mul(c7, va), vb);
    c8 = f32x4.add(f32x4.mul(c8, va), vb); c9 = f32x4.add(f32x4.mul(c9, va), vb);
    c10 = f32x4.add(f32x4.mul(c10, va), vb); c11 = f32x4.add(f32x4.mul(c11, va), vb);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7)));
  return f32x4.extract_lane(f32x4.add(s, f32x4.add(f32x4.add(c8, c9), f32x4.add(c10, c11))), 0);
}

// fma_peak(iters, a, b): the same 12 chains, each step one madd (madd.ts): in the `fma` build one f32x4.relaxed_madd
// (vfmadd, the FMA ceiling), in the plain build mul + add again (then it equals simd_peak). Still
// 96 flops per iteration (a multiply-add counts 2, as everywhere in the benchmarks).
export function fma_peak(iters: i32, a: f32, b: f32): f32 {
  const va = f32x4.splat(a);
  const vb = f32x4.splat(b);
  let c0 = f32x4.splat(1), c1 = f32x4.splat(2), c2 = f32x4.splat(3), c3 = f32x4.splat(4);
  let c4 = f32x4.splat(5), c5 = f32x4.splat(6), c6 = f32x4.splat(7), c7 = f32x4.splat(8);
  let c8 = f32x4.splat(9), c9 = f32x4.splat(10), c10 = f32x4.splat(11), c11 = f32x4.splat(12);
  for (let i = 0; i < iters; i++) {
    c0 = madd(c0, va, vb); c1 = madd(c1, va, vb); c2 = madd(c2, va, vb); c3 = madd(c3, va, vb);
    c4 = madd(c4, va, vb); c5 = madd(c5, va, vb); c6 = madd(c6, va, vb); c7 = madd(c7, va, vb);
    c8 = madd(c8, va, vb); c9 = madd(c9, va, vb); c10 = madd(c10, va, vb); c11 = madd(c11, va, vb);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7)));
  return f32x4.extract_lane(f32x4.add(s, f32x4.add(f32x4.add(c8, c9), f32x4.add(c10, c11))), 0);
}
