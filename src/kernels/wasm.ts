// Loading the compiled AssemblyScript kernels over a shared memory. Two builds of one source (asconfig.json):
// build/radixnet.wasm (plain wasm SIMD, runs on any engine with SIMD) and build/radixnet-fma.wasm (relaxed SIMD:
// f32x4.relaxed_madd, a fused multiply-add: a higher arithmetic ceiling than mul + add, `npm run bench` prints both).
// kernelModule() picks one per process: the FMA build when the engine takes it, else the plain one; RADIXNET_SIMD=plain|fma forces a choice.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { notice, runtimeName } from './notice.js';
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
    throw new Error(
      `radixnet kernels not found at ${path}: run \`npm run build\` (npm install runs it through \`prepare\`)`,
    );
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
 * f(a, b, c) = lane 0 of f32x4.relaxed_madd(splat a, splat b, splat c): the one instruction the FMA build adds,
 * alone in a module (type, function, export "f", code sections).
 */
const MADD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60, 0x03, 0x7d, 0x7d, 0x7d, 0x01, 0x7d, 0x03,
  0x02, 0x01, 0x00, 0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, 0x0a, 0x16, 0x01, 0x14, 0x00, 0x20, 0x00, 0xfd, 0x13,
  0x20, 0x01, 0xfd, 0x13, 0x20, 0x02, 0xfd, 0x13, 0xfd, 0x85, 0x02, 0xfd, 0x1f, 0x00, 0x0b,
]);

/**
 * Whether relaxed_madd really fuses here. The relaxed-SIMD proposal lets an engine compute it as a fused multiply-add
 * or as mul then add: V8 (Node, Deno) fuses on CPUs with FMA, JavaScriptCore (Bun) does not, and then the FMA build
 * is the plain build's arithmetic under another name. With a = b = 1 + 2^-12 and c = -(1 + 2^-11), a * b = 1 + 2^-11
 * + 2^-24 exactly; rounded first (a tie, to even) it cancels c to 0, fused it leaves 2^-24.
 */
export function maddFuses(): boolean {
  const f = new WebAssembly.Instance(new WebAssembly.Module(MADD_PROBE)).exports.f as (
    a: number,
    b: number,
    c: number,
  ) => number;
  const a = 1 + 2 ** -12;
  return f(a, a, -(1 + 2 ** -11)) === 2 ** -24;
}

/**
 * Compiles one build of the kernels, uncached: 'simd' always works where wasm SIMD does; 'fma' throws when the engine
 * cannot run relaxed SIMD. Tests use it to check both builds; everything else goes through kernelModule().
 */
export function compileKernels(variant: KernelVariant): WebAssembly.Module {
  if (variant === 'simd') return new WebAssembly.Module(readKernels(WASM_PATH));
  const bytes = readKernels(WASM_FMA_PATH);
  if (!enableRelaxedSimd(bytes))
    throw new Error(`radixnet: this engine (${runtimeName()}) cannot run relaxed SIMD, so not the FMA kernels`);
  return new WebAssembly.Module(bytes);
}

let compiled: { module: WebAssembly.Module; variant: KernelVariant } | undefined;

/**
 * Compiles the kernels once per process (synchronously: a few milliseconds): the FMA build unless
 * RADIXNET_SIMD=plain, the engine refuses relaxed SIMD (then the plain build, with a one-line notice) or it does not
 * fuse relaxed_madd (then the plain build, silently: see maddFuses); RADIXNET_SIMD=fma throws instead of falling back. Worker threads get this Module from the pool, so every thread runs the same build (the 1- and
 * n-thread results stay bit-identical).
 */
export function kernelModule(): WebAssembly.Module {
  if (!compiled) {
    const want = process.env.RADIXNET_SIMD ?? '';
    if (want === 'plain') compiled = { module: compileKernels('simd'), variant: 'simd' };
    else if (want === 'fma') compiled = { module: compileKernels('fma'), variant: 'fma' };
    else if (want !== '')
      throw new Error(
        `RADIXNET_SIMD must be plain or fma (or unset for the fastest available), not ${JSON.stringify(want)}`,
      );
    else {
      try {
        compiled = { module: compileKernels('fma'), variant: 'fma' };
        // an engine that runs relaxed_madd as mul + add gets the plain build: the same arithmetic, under its own name,
        // so that its results equal the plain build's on every engine (no notice: nothing is lost)
        if (!maddFuses()) compiled = { module: compileKernels('simd'), variant: 'simd' };
      } catch {
        // relaxed SIMD refused (older engine, flag rejected) or the FMA build missing: the plain build does the same
        // work, a little slower, and its results differ from the FMA build's in the last bits
        compiled = { module: compileKernels('simd'), variant: 'simd' };
        const why = existsSync(WASM_FMA_PATH)
          ? `${runtimeName()} cannot run relaxed SIMD`
          : `${WASM_FMA_PATH} is missing`;
        notice(`${why}: using the plain SIMD kernels (mul + add instead of fused multiply-add)`);
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
export function instantiateKernels(
  memory: WebAssembly.Memory,
  module: WebAssembly.Module = kernelModule(),
): KernelExports {
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
