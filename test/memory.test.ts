// The kernel-memory allocator: blocks never overlap, memory freed in any order is
// reused, a disposed model cannot be touched, growing batch buffers reuse their space, and fit counts every buffer
// it allocates before the first one. Plus the smaller bad-input checks that live in the engine.
import { expect } from 'chai';
import { Engine } from '../src/engine/engine.js';
import { Mlp } from '../src/engine/mlp.js';
import { train } from '../src/engine/train.js';
import { InputError } from '../src/errors.js';
import { KernelMemory, Arena } from '../src/kernels/memory.js';
import { radixNet } from '../src/topology/radixnet.js';
import { Rng } from '../src/random.js';

const BASE = 65536;

describe('kernel memory allocator', function () {
  this.timeout(60000);

  it('never hands out overlapping blocks and returns to empty, against a reference list of live blocks, 3,000 random steps', () => {
    const mem = new KernelMemory();
    const rng = new Rng(14);
    const live: { ptr: number; bytes: number }[] = [];
    for (let step = 0; step < 3000; step++) {
      if (live.length > 0 && rng.next() < 0.45) {
        mem.free(live.splice(rng.int(live.length), 1)[0].ptr);
      } else {
        const bytes = rng.next() < 0.1 ? 0 : 1 + rng.int(rng.next() < 0.2 ? 200_000 : 3000);
        const align = [64, 64, 128, 4096][rng.int(4)];
        const ptr = mem.alloc(bytes, align);
        expect(ptr % align).to.equal(0);
        expect(ptr).to.be.at.least(BASE);
        const span = Math.max(1, Math.ceil(bytes / 64)) * 64;
        const clash = live.find((b) => ptr < b.ptr + b.bytes && b.ptr < ptr + span);
        expect(clash, `block ${ptr}+${span} overlaps a live one`).to.equal(undefined);
        // zero-filled, whatever the block held before; then dirtied for the next owner of these bytes
        const view = new Uint8Array(mem.memory.buffer, ptr, bytes);
        let dirty = 0;
        for (let k = 0; k < bytes; k += 61) dirty += view[k];
        expect(dirty, 'a new block is zero-filled').to.equal(0);
        view.fill(0xab);
        live.push({ ptr, bytes: span });
      }
      expect(mem.blocks).to.equal(live.length);
    }
    for (const b of live) mem.free(b.ptr);
    expect([mem.used, mem.allocated, mem.freeBytes]).to.deep.equal([BASE, 0, 0]);
    expect(() => mem.free(live[0].ptr)).to.throw(/not a live allocation/);
  });

  it('merges neighbours, lowers the top, and fits() predicts exactly what alloc will do', () => {
    const mem = new KernelMemory();
    const [a, b, c] = [mem.alloc(1000), mem.alloc(1000), mem.alloc(1000)];
    mem.free(a);
    mem.free(c);
    // c was at the top: the top came down to b's end; a is a hole of 1024 bytes
    expect([mem.used, mem.freeBytes]).to.deep.equal([b + 1024, 1024]);
    expect(mem.fits([1024])).to.equal(true);
    expect(mem.alloc(1024)).to.equal(a);
    mem.free(b);
    mem.free(a);
    expect([mem.used, mem.freeBytes]).to.deep.equal([BASE, 0]);
    expect(mem.fits([2 ** 31, 2 ** 31 - 2 * BASE])).to.equal(true);
    expect(mem.fits([2 ** 31, 2 ** 31])).to.equal(false);
  });

  it('an arena frees exactly its own blocks', () => {
    const mem = new KernelMemory();
    const a = new Arena(mem);
    const other = mem.alloc(100);
    a.alloc(100);
    a.putF32([1, 2, 3]);
    const p = a.allocI32(10);
    a.free(p);
    expect(() => a.free(other)).to.throw(/does not belong to this arena/);
    a.freeAll();
    expect(mem.blocks).to.equal(1);
  });
});

