// Costs known before work: every entry point refuses, in well under a second, a request
// over its limits, with the estimate and the limit in a one-line InputError; inputs that used to cost without bound
// now finish quickly with the right answer.
import { expect } from 'chai';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../src/errors.js';
import { checkDenseOut, formatBytes, LIMITS } from '../src/topology/cost.js';
import { radixNet } from '../src/topology/radixnet.js';
import { parseRadixList } from '../src/topology/radix.js';
import { SparseMask } from '../src/topology/mask.js';
import { simpleFamily, validPermutations } from '../src/topology/enumerate.js';
import { Engine } from '../src/engine/engine.js';
import { Mlp } from '../src/engine/mlp.js';
import { compare } from '../src/suite/compare.js';
import { trainMnist } from '../src/suite/mnist-train.js';
import { runIn } from './helpers/cli.js';

/** Runs fn, which must throw an InputError matching `pattern` within `ms` milliseconds. */
async function refusedFast(fn: () => unknown, pattern: RegExp, ms = 1000): Promise<string> {
  const t0 = performance.now();
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  const took = performance.now() - t0;
  expect(err, 'expected a refusal').to.be.instanceOf(InputError);
  const message = (err as Error).message;
  expect(message).to.match(pattern);
  expect(message).not.to.contain('\n');
  expect(took, message).to.be.below(ms);
  return message;
}

