// The kernel table (assembly/kernels.json) against what was built from it: both compiled modules export exactly its
// kernels with its arities, the AssemblyScript sources take exactly its arguments in its order, the generated files
// are current, and the thread pool can carry every kernel's arguments.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ARGS } from '../src/kernels/dispatch.js';
import { KernelMemory } from '../src/kernels/memory.js';
import {
  compileKernels,
  instantiateKernels,
  KERNEL_NAMES,
  KERNEL_TABLE,
  type KernelVariant,
} from '../src/kernels/wasm.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const json = JSON.parse(readFileSync(`${REPO_ROOT}assembly/kernels.json`, 'utf8')) as {
  kernels: { name: string; args: string[] }[];
};

/** The parameter names of each exported function of an AssemblyScript source. */
function exportedParams(source: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of source.matchAll(/^export function (\w+)\(([^)]*)\)/gm)) {
    out.set(
      m[1],
      m[2]
        .split(',')
        .map((p) => p.split(':')[0].trim())
        .filter(Boolean),
    );
  }
  return out;
}

describe('the kernel table (assembly/kernels.json)', () => {
  it('is what src/kernels/table.ts says, and the generated files are current', () => {
    expect(KERNEL_TABLE.map((k) => [k.name, k.args])).to.deep.equal(json.kernels.map((k) => [k.name, k.args]));
    // exits 1 with the stale file's name when assembly/index.ts or src/kernels/table.ts differ from the table
    execFileSync(process.execPath, [`${REPO_ROOT}scripts/kernels.mjs`, '--check'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  });

  it('has a row in the kernel bench (bench/kernels.ts) for every kernel', () => {
    // the bench refuses to run with a kernel missing; this finds it before anyone runs the bench
    const bench = readFileSync(`${REPO_ROOT}bench/kernels.ts`, 'utf8');
    const rows = new Set([...bench.matchAll(/\badd\(\s*'(\w+)'/g)].map((m) => m[1]));
    expect(KERNEL_NAMES.filter((name) => !rows.has(name))).to.deep.equal([]);
  });

  for (const variant of ['simd', 'fma'] as KernelVariant[]) {
    it(`equals the exports and arities of the ${variant === 'fma' ? 'FMA' : 'plain SIMD'} module`, function () {
      let module: WebAssembly.Module;
      try {
        module = compileKernels(variant);
      } catch (e) {
        if (variant === 'fma') return this.skip(); // no relaxed SIMD in this engine (test/kernels.test.ts says why)
        throw e;
      }
      const exported = WebAssembly.Module.exports(module)
        .filter((e) => e.kind === 'function')
        .map((e) => e.name);
      expect([...exported].sort()).to.deep.equal(KERNEL_TABLE.map((k) => k.name).sort());
      const instance = instantiateKernels(new KernelMemory().memory, module) as unknown as Record<
        string,
        (...a: number[]) => unknown
      >;
      const arity = Object.fromEntries(KERNEL_TABLE.map((k) => [k.name, instance[k.name].length]));
      expect(arity).to.deep.equal(Object.fromEntries(KERNEL_TABLE.map((k) => [k.name, k.args.length])));
    });
  }

  it('names the arguments of each kernel as its AssemblyScript source does, in the same order', () => {
    const sources = new Map<string, Map<string, string[]>>();
    for (const k of KERNEL_TABLE) {
      if (!sources.has(k.file))
        sources.set(k.file, exportedParams(readFileSync(`${REPO_ROOT}assembly/${k.file}.ts`, 'utf8')));
      expect(sources.get(k.file)!.get(k.name), `${k.name} in assembly/${k.file}.ts`).to.deep.equal([...k.args]);
    }
  });

  it('gives the pool every split kernel, in table order, each with room for its arguments', () => {
    expect([...KERNEL_NAMES]).to.deep.equal(KERNEL_TABLE.filter((k) => k.split).map((k) => k.name));
    for (const k of KERNEL_TABLE.filter((s) => s.split)) expect(k.args.length - 2, k.name).to.be.at.most(ARGS);
  });

  it('the parser of sources finds parameters (so the comparison above cannot pass on empty lists)', () => {
    const p = exportedParams('export function f(a0: i32, b: usize): void {}\n@inline function g(x: f32): f32 {}\n');
    expect([...p]).to.deep.equal([['f', ['a0', 'b']]]);
  });
});