describe('models in kernel memory: dispose in any order, growth, pre-checks', function () {
  this.timeout(120000);
  let engine: Engine;
  before(async () => (engine = await Engine.create({ threads: 1 })));
  after(() => engine.close());

  it('creates and disposes models in random order 1,000 times in bounded memory', () => {
    const rng = new Rng(7);
    const masks = radixNet('4/4', [64, 48, 10]).masks;
    const specs = [
      { layers: [64, 48, 10], masks, batchSize: 16 },
      { layers: [64, 48, 10], batchSize: 40 },
      { layers: [64, 10], batchSize: 8, optimizer: 'sgd' as const },
    ];
    const live: Mlp[] = [];
    let peak = 0;
    const start = engine.memory.used;
    for (let step = 0; step < 1000; step++) {
      if (live.length >= 8 || (live.length > 0 && rng.next() < 0.5)) live.splice(rng.int(live.length), 1)[0].dispose();
      else live.push(new Mlp(engine, specs[rng.int(specs.length)]));
      peak = Math.max(peak, engine.memory.used);
    }
    const one = Math.max(
      ...specs.map((s) => {
        const before = engine.memory.allocated;
        const m = new Mlp(engine, s);
        const bytes = engine.memory.allocated - before;
        m.dispose();
        return bytes;
      }),
    );
    // never more than the 8 live models' worth of space plus fragmentation of one model's size each
    expect(peak - start).to.be.below(16 * one);
    for (const m of live) m.dispose();
    expect(engine.memory.used).to.equal(start);
  });

  it('a growing batch reuses its old buffers: 200 fits with growing batches stay bounded', () => {
    const model = new Mlp(engine, { layers: [32, 16, 4], batchSize: 1 });
    const rng = new Rng(3);
    const x = Float32Array.from({ length: 32 * 400 }, () => rng.normal());
    const y = Int32Array.from({ length: 400 }, (_, k) => k % 4);
    const start = engine.memory.used;
    for (let k = 1; k <= 200; k++) train(model, x, y, { batchSize: 2 * k, epochs: 1 });
    const grown = engine.memory.used - start;
    // the batch-400 buffers, the resident data, and room for one generation of smaller buffers beside them
    const batch400 = 4 * (32 + 16 + 4 + 16 + 4 + 32 + 5 + 4) * 400;
    expect(grown).to.be.below(3 * batch400 + 4 * x.length);
    model.dispose();
  });

  it("a disposed model's accessors throw, and its memory belongs to the next model untouched", () => {
    const a = new Mlp(engine, { layers: [8, 4], seed: 1 });
    const view = a.parameters();
    a.dispose();
    const b = new Mlp(engine, { layers: [8, 4], seed: 2 });
    const before = Array.from(b.parameters());
    for (const call of [
      () => a.parameters(),
      () => a.getWeights(),
      () => a.predict(new Float32Array(8)),
      () => a.setWeights([{ kernel: new Float32Array(32) }]),
      () => a.evaluate(new Float32Array(8), [0]),
      () => a.trainStepOn(new Float32Array(8), [0], null, 0, 1),
      () => a.ensureCapacity(500),
    ]) {
      expect(call).to.throw(InputError, /this model was disposed/);
    }
    // b reuses a's block (same size, freed first fit): the stale view aliases it, which is why a refuses to hand out more
    expect(view.byteOffset).to.equal(b.parameters().byteOffset);
    expect(Array.from(b.parameters())).to.deep.equal(before);
    b.dispose();
  });

  it('the training loop counts its batch buffers and resident rows before allocating any', () => {
    const model = new Mlp(engine, { layers: [784, 10], batchSize: 10 });
    const used = engine.memory.used;
    expect(() => model.checkFitMemory(100, 2e8)).to.throw(
      InputError,
      /training needs 585 GiB more kernel memory \(batch 100, 200000000 resident samples of 784 values and their labels\) but only .* of the 4 GiB WebAssembly memory is free/,
    );
    expect(() => model.checkFitMemory(100, 1000)).not.to.throw();
    expect(engine.memory.used).to.equal(used);
    model.dispose();
  });
});

describe('engine bad input', () => {
  let engine: Engine;
  before(async () => (engine = await Engine.create({ threads: 1 })));
  after(() => engine.close());

  it('bounds the init stddev instead of starting from infinite weights', () => {
    expect(() => new Mlp(engine, { layers: [4, 2], stddev: 1e40 })).to.throw(
      InputError,
      /init stddev must be a number in \(0, 100\], got 1e\+40/,
    );
    expect(() => new Mlp(engine, { layers: [4, 2], stddev: 0 })).to.throw(InputError, /init stddev/);
    expect(engine.memory.allocated).to.equal(0);
  });

  it('gives InputErrors, not TypeErrors, for missing data and labels out of range in a direct step', () => {
    const m = new Mlp(engine, { layers: [4, 3], batchSize: 2 });
    expect(() => train(m, new Float32Array(8), undefined as unknown as number[])).to.throw(
      InputError,
      /train: y must be an array of 2 integer labels \(got undefined\)/,
    );
    expect(() => m.predict(null as unknown as Float32Array)).to.throw(
      InputError,
      /predict: x must be a Float32Array .* \(got null\)/,
    );
    expect(() => m.trainStepOn(new Float32Array(8), [0, 3], null, 0, 2)).to.throw(
      InputError,
      /label of sample 1 is 3; labels must be integers in \[0, 2\]/,
    );
    expect(() => m.trainStepOn(new Float32Array(8), [0, 1], Int32Array.of(0, 5), 0, 2)).to.throw(
      InputError,
      /order\[1\] is 5, outside the 2 samples/,
    );
    expect(() => m.trainStepOn(new Float32Array(8), [0, 1], null, 1, 2)).to.throw(
      InputError,
      /samples 1\.\.2 are outside the 2 available/,
    );
    expect(m.trainStepOn(new Float32Array(8), [0, 2], null, 0, 2).loss).to.be.closeTo(Math.log(3), 1e-6);
    m.dispose();
  });
});
