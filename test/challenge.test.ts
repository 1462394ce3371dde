// Graph Challenge inference: the generator, the TSV files, and the kernels' categories against a float64 reference
// (test/helpers/challenge-reference.ts) on generated networks of every size class and on the official-format fixture
// that scripts/challenge-fixture.mjs writes.
import { expect } from 'chai';
import { mkdtempSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../src/errors.js';
import { ChallengeNet, challengeBias, challengeRadices, CHALLENGE_WEIGHT } from '../src/topology/challenge-net.js';
import { radixNet } from '../src/topology/radixnet.js';
import { binarisedImage, mnistChallengeImages, type SparseImage } from '../src/data/challenge-inputs.js';
import {
  readLayerTsv,
  readImagesTsv,
  readCategoriesTsv,
  layerFiles,
  writeLayerTsv,
} from '../src/data/challenge-tsv.js';
import { loadMnist, type Mnist } from '../src/data/mnist.js';
import { Engine } from '../src/engine/engine.js';
import { challengeBlock, challengeInfer, type LayerSource } from '../src/engine/challenge.js';
import { referenceCategories, type RefLayer } from './helpers/challenge-reference.js';

const FIXTURE = fileURLToPath(new URL('../../test/fixtures/challenge/', import.meta.url));
const tmp = (): string => mkdtempSync(join(tmpdir(), 'radixnet-challenge-'));

function expectInputError(f: () => unknown, pattern: RegExp): void {
  try {
    f();
  } catch (err) {
    expect(err).to.be.instanceOf(InputError);
    expect((err as Error).message).to.match(pattern);
    expect((err as Error).message).not.to.include('\n');
    return;
  }
  expect.fail(`no InputError matching ${pattern}`);
}

/** Layers held in memory, as a LayerSource. */
function layersSource(layers: RefLayer[]): LayerSource {
  return { neurons: layers[0].neurons, layers: layers.length, layer: (l) => layers[l] };
}

describe('Graph Challenge network generator', () => {
  it('gives every neuron 32 inputs and 32 outputs of weight 1/16 at every size class', () => {
    for (const n of [1024, 4096, 16384, 65536]) {
      const net = new ChallengeNet(n, 2);
      const layer = net.layer(1);
      expect(layer.idx.length).to.equal(32 * n);
      const fanOut = new Int32Array(n);
      for (let j = 0; j < n; j++) {
        expect(layer.ptr[j + 1] - layer.ptr[j]).to.equal(32);
        for (let k = layer.ptr[j]; k < layer.ptr[j + 1]; k++) fanOut[layer.idx[k]]++;
      }
      expect(fanOut.every((c) => c === 32)).to.equal(true);
      expect(layer.w.every((w) => w === CHALLENGE_WEIGHT)).to.equal(true);
    }
  });

  it('makes its first block the radix-2 RadiX-Net on N/16 neurons Kronecker 16, and later blocks that net relabelled', () => {
    const net = new ChallengeNet(1024, 13);
    expect(challengeRadices(1024)).to.deep.equal([[2, 2, 2, 2, 2, 2]]);
    expect(net.block).to.equal(6);
    const base = radixNet('2,2,2,2,2,2', new Array(7).fill(1024)).masks;
    for (let l = 0; l < 6; l++) {
      const layer = net.layer(l);
      expect(Array.from(layer.ptr)).to.deep.equal(Array.from(base[l].rowPtr));
      expect(Array.from(layer.idx)).to.deep.equal(Array.from(base[l].colIdx));
    }
    // block 1 and block 2: (i, j) of the base layer at (p[i], p[j]) for a permutation p that is not the identity
    for (const l of [6, 12]) {
      const { p } = net.permutation(Math.floor(l / 6));
      expect(Array.from(p).some((v, i) => v !== i)).to.equal(true);
      const layer = net.layer(l);
      const edges = (ptr: Int32Array, idx: Int32Array, map: (i: number) => number): string[] => {
        const out: string[] = [];
        for (let j = 0; j < 1024; j++) for (let k = ptr[j]; k < ptr[j + 1]; k++) out.push(`${map(idx[k])},${map(j)}`);
        return out.sort();
      };
      expect(edges(layer.ptr, layer.idx, (i) => i)).to.deep.equal(
        edges(base[l % 6].rowPtr, base[l % 6].colIdx, (i) => p[i]),
      );
    }
  });

  it('refuses neuron counts that are not 16 x 2^k, and biases outside the challenge without --bias', () => {
    expectInputError(() => new ChallengeNet(1000, 10), /16 x 2\^k neurons.*1000/);
    expectInputError(() => new ChallengeNet(1024, 0), /--layers/);
    expectInputError(() => challengeBias(2048), /--bias/);
    expect(challengeBias(65536)).to.equal(-0.45);
  });
});

describe('Graph Challenge inputs from MNIST', () => {
  it('resizes by bilinear interpolation and binarises at 0.5 (hand-computed 2 x 2 -> 4 x 4)', () => {
    // a 2 x 2 image [[1, 0], [0, 0]]: at 4 x 4 the pixel centres sit at -0.25, 0.25, 0.75, 1.25 in source pixels
    // (clamped to 0..1), weights 1, 0.75, 0.25, 0 along each axis: values > 0.5 are (0,0), (0,1), (1,0), (1,1)
    const im = binarisedImage(Float32Array.of(1, 0, 0, 0), 0, 2, 2, 4);
    expect(Array.from(im.cols)).to.deep.equal([0, 1, 4, 5]);
    expect(Array.from(im.vals)).to.deep.equal([1, 1, 1, 1]);
  });
});

describe('Graph Challenge TSV files', () => {
  it('reads a hand-made layer file into CSR over outputs, 1-based to 0-based, and round-trips it', () => {
    const dir = tmp();
    const f = join(dir, 'n4-l1.tsv');
    writeFileSync(f, '1\t2\t0.0625\n3\t2\t0.5\n\n2 1 -1\r\n4\t4\t2\n');
    const layer = readLayerTsv(f, 4);
    expect(Array.from(layer.ptr)).to.deep.equal([0, 1, 3, 3, 4]);
    expect(Array.from(layer.idx)).to.deep.equal([1, 0, 2, 3]);
    expect(Array.from(layer.w)).to.deep.equal([-1, 0.0625, 0.5, 2]);
    const g = join(dir, 'again.tsv');
    writeLayerTsv(g, layer);
    const again = readLayerTsv(g, 4);
    expect(Array.from(again.ptr)).to.deep.equal(Array.from(layer.ptr));
    expect(Array.from(again.idx)).to.deep.equal(Array.from(layer.idx));
    expect(Array.from(again.w)).to.deep.equal(Array.from(layer.w));
  });

  it('streams an inputs file by row, skipping rows outside [from, to) and past the limit', () => {
    const dir = tmp();
    const f = join(dir, 'sparse-images-4.tsv');
    writeFileSync(f, '1\t1\t1\n1\t3\t1\n2\t4\t1\n4\t2\t1\n4\t4\t1\n5\t1\t1\n');
    const rows = (o = {}) => [...readImagesTsv(f, 4, o)].map((im) => [im.row, ...im.cols]);
    expect(rows()).to.deep.equal([
      [0, 0, 2],
      [1, 3],
      [3, 1, 3],
      [4, 0],
    ]);
    expect(rows({ from: 1, to: 4 })).to.deep.equal([
      [1, 3],
      [3, 1, 3],
    ]);
    expect(rows({ limit: 4 })).to.deep.equal([
      [0, 0, 2],
      [1, 3],
      [3, 1, 3],
    ]);
  });

  it('reads a categories file 1-based to 0-based, ascending', () => {
    const f = join(tmp(), 'c.tsv');
    writeFileSync(f, '7\n2\n30\n');
    expect(Array.from(readCategoriesTsv(f))).to.deep.equal([1, 6, 29]);
  });

  it('refuses malformed lines with one line naming the file and line', () => {
    const dir = tmp();
    const bad = (text: string): string => {
      const f = join(dir, `bad-${Math.random().toString(36).slice(2)}.tsv`);
      writeFileSync(f, text);
      return f;
    };
    expectInputError(() => readLayerTsv(bad('1\t1\t1\n1\t2\n'), 4), /bad-\w+\.tsv:2: expected 3 columns/);
    expectInputError(
      () => readLayerTsv(bad('0\t1\t1\n'), 4),
      /:1: row \(input neuron\) 0 is below 1; indices are 1-based/,
    );
    expectInputError(() => readLayerTsv(bad('1\t1\t1\n2\t5\t1\n'), 4), /:2: column \(output neuron\) 5 is above 4/);
    expectInputError(() => readLayerTsv(bad('1\tx\t1\n'), 4), /:1: column \(output neuron\) "x" is not a whole number/);
    expectInputError(() => readLayerTsv(bad('1\t2\tabc\n'), 4), /:1: value "abc" is not a finite number/);
    expectInputError(() => readLayerTsv(bad('1\t2\t1\n1\t2\t1\n'), 4), /:2: entry \(1, 2\) repeats line 1/);
    expectInputError(() => [...readImagesTsv(bad('1\t5\t1\n'), 4)], /:1: column \(neuron\) 5 is above 4/);
    expectInputError(
      () => [...readImagesTsv(bad('2\t1\t1\n1\t1\t1\n'), 4)],
      /:2: row 1 comes after row 2; sort the file/,
    );
    expectInputError(() => readCategoriesTsv(bad('3\n0\n')), /:2: row 0 is below 1/);
    expectInputError(() => readCategoriesTsv(bad('3\t4\n')), /:1: expected one whole number/);
  });

  it('finds the layer files of a folder and refuses gaps and sizes other than --neurons', () => {
    const dir = join(tmp(), 'neuron64');
    mkdirSync(dir);
    for (const k of [1, 2, 4]) copyFileSync(join(FIXTURE, `neuron64/n64-l${k}.tsv`), join(dir, `n64-l${k}.tsv`));
    expect(layerFiles(dir, 64, 2).map((f) => f.slice(dir.length + 1))).to.deep.equal(['n64-l1.tsv', 'n64-l2.tsv']);
    expectInputError(() => layerFiles(dir, 64, 4), /n64-l3\.tsv is missing: layer 3 of the 4/);
    expectInputError(() => layerFiles(dir, 1024, 2), /layer files of 64 neurons.*pass --neurons 64/);
    expectInputError(() => layerFiles(join(dir, 'nope'), 64, 2), /is not a folder/);
  });
});

describe('Graph Challenge official-format fixture', () => {
  const N = 64;
  const L = 4;
  const fileLayers = (): RefLayer[] => layerFiles(join(FIXTURE, 'neuron64'), N, L).map((f) => readLayerTsv(f, N));

  it('holds exactly the generated network (generator -> TSV -> reader round-trips)', () => {
    const net = new ChallengeNet(N, L);
    fileLayers().forEach((layer, l) => {
      const gen = net.layer(l);
      expect(Array.from(layer.ptr)).to.deep.equal(Array.from(gen.ptr));
      expect(Array.from(layer.idx)).to.deep.equal(Array.from(gen.idx));
      expect(Array.from(layer.w)).to.deep.equal(Array.from(gen.w));
    });
  });

  it('gives the truth file categories, from the kernels and from the float64 reference, on 1 and 2 threads', async () => {
    const truth = Array.from(readCategoriesTsv(join(FIXTURE, 'neuron64-l4-categories.tsv')));
    expect(truth).to.deep.equal([8, 10, 11]);
    const images = [...readImagesTsv(join(FIXTURE, 'sparse-images-64.tsv'), N)];
    expect(images.map((im) => im.row)).to.deep.equal([0, 1, 2, 3, 4, 6, 7, 8, 10, 11]);
    const layers = fileLayers();
    expect(referenceCategories(layers, images, -0.3)).to.deep.equal(truth);
    for (const threads of [1, 2]) {
      const engine = await Engine.create({ threads, adaptive: false });
      try {
        // batches of 4 samples: the 10 inputs span 3 batches, so the split over batches and threads is exercised
        const r = challengeInfer(engine, layersSource(layers), images, images.length, { bias: -0.3, batch: 4 });
        expect(Array.from(r.categories)).to.deep.equal(truth);
        expect(r.samples).to.equal(10);
        expect(r.liveAfter[L - 1]).to.equal(3);
      } finally {
        engine.close();
      }
    }
  });
});

describe('Graph Challenge kernels against the float64 reference', function () {
  this.timeout(300000);
  let mnist: Mnist;
  let engine: Engine;
  before(async () => {
    mnist = await loadMnist({ download: false });
    engine = await Engine.create({ adaptive: false });
  });
  after(() => engine?.close());

  // every size class on a few hundred MNIST inputs (the large classes on fewer layers, which the reference can afford);
  // the slow cases (tens of seconds each) run with RADIXNET_TEST_FULL=1 only
  const FULL = process.env.RADIXNET_TEST_FULL === '1';
  const cases: {
    n: number;
    layers: number;
    from: number;
    inputs: number;
    full: boolean;
    batch?: number;
    roundBatches?: number;
    stagePixels?: number;
  }[] = [
    { n: 1024, layers: 120, from: 1000, inputs: 300, full: false },
    // rounds of 9 batches of 56, laid out from a stage of one batch of full images (so 2 or more loads a round);
    // repacks gather samples of several batches into each new one, and the last few batches run in slices
    { n: 1024, layers: 120, from: 3000, inputs: 600, full: false, batch: 56, roundBatches: 9, stagePixels: 56 * 1024 },
    { n: 4096, layers: 32, from: 1000, inputs: 200, full: false },
    { n: 16384, layers: 10, from: 1000, inputs: 100, full: false },
    { n: 65536, layers: 12, from: 1000, inputs: 40, full: false, batch: 16 },
    { n: 4096, layers: 120, from: 2000, inputs: 300, full: true },
    { n: 16384, layers: 30, from: 2000, inputs: 300, full: true },
    { n: 65536, layers: 24, from: 2000, inputs: 200, full: true },
  ];
  for (const c of cases) {
    it(`gives the reference's categories on ${c.n} neurons x ${c.layers} layers, ${c.inputs} inputs (some live, some dead)${c.full ? ' [full]' : ''}`, function () {
      if (c.full && !FULL) this.skip();
      const net = new ChallengeNet(c.n, c.layers);
      const layers = Array.from({ length: c.layers }, (_, l) => net.layer(l));
      const images: SparseImage[] = [...mnistChallengeImages(mnist.train.images, c.n, c.from, c.from + c.inputs)];
      const bias = challengeBias(c.n);
      const want = referenceCategories(layers, images, bias);
      // small batches and rounds, so that several rounds and the per-round layer uploads are exercised too
      const r = challengeInfer(engine, layersSource(layers), images, images.length, {
        bias,
        batch: c.batch ?? 32,
        roundBytes: (c.roundBatches ?? 2) * challengeBlock(c.n, c.batch ?? 32).stride,
        residentBytes: 0,
        stagePixels: c.stagePixels,
      });
      expect(Array.from(r.categories)).to.deep.equal(want);
      expect(want.length).to.be.greaterThan(0);
      expect(want.length).to.be.lessThan(c.inputs);
      expect(r.samples).to.equal(c.inputs);
      expect(r.rounds).to.be.greaterThan(1);
    });
  }

  it("gives the reference's categories on all 60,000 inputs of 1024 neurons x 120 layers [full]", function () {
    if (!FULL) this.skip();
    this.timeout(1800000);
    const net = new ChallengeNet(1024, 120);
    const layers = Array.from({ length: 120 }, (_, l) => net.layer(l));
    const images = (): Generator<SparseImage> => mnistChallengeImages(mnist.train.images, 1024, 0, 60000);
    const want = referenceCategories(layers, images(), challengeBias(1024));
    const r = challengeInfer(engine, layersSource(layers), images(), 60000, { bias: challengeBias(1024) });
    expect(r.samples).to.equal(60000);
    expect(Array.from(r.categories)).to.deep.equal(want);
  });
});
