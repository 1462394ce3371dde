// The layering of src/ (docs/architecture.md), enforced: every import of every source file in src/ and bench/ is read
// and each arrow must point down the order below (or stay inside its layer). A new folder under src/ fails until it
// is given a place here and in docs/architecture.md.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Layers from the bottom. A module may import its own layer and any layer of an earlier group; the layers of one group
 * may not import each other unless the group is in LATERAL (none now: topology and data know nothing of each other,
 * nor tfjs and records, the results record format that analysis, suite and figures read).
 */
export const ORDER: readonly (readonly string[])[] = [
  ['topology', 'data'],
  ['kernels'],
  ['engine'],
  ['tfjs', 'records'],
  ['analysis'],
  ['suite'],
  ['figures'],
  ['cli'],
];
const LATERAL = new Set<string>();
/** The order as docs/architecture.md writes it. */
export const ORDER_TEXT = ORDER.map((g) => g.join(', ')).join(' -> ');
/** src/errors.ts and src/random.ts: importable from every layer, importing only each other. */
const NEUTRAL = new Set(['errors', 'random']);
/** Bench files that measure one layer and so must keep to it; other bench files may import any layer but cli. */
const BENCH_LAYER: Record<string, string> = {
  'kernels.ts': 'kernels',
  'training.ts': 'engine',
  'tfjs.ts': 'tfjs',
  'tfjs-baseline.ts': 'tfjs',
};
/** Packages only some layers may import: tfjs stays out of everything below src/tfjs, commander in the CLI. */
const PACKAGE_FLOOR: [prefix: string, lowest: string][] = [
  ['@tensorflow/', 'tfjs'],
  ['commander', 'cli'],
  // the renderers and the font parser: only figures load them (and lazily, so training never does)
  ['vega', 'figures'],
  ['@resvg/', 'figures'],
  ['opentype.js', 'figures'],
];

const rankOf = (layer: string): number => ORDER.findIndex((g) => g.includes(layer));

/**
 * The layer of a repository path: src/<layer>/..., the neutral src/errors.ts and src/random.ts, 'entry' for the public
 * src/index.ts, bench files per BENCH_LAYER or 'bench', 'outside' for anything else (test/, examples/), or
 * 'unknown:<name>' for a folder or top-level file of src/ the order does not place.
 */
export function layerOf(path: string): string {
  const parts = path.split('/');
  if (parts[0] === 'bench') return BENCH_LAYER[parts.slice(1).join('/')] ?? 'bench';
  if (parts[0] !== 'src') return 'outside';
  if (parts.length === 2) {
    const name = parts[1].replace(/\.ts$/, '');
    if (NEUTRAL.has(name)) return name;
    if (name === 'index') return 'entry';
    return `unknown:${parts[1]}`;
  }
  return rankOf(parts[1]) >= 0 ? parts[1] : `unknown:${parts[1]}/`;
}

/** Why `from` may not import `to` (layers), or null when the arrow is allowed. */
function forbidden(from: string, to: string): string | null {
  if (to.startsWith('unknown:')) return `${to.slice(8)} has no place in the layer order`;
  if (to === 'outside') return 'the library must not import tests or examples';
  if (NEUTRAL.has(to)) return null;
  if (NEUTRAL.has(from)) return `the neutral ${from}.ts must not import a layer (${to})`;
  if (to === 'entry') return 'only users import the public entry src/index.ts';
  if (to === 'bench') return from === 'bench' || from in BENCH_LAYER ? null : 'the library must not import benchmarks';
  if (from === 'entry' || from === 'bench') return to === 'cli' ? 'the CLI is a program, not a library' : null;
  if (from === to) return null;
  const [rf, rt] = [rankOf(from), rankOf(to)];
  if (rt < rf) return null;
  if (rt === rf && LATERAL.has(ORDER[rf].join('/'))) return null;
  return rt === rf ? `${from} and ${to} are side by side and must not know each other` : `${from} is below ${to}`;
}

/** Comments removed and each string literal replaced by "@n" (its text in `strings[n]`), so text cannot pass for code. */
function tokenize(source: string): { code: string; strings: string[] } {
  const strings: string[] = [];
  let code = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? source.length : end + 2;
      code += ' ';
    } else if (c === "'" || c === '"' || c === '`') {
      let text = '';
      i++;
      while (i < source.length && source[i] !== c) {
        if (source[i] === '\\') text += source[i++];
        text += source[i++];
      }
      i++;
      code += c === '`' ? '`@`' : `"@${strings.length}"`;
      strings.push(text);
    } else {
      code += c;
      i++;
    }
  }
  return { code, strings };
}

