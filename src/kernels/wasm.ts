// Loading the compiled AssemblyScript kernels over a shared memory. Two builds of one source (asconfig.json):
// build/radixnet.wasm (plain wasm SIMD, runs on any engine with SIMD) and build/radixnet-fma.wasm (relaxed SIMD:
// f32x4.relaxed_madd, a fused multiply-add, ~1.4x the arithmetic ceiling of mul + add). kernelModule() picks one per
// process: the FMA build when the engine takes it, else the plain one; RADIXNET_SIMD=plain|fma forces a choice.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

/** Where `npm run build:wasm` writes the plain kernels (dist/src/kernels/ -> build/). */
export const WASM_PATH = fileURLToPath(new URL('../../../build/radixnet.wasm', import.meta.url));
/** The same kernels built with relaxed SIMD (multiply-adds as f32x4.relaxed_madd). */
export const WASM_FMA_PATH = fileURLToPath(new URL('../../../build/radixnet-fma.wasm', import.meta.url));

/** Which build runs: 'fma' (relaxed-SIMD fused multiply-add) or 'simd' (plain wasm SIMD mul + add). */
export type KernelVariant = 'fma' | 'simd';

/** Pointers are byte offsets into the shared memory; lengths and indices are i32; f32 arguments are JS numbers. */
export interface KernelExports {
  spmm_fwd(o0: number, o1: number, rowPtr: number, colIdx: number, w: number, bias: number, x: number, y: number, nb: number, ldb: number, relu: number): void;
  spmm_bwd_x(i0: number, i1: number, colPtr: number, rowIdx: number, wPos: number, w: number, dy: number, a: number, dx: number, nb: number, ldb: number): void;
  spmm_bwd_w(o0: number, o1: number, rowPtr: number, colIdx: number, dy: number, x: number, dw: number, db: number, nb: number, ldb: number): void;
  spmm_runs_fwd(o0: number, o1: number, rowPtr: number, runPtr: number, runs: number, w: number, bias: number, x: number, y: number, nb: number, ldb: number, relu: number): void;
  spmm_pair_fwd(p0: number, p1: number, pairs: number, rowPtr: number, runPtr: number, runs: number, w: number, bias: number, x: number, y: number, nb: number, ldb: number, relu: number): void;
  spmm_pair_bwd_w(p0: number, p1: number, pairs: number, rowPtr: number, colIdx: number, dy: number, x: number, dw: number, db: number, nb: number, ldb: number): void;
  gemm_fwd(o0: number, o1: number, w: number, nIn: number, bias: number, x: number, y: number, nb: number, ldb: number, relu: number): void;
  gemm_bwd_x(i0: number, i1: number, w: number, nIn: number, nOut: number, dy: number, a: number, dx: number, nb: number, ldb: number): void;
  gemm_bwd_w(o0: number, o1: number, nIn: number, dy: number, x: number, dw: number, db: number, nb: number, ldb: number): void;
  softmax_xent(b0: number, b1: number, z: number, labels: number, c: number, n: number, ldb: number, dz: number, loss: number, correct: number, scale: number): void;
  softmax_fwd(b0: number, b1: number, z: number, c: number, ldb: number, p: number): void;
  transpose_in(f0: number, f1: number, src: number, n: number, nFeat: number, dst: number, ldb: number): void;
  gather_in(f0: number, f1: number, src: number, rows: number, n: number, nFeat: number, dst: number, ldb: number): void;
  transpose_out(b0: number, b1: number, src: number, nFeat: number, ldb: number, dst: number): void;
  sgd_update(k0: number, k1: number, w: number, g: number, lr: number): void;
  momentum_update(k0: number, k1: number, w: number, g: number, m: number, lr: number, momentum: number): void;
  adam_update(k0: number, k1: number, w: number, g: number, m: number, v: number, alpha: number, beta1: number, beta2: number, eps: number): void;
  simd_peak(iters: number, a: number, b: number): number;
  /** The FMA ceiling (relaxed_madd chains) in the fma build; the same as simd_peak in the plain build. */
  fma_peak(iters: number, a: number, b: number): number;
  memory: WebAssembly.Memory;
}

