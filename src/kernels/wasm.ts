// Loading the compiled AssemblyScript kernels (build/radixnet.wasm) over a shared memory.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where `npm run build:wasm` writes the kernels (dist/src/kernels/ -> build/). */
export const WASM_PATH = fileURLToPath(new URL('../../../build/radixnet.wasm', import.meta.url));

/** Pointers are byte offsets into the shared memory; lengths and indices are i32; f32 arguments are JS numbers. */
export interface KernelExports {
  spmm_fwd(o0: number, o1: number, rowPtr: number, colIdx: number, w: number, bias: number, x: number, y: number, nb: number, ldb: number, relu: number): void;
  spmm_bwd_x(i0: number, i1: number, colPtr: number, rowIdx: number, wPos: number, w: number, dy: number, a: number, dx: number, nb: number, ldb: number): void;
  spmm_bwd_w(o0: number, o1: number, rowPtr: number, colIdx: number, dy: number, x: number, dw: number, db: number, nb: number, ldb: number): void;
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
  memory: WebAssembly.Memory;
}

/** Every kernel, in the order the thread pool numbers them (a worker looks a kernel up by its index here). */
export const KERNEL_NAMES = [
  'spmm_fwd', 'spmm_bwd_x', 'spmm_bwd_w',
  'gemm_fwd', 'gemm_bwd_x', 'gemm_bwd_w',
  'softmax_xent', 'softmax_fwd',
  'transpose_in', 'transpose_out', 'gather_in',
  'sgd_update', 'momentum_update', 'adam_update',
] as const;
export type KernelName = (typeof KERNEL_NAMES)[number];

let compiled: WebAssembly.Module | undefined;

/** Compiles the kernels once per process (synchronously: about a millisecond for this module). */
export function kernelModule(): WebAssembly.Module {
  if (!compiled) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(WASM_PATH);
    } catch {
      throw new Error(`radixnet kernels not found at ${WASM_PATH}: run \`npm run build\` (npm install runs it through \`prepare\`)`);
    }
    compiled = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  }
  return compiled;
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
