// Masks and sizes from a careless or hostile caller: a mask changed after it was made, a look-alike object with
// out-of-range indices, a batch size whose buffer sizes overflow 32 bits. Each is an InputError before any kernel runs.
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs-core';
import { Engine } from '../src/engine/engine.js';
import { Mlp } from '../src/engine/mlp.js';
import { Spmm } from '../src/engine/spmm.js';
import { InputError } from '../src/errors.js';
import { fit } from '../src/tfjs/fit.js';
import { radixModel } from '../src/tfjs/model.js';
import { SparseMask } from '../src/topology/mask.js';
import { radixNet } from '../src/topology/radixnet.js';

describe('masks and sizes from outside', function () {
  this.timeout(60000);
  let engine: Engine;
  before(async () => {
    engine = await Engine.create({ threads: 1 });
  });
  after(() => engine.close());

  it("SparseMask keeps copies: changing the caller's arrays afterwards changes nothing", () => {
    const rowPtr = Int32Array.from([0, 2, 3]);
    const colIdx = Int32Array.from([0, 2, 1]);
    const m = new SparseMask(3, 2, rowPtr, colIdx);
    colIdx[0] = 1e6;
    rowPtr[2] = 0;
    expect(Array.from(m.colIdx)).to.deep.equal([0, 2, 1]);
    expect(Array.from(m.rowPtr)).to.deep.equal([0, 2, 3]);
    expect(() => new SparseMask(3, 2, [0, 2, 3] as unknown as Int32Array, colIdx)).to.throw(
      InputError,
      /must be Int32Arrays, got Array and Int32Array/,
    );
  });

  it('an Mlp refuses a mask whose column index was changed after construction, naming the layer', () => {
    const net = radixNet('2,2/2', [8, 8, 8, 2]);
    const masks = net.masks.map((m) => m);
    // what a caller can still reach: the arrays the mask exposes
    (masks[1].colIdx as Int32Array)[3] = 100_000;
    expect(() => new Mlp(engine, { layers: net.layers, masks, batchSize: 4 })).to.throw(
      InputError,
      /^mask 1: mask output \d+ lists input 100000 after \d+; inputs must be strictly ascending in \[0, 8\)$/,
    );
    (masks[1].colIdx as Int32Array)[3] = -5;
    expect(() => new Mlp(engine, { layers: net.layers, masks, batchSize: 4 })).to.throw(
      InputError,
      /^mask 1: mask output \d+ lists input -5 after/,
    );
  });

  it('an Mlp refuses a plain object posing as a mask with indices out of range, and a Spmm does too', () => {
    const fake = { nIn: 4, nOut: 2, rowPtr: Int32Array.from([0, 1, 2]), colIdx: Int32Array.from([0, 1 << 20]), nnz: 2 };
    expect(() => new Mlp(engine, { layers: [4, 2], masks: [fake as unknown as SparseMask], batchSize: 4 })).to.throw(
      InputError,
      'mask 0: mask output 1 lists input 1048576 after -1; inputs must be strictly ascending in [0, 4)',
    );
    expect(() => new Spmm(engine, fake as unknown as SparseMask)).to.throw(
      InputError,
      /^the mask: mask output 1 lists input 1048576/,
    );
    expect(() => new Mlp(engine, { layers: [4, 2], masks: [{ nIn: 4, nOut: 2 } as unknown as SparseMask] })).to.throw(
      InputError,
      /must be Int32Arrays, got undefined/,
    );
  });

  it('a model built before its mask is tampered with trains on the mask it was given', () => {
    const net = radixNet('2,2/2', [8, 8, 8, 2]);
    const a = new Mlp(engine, { layers: net.layers, masks: net.masks, batchSize: 4, seed: 1 });
    const b = new Mlp(engine, {
      layers: net.layers,
      masks: radixNet('2,2/2', [8, 8, 8, 2]).masks,
      batchSize: 4,
      seed: 1,
    });
    try {
      (net.masks[0].colIdx as Int32Array).fill(7);
      const x = Float32Array.from({ length: 4 * 8 }, (_, k) => (k % 5) / 5);
      const y = Int32Array.from([0, 1, 1, 0]);
      for (let s = 0; s < 3; s++) {
        a.trainStepOn(x, y, null, 0, 4);
        b.trainStepOn(x, y, null, 0, 4);
      }
      expect(Array.from(a.parameters())).to.deep.equal(Array.from(b.parameters()));
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('fit with batchSize 2 ** 31 is an InputError about kernel memory, not a negative allocation', async () => {
    const model = radixModel({ radices: '2/2', layers: [8, 4, 2], seed: 1 });
    const x = tf.ones([4, 8]);
    const y = tf.tensor1d([0, 1, 0, 1]);
    let err: unknown = null;
    await fit(model, x, y, { batchSize: 2 ** 31, epochs: 1, verbose: 0 }).catch((e: unknown) => {
      err = e;
    });
    expect(err).to.be.instanceOf(InputError);
    expect((err as Error).message).to.match(
      /^training needs 272 GiB more kernel memory \(batch 2147483648, .*\) but only [\d.]+ GiB of the 4 GiB WebAssembly memory is free; use a smaller batch/,
    );
    const direct = new Mlp(engine, { layers: [8, 4, 2], batchSize: 1 });
    try {
      expect(() => direct.ensureCapacity(2 ** 31 - 2)).to.throw(InputError, /needs about [\d.]+ GiB/);
    } finally {
      direct.dispose();
    }
  });
});