/** Every kernel, in the order the thread pool numbers them (a worker looks a kernel up by its index here). */
export const KERNEL_NAMES = [
  'spmm_fwd', 'spmm_bwd_x', 'spmm_bwd_w',
  'gemm_fwd', 'gemm_bwd_x', 'gemm_bwd_w',
  'softmax_xent', 'softmax_fwd',
  'transpose_in', 'transpose_out', 'gather_in',
  'sgd_update', 'momentum_update', 'adam_update',
  'spmm_runs_fwd', 'spmm_pair_fwd', 'spmm_pair_bwd_w',
] as const;
export type KernelName = (typeof KERNEL_NAMES)[number];

function readKernels(path: string): Uint8Array<ArrayBuffer> {
  try {
    return readFileSync(path) as Uint8Array<ArrayBuffer>;
  } catch {
    throw new Error(`radixnet kernels not found at ${path}: run \`npm run build\` (npm install runs it through \`prepare\`)`);
  }
}

/**
 * Whether this engine takes the FMA build, turning relaxed SIMD on if it has to. Node 20 (V8 11.3) ships relaxed
 * SIMD behind --experimental-wasm-relaxed-simd; V8 flags are process-wide and read when a module is validated or
 * compiled, so setting it now, before compiling, is enough for this thread and for workers that instantiate the
 * compiled Module. Engines that have it on by default validate at once and get no flag (newer V8 may freeze flags).
 */
function enableRelaxedSimd(bytes: Uint8Array<ArrayBuffer>): boolean {
  if (WebAssembly.validate(bytes)) return true;
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return WebAssembly.validate(bytes);
}

/**
 * Compiles one build of the kernels, uncached: 'simd' always works where wasm SIMD does; 'fma' throws when the engine
 * cannot run relaxed SIMD. Tests use it to check both builds; everything else goes through kernelModule().
 */
export function compileKernels(variant: KernelVariant): WebAssembly.Module {
  if (variant === 'simd') return new WebAssembly.Module(readKernels(WASM_PATH));
  const bytes = readKernels(WASM_FMA_PATH);
  if (!enableRelaxedSimd(bytes)) throw new Error(`radixnet: this engine (Node ${process.version}) cannot run relaxed SIMD, so not the FMA kernels`);
  return new WebAssembly.Module(bytes);
}

let compiled: { module: WebAssembly.Module; variant: KernelVariant } | undefined;

/**
 * Compiles the kernels once per process (synchronously: a few milliseconds): the FMA build unless
 * RADIXNET_SIMD=plain or the engine refuses it (then silently the plain build); RADIXNET_SIMD=fma throws instead of
 * falling back. Worker threads get this Module from the pool, so every thread runs the same build (the 1- and
 * n-thread results stay bit-identical).
 */
export function kernelModule(): WebAssembly.Module {
  if (!compiled) {
    const want = process.env.RADIXNET_SIMD ?? '';
    if (want === 'plain') compiled = { module: compileKernels('simd'), variant: 'simd' };
    else if (want === 'fma') compiled = { module: compileKernels('fma'), variant: 'fma' };
    else if (want !== '') throw new Error(`RADIXNET_SIMD must be plain or fma (or unset for the fastest available), not ${JSON.stringify(want)}`);
    else {
      try {
        compiled = { module: compileKernels('fma'), variant: 'fma' };
      } catch {
        // relaxed SIMD refused (older engine, flag rejected) or the FMA build missing: the plain build does the same work
        compiled = { module: compileKernels('simd'), variant: 'simd' };
      }
    }
  }
  return compiled.module;
}

/** Which build kernelModule() runs in this process (compiling it if it was not yet). */
export function kernelVariant(): KernelVariant {
  kernelModule();
  return compiled!.variant;
}

/** Instantiates the kernels over `memory` (a shared WebAssembly.Memory), on this thread. */
export function instantiateKernels(memory: WebAssembly.Memory, module: WebAssembly.Module = kernelModule()): KernelExports {
  const instance = new WebAssembly.Instance(module, {
    env: {
      memory,
      abort(_msg: number, _file: number, line: number, col: number): never {
        throw new Error(`radixnet kernel aborted at ${line}:${col}`);
      },
    },
  });
  return instance.exports as unknown as KernelExports;
}
