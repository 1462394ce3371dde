// A runtime that lacks what the fast path uses still trains, with a one-line notice, never a crash: each lack is made
// here in a child Node by a preload script (no relaxed SIMD: WebAssembly.validate refuses it; no worker threads:
// Worker throws; no Atomics.wait on the main thread: it throws as in a browser), and the child's training must give
// the same bits as a normal run with the same kernel build (1 and 2 threads are bit-identical by design).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CACHE, ROOT } from './helpers/package.js';

const DIR = join(CACHE, 'fallbacks');
const PRELOADS: Record<string, string> = {
  'no-relaxed-simd': `WebAssembly.validate = () => false;\n`,
  'no-workers':
    `import wt from 'node:worker_threads';\nimport { syncBuiltinESMExports } from 'node:module';\n` +
    `wt.Worker = class { constructor() { throw new Error('worker threads are not supported'); } };\nsyncBuiltinESMExports();\n`,
  'no-main-wait':
    `const wait = Atomics.wait;\n` +
    `Atomics.wait = function (...args) { throw new TypeError('Atomics.wait cannot be called in this context'); };\n`,
  // a worker that cannot start (its runtime refuses the script) rather than a Worker that throws at once
  'workers-die':
    `import wt from 'node:worker_threads';\nimport { syncBuiltinESMExports } from 'node:module';\n` +
    `const W = wt.Worker;\nwt.Worker = class extends W { constructor(url, opts) { super('process.exit(3)', { ...opts, eval: true }); } };\nsyncBuiltinESMExports();\n`,
};

const TRAIN = `
import { createHash } from 'node:crypto';
import { Engine, Mlp, radixNet, Rng } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'src', 'index.js')).href)};
import { kernelVariant } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'src', 'kernels', 'wasm.js')).href)};
const engine = await Engine.create({ threads: 2, adaptive: false });
const layers = [32, 16, 8, 4];
const mlp = new Mlp(engine, { layers, masks: radixNet('2,2/2', layers).masks, seed: 3, batchSize: 16, optimizer: { name: 'adam', lr: 0.01 } });
const rng = new Rng(4);
const x = rng.fillNormal(new Float32Array(64 * 32));
const y = Int32Array.from({ length: 64 }, (_, b) => (x[b * 32] > 0 ? 1 : 0) + (x[b * 32 + 1] > 0 ? 2 : 0));
const order = rng.permutation(64);
for (let s = 0; s < 100; s++) mlp.trainStepOn(x, y, order, (s * 16) % 64, 16);
const p = mlp.parameters();
const digest = createHash('sha256').update(new Uint8Array(p.buffer, p.byteOffset, p.byteLength)).digest('hex');
console.log(JSON.stringify({ digest, threads: engine.threads, variant: kernelVariant() }));
engine.close();
`;

function train(
  preload: string | null,
  env: Record<string, string> = {},
): { status: number | null; stderr: string; out: { digest: string; threads: number; variant: string } | null } {
  mkdirSync(DIR, { recursive: true });
  writeFileSync(join(DIR, 'train.mjs'), TRAIN);
  const args = [];
  if (preload) {
    writeFileSync(join(DIR, `${preload}.mjs`), PRELOADS[preload]);
    args.push('--import', pathToFileURL(join(DIR, `${preload}.mjs`)).href);
  }
  const r = spawnSync(process.execPath, [...args, join(DIR, 'train.mjs')], {
    encoding: 'utf8',
    timeout: 60000,
    env: { ...process.env, ...env },
  });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  return { status: r.status, stderr: r.stderr, out: last.startsWith('{') ? JSON.parse(last) : null };
}

describe('runtime fallbacks: a missing feature costs speed, not a crash', function () {
  this.timeout(120000);
  const normal = { fma: train(null), plain: train(null, { RADIXNET_SIMD: 'plain' }) };

  it("without relaxed SIMD: the plain kernels, one notice, the plain build's bits", () => {
    const r = train('no-relaxed-simd');
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).to.match(
      /^radixnet: Node [\d.]+ cannot run relaxed SIMD: using the plain SIMD kernels \(mul \+ add instead of fused multiply-add\)\n$/,
    );
    expect(r.out!.variant).to.equal('simd');
    expect(r.out!.digest).to.equal(normal.plain.out!.digest);
  });

  it('without worker threads: one thread, one notice, the same bits as two threads', () => {
    const r = train('no-workers');
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).to.equal(
      `radixnet: Node ${process.versions.node} could not start worker threads (worker threads are not supported): running on 1 thread\n`,
    );
    expect(r.out!.threads).to.equal(1);
    expect(normal.fma.out!.threads).to.equal(2);
    expect(r.out!.digest).to.equal(normal.fma.out!.digest);
  });

  it('with workers that exit before they start: one thread, one notice, the same bits', () => {
    const r = train('workers-die');
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).to.equal(
      `radixnet: Node ${process.versions.node} could not start worker threads (a kernel worker exited with code 3 before it started): running on 1 thread\n`,
    );
    expect(r.out!.threads).to.equal(1);
    expect(r.out!.digest).to.equal(normal.fma.out!.digest);
  });

  it('without Atomics.wait on the main thread: two threads that spin, one notice, the same bits', () => {
    const r = train('no-main-wait');
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).to.equal(
      `radixnet: Node ${process.versions.node} does not allow Atomics.wait on this thread: the main thread spins while workers finish\n`,
    );
    expect(r.out!.threads).to.equal(2);
    expect(r.out!.digest).to.equal(normal.fma.out!.digest);
  });

  it('with everything there: no notice at all', () => {
    expect(normal.fma.status, normal.fma.stderr).to.equal(0);
    expect(normal.fma.stderr).to.equal('');
  });
});
