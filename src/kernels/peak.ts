// The arithmetic ceiling of one core for the kernels that run: a register-only loop of multiply-adds (assembly/peak.ts;
// fused in the FMA build, mul + add in the plain one), timed a few times, the best kept. A FLOP floor (the
// multiply-adds a computation needs at this rate) says how far a measured time is from what the arithmetic alone needs.
import { KernelMemory } from './memory.js';
import { instantiateKernels } from './wasm.js';

/** Single-thread GFLOP/s of the running build's multiply-add loop (96 flops an iteration), best of `repeats`. */
export function peakGflops(repeats = 5): number {
  const k = instantiateKernels(new KernelMemory().memory);
  k.fma_peak(1e6, 1, 0); // compiled and warm before timing
  let best = 0;
  for (let r = 0; r < repeats; r++) {
    const iters = 1e7;
    const t0 = performance.now();
    k.fma_peak(iters, 1, 0);
    best = Math.max(best, (96 * iters) / ((performance.now() - t0) / 1000) / 1e9);
  }
  return best;
}