describe('cost model: refusals before work at every entry point', function () {
  this.timeout(20000);

  it('radixNet builds a radix of 2^31 - 1 in milliseconds: the per-output buffer is sized by the layer, not the radix', () => {
    const t0 = performance.now();
    const net = radixNet('2147483647/2147483647', [784, 300, 10]);
    expect(performance.now() - t0).to.be.below(1000);
    // p = 1 and r = N: every input of each block reaches every output, so both layers are full
    expect(net.masks.map((m) => m.nnz)).to.deep.equal([784 * 300, 300 * 10]);
    expect(net.masks[1].inputsOf(7)).to.deep.equal(Int32Array.from({ length: 300 }, (_, i) => i));
  });

  it('radixNet refuses masks over the memory limit with the estimate and the limit', async () => {
    // N = 10 on 1e8 middle neurons: 1e9 connections in each layer, 2.1e9 int32s with the row pointers = 7.8 GiB
    const msg = await refusedFast(
      () => radixNet('10/10', [10, 100_000_000, 10]),
      /needs about 7\.8 GiB of memory, over the 4\.0 GiB limit \(RADIXNET_MAX_MEMORY_BYTES\)/,
    );
    expect(msg).to.match(/^the RadiX-Net 10\/10 on layers 10,100000000,10 /);
  });

  it('SparseMask.full (dense layers of Mlp and radixModel) refuses a mask over the memory limit before allocating', async () => {
    await refusedFast(
      () => SparseMask.full(784, 1_500_000),
      /a full 784 x 1500000 mask needs about 4\.4 GiB of memory, over the 4\.0 GiB limit/,
    );
  });

  it('parseRadixList refuses a list nested 60,000 deep in one line', async () => {
    const deep = '['.repeat(60000) + ']'.repeat(60000);
    await refusedFast(() => parseRadixList(deep), /nests lists more than two deep/);
    expect(parseRadixList('[[10, 10], [10]]')).to.deep.equal([[10, 10], [10]]);
  });

  it('validPermutations needs force past the enumeration limit and refuses past the work limit anyway', async () => {
    const factors = Array.from({ length: 100 }, (_, k) => k + 1);
    await refusedFast(
      () => validPermutations(factors, [784, 300, 100, 10]),
      /would examine 4000000 candidate lists, over the 200000 candidate lists allowed without --force/,
    );
    await refusedFast(
      () => validPermutations(factors, [784, 300, 100, 10], { force: true }),
      /takes about 8\.0e\+9 steps \(~80 s\), over the 2\.0e\+9-step limit \(RADIXNET_MAX_WORK\)/,
    );
    const warnings: string[] = [];
    const small = validPermutations([2, 3, 5], [8, 8, 8], { force: true, warn: (w) => warnings.push(w) });
    expect(small.lists.length).to.be.greaterThan(0);
    expect(warnings, 'no warning under the limit').to.deep.equal([]);
  });

  it("simpleFamily needs force past the enumeration limit, and still gives the paper's 426 at --max 15", async () => {
    await refusedFast(
      () => simpleFamily({ max: 400 }),
      /simple family up to --max 400 would examine up to 6091024 candidate lists/,
    );
    await refusedFast(() => simpleFamily({ max: 400, force: true }), /takes about .* steps/);
    expect(simpleFamily({ max: 15 }).models).to.have.length(426);
  });

  it('--dense-out needs force above the output limit, and warns when forced', () => {
    const layers = [20000, 20000, 20000];
    expect(() => checkDenseOut(layers, 'm.json')).to.throw(
      InputError,
      /--dense-out JSON of layers 20000,20000,20000 would write 1\.5 GiB, over the 256 MiB allowed without --force/,
    );
    expect(checkDenseOut(layers, 'm.json', true)).to.match(/^warning: .* 1\.5 GiB/);
    expect(checkDenseOut([784, 300, 100, 10], 'm.npy')).to.equal(null);
    expect(() => checkDenseOut([100000, 100000], 'm.npy', true)).to.throw(
      InputError,
      /a dense mask of 9\.3 GiB .* over the 4\.0 GiB limit/,
    );
  });

  it('Mlp refuses a model that cannot fit kernel memory before allocating', async () => {
    const engine = await Engine.create({ threads: 1 });
    try {
      await refusedFast(
        () => new Mlp(engine, { layers: [784, 1_000_000, 10] }),
        /model needs about .* GiB of kernel memory/,
      );
      expect(engine.memory.used).to.be.below(2 ** 21);
    } finally {
      engine.close();
    }
  });

  it('trainMnist and compare count the resident dataset and the wasm heap before loading anything', async () => {
    const config = {
      radices: 'dense',
      layers: [784, 310000, 10],
      epochs: 1,
      batchSize: 100,
      optimizer: 'adam' as const,
      lr: 1e-3,
      momentum: 0,
      seed: 1,
      bias: false,
      init: 'normal' as const,
      validationSplit: 0.1,
      dataset: 'mnist',
      data: '/nonexistent',
    };
    await refusedFast(
      () => trainMnist(config),
      /training dense on layers 784,310000,10 .*54000 resident samples.* needs about 4\.1 GiB of memory, over the 3\.9 GiB limit \(WebAssembly memory/,
    );
    const base = { radices: '10,10/10', epochs: 1, batchSize: 100, seed: 1, data: '/nonexistent' };
    await refusedFast(
      () => compare({ ...base, backends: ['wasm'], layers: [784, 100000, 10] }),
      /on tfjs' wasm backend needs about 2\.1 GiB of memory, over the 2\.0 GiB limit/,
    );
    await refusedFast(
      () => compare({ ...base, backends: ['ours'], layers: [784, 310000, 10] }),
      /needs about .* GiB of memory, over the 4\.0 GiB limit/,
    );
  });

  it('the CLI exits 2 at once for each over-limit request', async () => {
    const out = mkdtempSync(join(tmpdir(), 'radixnet-cost-'));
    for (const [args, pattern] of [
      [['enumerate', '--family', 'simple', '--max', '400'], /add --force/],
      [['enumerate', '--factors', '1..100'], /add --force/],
      [
        ['topology', '10,2000', '--layers', '20000,20000,20000', '--dense-out', join(out, 'm.json')],
        /would write 1\.5 GiB.*add --force/,
      ],
      [['topology', '['.repeat(1000) + ']'.repeat(1000)], /nests lists more than two deep/],
      [['compare', '--backends', 'wasm', '--layers', '784,100000,10'], /wasm backend needs about 2\.1 GiB/],
      [['train', '--radices', 'dense', '--layers', '784,310000,10'], /needs about 4\.1 GiB/],
    ] as [string[], RegExp][]) {
      const t0 = performance.now();
      const r = await runIn(args);
      expect(performance.now() - t0, args.join(' ')).to.be.below(5000);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).to.equal(2);
      expect(r.stderr.trim().split('\n')).to.have.length(1);
      expect(r.stderr).to.match(pattern);
    }
    expect(existsSync(join(out, 'm.json'))).to.equal(false);
  });

  it('documents its limits: defaults as stated, formatBytes readable', () => {
    expect(LIMITS.enumeration).to.equal(200_000);
    expect(formatBytes(LIMITS.outputBytes)).to.equal('256 MiB');
    expect(formatBytes(LIMITS.memoryBytes)).to.equal('4.0 GiB');
    expect(formatBytes(1536)).to.equal('1.5 KiB');
  });
});
