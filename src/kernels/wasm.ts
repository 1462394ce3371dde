// Loading the compiled AssemblyScript kernels over a shared memory. Two builds of one source (asconfig.json):
// build/radixnet.wasm (plain wasm SIMD, runs on any engine with SIMD) and build/radixnet-fma.wasm (relaxed SIMD:
// f32x4.relaxed_madd, a fused multiply-add: a higher arithmetic ceiling than mul + add, `npm run bench` prints both).
// kernelModule() picks one per process: the FMA build when the engine takes it, else the plain one; RADIXNET_SIMD=plain|fma forces a choice.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import type { KernelExports } from './table.js';

/** Where `npm run build:wasm` writes the plain kernels (dist/src/kernels/ -> build/). */
export const WASM_PATH = fileURLToPath(new URL('../../../build/radixnet.wasm', import.meta.url));
/** The same kernels built with relaxed SIMD (multiply-adds as f32x4.relaxed_madd). */
export const WASM_FMA_PATH = fileURLToPath(new URL('../../../build/radixnet-fma.wasm', import.meta.url));

/** Which build runs: 'fma' (relaxed-SIMD fused multiply-add) or 'simd' (plain wasm SIMD mul + add). */
export type KernelVariant = 'fma' | 'simd';

export { KERNEL_NAMES, KERNEL_TABLE, type KernelExports, type KernelName, type KernelSpec } from './table.js';

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
