// One multiply-add for every matmul kernel, so that one source builds both kernel variants (asconfig.json):
// - `release` (plain wasm SIMD, runs everywhere): f32x4.mul then f32x4.add, two roundings;
// - `fma` (built with --enable relaxed-simd): f32x4.relaxed_madd, which V8 compiles to vfmadd231ps on x86 with FMA3
//   (one rounding, one instruction: half the arithmetic uops of mul + add, so a higher register-only ceiling;
//   `npm run bench` measures both, simd_peak and fma_peak).
// ASC_FEATURE_RELAXED_SIMD is a compile-time constant, so each build compiles exactly one branch (the other is never
// compiled, so the plain build contains no relaxed-SIMD opcode and validates without the flag).
// Determinism: relaxed_madd is allowed to be fused or not, but one engine on one machine always picks the same
// lowering, and every caller accumulates each element in one fixed order, so splitting a kernel call across threads
// still gives the same bits.

/** a * b + c per lane. */
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}
