import { expect } from 'chai';
import { KernelMemory } from '../src/kernels/memory.js';
import { instantiateKernels } from '../src/kernels/wasm.js';
import { Engine } from '../src/engine/engine.js';
import { Mlp } from '../src/engine/mlp.js';
import { radixNet } from '../src/topology/radixnet.js';

describe('gather_in: batch rows by index from a resident dataset, to feature-major', () => {
  const mem = new KernelMemory();
  const k = instantiateKernels(mem.memory);

  // n not a multiple of 4 (zero padding), nFeat not a multiple of 4 (scalar tail), repeated and out-of-order rows,
  // and the feature range split in two the way the pool splits it
  for (const [count, nFeat, n, split] of [
    [10, 7, 5, 3],
    [9, 13, 9, 8],
    [4, 4, 1, 2],
    [50, 784, 100, 392],
    [6, 3, 7, 1],
    [200, 301, 37, 133],
  ]) {
    it(`equals a plain-JS gather (count ${count}, nFeat ${nFeat}, n ${n}, split at feature ${split})`, () => {
      const src = Float32Array.from({ length: count * nFeat }, (_, i) => i + 0.5);
      const rows = Int32Array.from({ length: n }, (_, b) => (b * 7 + 3) % count);
      const ldb = ((n + 3) & ~3) + 4; // a wider ld than needed: columns past ceil4(n) must be left alone
      const pSrc = mem.putF32(src);
      const pRows = mem.putI32(rows);
      const pDst = mem.allocF32(nFeat * ldb);
      mem.f32(pDst, nFeat * ldb).fill(-1);
      k.gather_in(0, split, pSrc, pRows, n, nFeat, pDst, ldb);
      k.gather_in(split, nFeat, pSrc, pRows, n, nFeat, pDst, ldb);
      const dst = mem.f32(pDst, nFeat * ldb);
      for (let f = 0; f < nFeat; f++) {
        for (let b = 0; b < ldb; b++) {
          const want = b < n ? src[rows[b] * nFeat + f] : b < ((n + 3) & ~3) ? 0 : -1;
          expect(dst[f * ldb + b], `f ${f} b ${b}`).to.equal(want);
        }
      }
    });
  }

  it('trains exactly like the host-copy path (resident dataset vs staged batches)', async () => {
    const engine = await Engine.create({ threads: 1 });
    const net = radixNet('3,3/3', [30, 18, 9, 5]);
    const x = Float32Array.from({ length: 40 * 30 }, (_, i) => Math.sin(i));
    const y = Int32Array.from({ length: 40 }, (_, i) => i % 5);
    const order = Int32Array.from({ length: 40 }, (_, i) => (i * 17) % 40);
    const a = new Mlp(engine, { layers: net.layers, masks: net.masks, batchSize: 13 });
    const b = new Mlp(engine, { layers: net.layers, masks: net.masks, batchSize: 13 });
    const resident = b.resident(x);
    for (let s = 0; s < 40; s += 13) {
      a.trainStepOn(x, y, order, s, Math.min(13, 40 - s));
      b.trainStepOn(resident, y, order, s, Math.min(13, 40 - s));
    }
    expect(Array.from(b.parameters())).to.deep.equal(Array.from(a.parameters()));
    engine.close();
  });
});