/** Every module specifier a TypeScript source imports: import/export ... from, side-effect imports, import(). */
export function importsOf(source: string): string[] {
  const { code, strings } = tokenize(source);
  const found: string[] = [];
  const patterns = [
    /(?:^|[;}\n])\s*(?:import|export)\b[^;"]*?\bfrom\s*"@(\d+)"/g,
    /\bimport\s*"@(\d+)"/g,
    /\bimport\s*\(\s*"@(\d+)"\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) found.push(strings[Number(m[1])]);
  return found;
}

/** Violations of the order in `files` (repository path -> source): one line per forbidden import. */
export function violations(files: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [path, source] of files) {
    const from = layerOf(path);
    if (from.startsWith('unknown:')) {
      out.push(`${path}: ${from.slice(8)} has no place in the layer order`);
      continue;
    }
    for (const spec of importsOf(source)) {
      let why: string | null;
      if (spec.startsWith('.')) {
        const target = posix.normalize(posix.join(posix.dirname(path), spec)).replace(/\.js$/, '.ts');
        if (!target.endsWith('.ts')) continue; // data files (package.json) are not modules of a layer
        why = forbidden(from, layerOf(target));
      } else {
        const floor = PACKAGE_FLOOR.find(([prefix]) => spec.startsWith(prefix));
        const ok = !floor || from === 'bench' || (rankOf(from) >= rankOf(floor[1]) && rankOf(from) >= 0);
        why = ok ? null : `${spec} is for ${floor![1]} and above`;
      }
      if (why) out.push(`${path} imports ${spec}: ${why}`);
    }
  }
  return out;
}

function sources(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
        files.set(relative(REPO_ROOT, p).split(sep).join('/'), readFileSync(p, 'utf8'));
    }
  };
  walk(join(REPO_ROOT, dir));
  return files;
}

describe('layering (docs/architecture.md)', () => {
  it('no import in src/ or bench/ points up the order or sideways', () => {
    const files = new Map([...sources('src'), ...sources('bench')]);
    expect(files.size).to.be.greaterThan(40);
    expect(violations(files)).to.deep.equal([]);
  });

  it('reads static, type-only, re-export, side-effect and dynamic imports, and nothing in comments or strings', () => {
    const src = [
      "import { a } from './a.js';",
      "import type { B } from '../b.js';",
      "export { c, type D } from './c.js';",
      "export * from './e.js';",
      "import './f.js';",
      "const g = await import('../g.js');",
      'import {',
      '  h,',
      "} from './h.js';",
      "// import { x } from './comment.js';",
      "/* import('./block.js') */",
      'const s = "import { y } from \'./string.js\'";',
      "const t = `from '${1}' import('./template.js')`;",
    ].join('\n');
    expect(importsOf(src)).to.deep.equal(['./a.js', '../b.js', './c.js', './e.js', './h.js', './f.js', '../g.js']);
  });

  it('flags arrows against the order: up, sideways, into the entry, tests or CLI, tfjs below tfjs, unplaced folders', () => {
    const bad = new Map([
      ['src/kernels/spmm.ts', "import type { Engine } from '../engine/engine.js';"],
      ['src/topology/x.ts', "import { loadMnist } from '../data/mnist.js';"],
      ['src/engine/x.ts', "const tf = await import('@tensorflow/tfjs-core');"],
      ['src/tfjs/x.ts', "import { compare } from '../suite/compare.js';"],
      ['src/analysis/x.ts', "import type { Experiment } from '../suite/experiment.js';"],
      ['src/records/x.ts', "import type { Mask } from '../tfjs/mask.js';"],
      ['src/suite/x.ts', "import { run } from '../cli/main.js';"],
      ['src/random.ts', "import { Mask } from './topology/mask.js';"],
      ['src/data/x.ts', "import { Rng } from '../index.js';"],
      ['src/engine/y.ts', "import { csr } from '../../test/helpers/kernel-data.js';"],
      ['bench/kernels.ts', "import { transposeCsr } from '../src/engine/layer.js';"],
      ['src/utils/x.ts', "import { InputError } from '../errors.js';"],
    ]);
    const found = violations(bad);
    expect(found.map((v) => v.split(/ imports |: /)[0])).to.deep.equal([...bad.keys()]);
    expect(found[0]).to.equal('src/kernels/spmm.ts imports ../engine/engine.js: kernels is below engine');
  });

  it('allows arrows down the order, inside a layer, and to the neutral modules', () => {
    const good = new Map([
      [
        'src/kernels/x.ts',
        "import { SparseMask } from '../topology/mask.js';\nimport { InputError } from '../errors.js';",
      ],
      ['src/engine/x.ts', "import { Rng } from '../random.js';\nimport { Layer } from './layer.js';"],
      [
        'src/suite/x.ts',
        "import { prune } from '../analysis/pruning.js';\nconst t = await import('../tfjs/index.js');",
      ],
      [
        'src/analysis/x.ts',
        "import type { RunRecord } from '../records/run-record.js';\nimport { Mlp } from '../engine/mlp.js';",
      ],
      ['src/records/x.ts', "import type { EpochLogs } from '../engine/train.js';"],
      ['src/figures/x.ts', "import { summarize } from '../suite/runner.js';"],
      ['src/cli/x.ts', "import { Command } from 'commander';\nimport { render } from '../figures/render.js';"],
      ['src/index.ts', "export * from './topology/index.js';"],
      ['src/random.ts', "import { InputError } from './errors.js';"],
      [
        'bench/run.ts',
        "import { benchKernels } from './kernels.js';\nimport { Engine } from '../src/engine/engine.js';",
      ],
    ]);
    expect(violations(good)).to.deep.equal([]);
  });

  it('docs/architecture.md states the order this test enforces', () => {
    expect(readFileSync(join(REPO_ROOT, 'docs/architecture.md'), 'utf8')).to.include(ORDER_TEXT);
  });
});
