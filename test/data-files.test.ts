import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../src/errors.js';
import { readCsv } from '../src/data/csv.js';
import { parseNpy, readNpy } from '../src/data/npy.js';
import { holdOut, loadData, TEST_SPLIT_SEED, type DataSpec } from '../src/data/source.js';
import { Rng } from '../src/random.js';

// Fixtures written by numpy: test/fixtures/make-data.py (values in expected.json)
const DIR = fileURLToPath(new URL('../../test/fixtures/data/', import.meta.url));
const f = (name: string): string => join(DIR, name);
const expected = JSON.parse(readFileSync(f('expected.json'), 'utf8')) as {
  x: number[];
  y: number[];
  xb: number[];
  ix: number[];
  iy: number[];
};
const tmp = mkdtempSync(join(tmpdir(), 'radixnet-data-'));
const write = (name: string, text: string | Uint8Array): string => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

/** The error of loading `spec`: an InputError whose one-line message includes every fragment. */
async function refuses(spec: DataSpec, ...fragments: string[]): Promise<void> {
  const err = await rejection(loadData(spec));
  expect(err, err.stack).to.be.instanceOf(InputError);
  expect(err.message).to.not.include('\n');
  for (const s of fragments) expect(err.message).to.include(s);
}

/** Rows of (x, y) as sorted strings: a split must keep every sample exactly once. */
function rowSet(x: ArrayLike<number>, y: ArrayLike<number>, features: number): string[] {
  const rows: string[] = [];
  for (let i = 0; i < y.length; i++)
    rows.push(
      `${Array.from(x)
        .slice(i * features, i * features + features)
        .map((v) => Math.fround(v))
        .join(',')}|${y[i]}`,
    );
  return rows.sort();
}

describe('datasets from files', function () {
  this.timeout(20000);

  describe('.npy pairs', () => {
    it('reads float32 features and int64 labels as numpy wrote them', () => {
      const a = readNpy(f('x-f4.npy'));
      expect(a.descr).to.equal('<f4');
      expect(a.shape).to.deep.equal([12, 5]);
      expect(Array.from(a.data as Float32Array)).to.deep.equal(expected.x.map(Math.fround));
      const y = readNpy(f('y-i8.npy'));
      expect(y.descr).to.equal('<i8');
      expect(Array.from(y.data as BigInt64Array, Number)).to.deep.equal(expected.y);
    });

    it('loads x.npy + y.npy with a held-out test set, width and classes from the data, every sample kept once', async () => {
      const d = await loadData({ data: f('x-f4.npy'), labels: f('y-i8.npy'), testFraction: 0.25 });
      expect(d.train.features).to.equal(5);
      expect(d.train.classes).to.equal(3);
      expect(d.train.count).to.equal(9);
      expect(d.test.count).to.equal(3);
      expect(d.scale).to.equal('none');
      expect(d.testSplit).to.equal('held-out 0.25');
      const all = rowSet([...d.train.x, ...d.test.x], [...d.train.y, ...d.test.y], 5);
      expect(all).to.deep.equal(rowSet(expected.x, expected.y, 5));
      // the split is the seeded permutation's: test = the last 3 rows of the shuffle
      const order = new Rng(TEST_SPLIT_SEED).permutation(12);
      expect(Array.from(d.test.y)).to.deep.equal(Array.from(order.subarray(9)).map((i) => expected.y[i]));
      expect(Array.from(d.test.x.subarray(0, 5))).to.deep.equal(
        expected.x.slice(order[9] * 5, order[9] * 5 + 5).map(Math.fround),
      );
    });

    it('reads float64 features (to float32) and [n, 1] int32 labels', async () => {
      const d = await loadData({
        data: f('x-f8.npy'),
        labels: f('y-i4-col.npy'),
        testData: f('x-f4.npy'),
        testLabels: f('y-i8.npy'),
      });
      expect(Array.from(d.train.x)).to.deep.equal(expected.x.map(Math.fround));
      expect(Array.from(d.train.y)).to.deep.equal(expected.y);
      expect(d.testSplit).to.equal('file');
      expect(d.test.count).to.equal(12);
    });

    it('reads uint8 [n, 2, 3] features as 6 features scaled by 255 (auto), or kept with --scale none', async () => {
      const d = await loadData({
        data: f('x-u1-3d.npy'),
        labels: f('y-u1.npy'),
        testData: f('x-u1-3d.npy'),
        testLabels: f('y-u1.npy'),
      });
      expect(d.train.features).to.equal(6);
      expect(d.scale).to.equal('255');
      expect(Array.from(d.train.x)).to.deep.equal(expected.xb.map((v) => Math.fround(v / 255)));
      const raw = await loadData({
        data: f('x-u1-3d.npy'),
        labels: f('y-u1.npy'),
        testData: f('x-u1-3d.npy'),
        testLabels: f('y-u1.npy'),
        scale: 'none',
      });
      expect(Array.from(raw.train.x)).to.deep.equal(expected.xb);
    });

    it('refuses unsupported dtypes, shapes, orders, NaN, truncation and x/y length mismatches, naming the file', async () => {
      await refuses({ data: f('x-i2.npy'), labels: f('y-i8.npy') }, 'x-i2.npy', "'<i2'", 'float32, float64 or uint8');
      await refuses({ data: f('x-1d.npy'), labels: f('y-i8.npy') }, 'x-1d.npy', 'shape (12)');
      await refuses({ data: f('x-f4.npy'), labels: f('y-f4.npy') }, 'y-f4.npy', 'not integers', "astype('int32')");
      await refuses({ data: f('x-f4.npy'), labels: f('y-short.npy') }, 'y-short.npy', '10 labels', '12 rows');
      await refuses(
        { data: f('x-fortran.npy'), labels: f('y-i8.npy') },
        'x-fortran.npy',
        'Fortran order',
        'ascontiguousarray',
      );
      await refuses({ data: f('x-be.npy'), labels: f('y-i8.npy') }, 'x-be.npy', "'>f4'", 'little-endian');
      await refuses({ data: f('x-nan.npy'), labels: f('y-i8.npy') }, 'x-nan.npy', 'row 3, feature 2 is NaN');
      await refuses(
        { data: f('x-truncated.npy'), labels: f('y-i8.npy') },
        'x-truncated.npy',
        'needs 240 data bytes',
        'has 236',
        'truncated',
      );
      await refuses({ data: f('x-f4.npy') }, 'x-f4.npy', '--labels y.npy');
      expect(() => parseNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 'junk.npy')).to.throw(
        InputError,
        'junk.npy: not an .npy file',
      );
    });

    it('refuses a label at or above --classes, and a set whose labels are all 0', async () => {
      await refuses(
        { data: f('x-f4.npy'), labels: f('y-i8.npy'), classes: 2 },
        'y-i8.npy',
        'label 2 is 2',
        'outside 0..1',
        '--classes 2',
      );
      const zeros = write('zeros.npy', Buffer.concat([readFileSync(f('y-i8.npy')).subarray(0, 128), Buffer.alloc(96)]));
      await refuses({ data: f('x-f4.npy'), labels: zeros }, 'zeros.npy', 'at least 2 classes');
    });
  });

  describe('idx files', () => {
    it('reads a folder of MNIST-named files (training raw, test gzipped): 3x4 images as 12 features, 4 classes', async () => {
      const d = await loadData({ data: f('idx') });
      expect(d.train.count).to.equal(8);
      expect(d.test.count).to.equal(4);
      expect(d.train.features).to.equal(12);
      expect(d.train.classes).to.equal(4);
      expect(d.scale).to.equal('255');
      expect(Array.from(d.train.y)).to.deep.equal(expected.iy.slice(0, 8));
      expect(Array.from(d.test.y)).to.deep.equal(expected.iy.slice(8));
      expect(Array.from(d.train.x)).to.deep.equal(expected.ix.slice(0, 96).map((v) => Math.fround(v / 255)));
      expect(Array.from(d.test.x)).to.deep.equal(expected.ix.slice(96).map((v) => Math.fround(v / 255)));
    });

    it('reads an idx samples file with its labels file given apart', async () => {
      const d = await loadData({
        data: f('idx/train-images-idx3-ubyte'),
        labels: f('idx/train-labels-idx1-ubyte'),
        testData: f('idx/t10k-images-idx3-ubyte.gz'),
        testLabels: f('idx/t10k-labels-idx1-ubyte.gz'),
      });
      expect(Array.from(d.test.y)).to.deep.equal(expected.iy.slice(8));
    });

    it('refuses a wrong type in the magic number and a truncated file, with the byte counts', async () => {
      await refuses(
        { data: f('bad-magic-idx'), labels: f('idx/train-labels-idx1-ubyte') },
        'bad-magic-idx',
        'float32',
        'only unsigned bytes',
      );
      await refuses(
        { data: f('truncated-idx'), labels: f('idx/train-labels-idx1-ubyte') },
        'truncated-idx',
        'truncated by 5 bytes',
      );
      await refuses(
        { data: f('idx/train-labels-idx1-ubyte'), labels: f('idx/train-labels-idx1-ubyte') },
        'train-labels-idx1-ubyte',
        '1 dimension',
        'images file',
      );
      await refuses({ data: tmp }, tmp, 'MNIST names', 'missing train-images-idx3-ubyte, train-labels-idx1-ubyte');
    });
  });

  describe('CSV', () => {
    it("detects the header and finds the column named label; numbers equal numpy's", async () => {
      const t = await readCsv(f('with-header.csv'));
      expect(t.header).to.deep.equal(['f0', 'f1', 'label', 'f2', 'f3', 'f4']);
      expect(t.labelIndex).to.equal(2);
      expect(t.count).to.equal(12);
      expect(Array.from(t.y)).to.deep.equal(expected.y);
      expect(Array.from(t.x)).to.deep.equal(expected.x.map(Math.fround));
    });

    it('reads a headerless CSV with --label-column -1, and by name or index', async () => {
      const t = await readCsv(f('no-header.csv'), { labelColumn: '-1' });
      expect(t.header).to.equal(null);
      expect(Array.from(t.y)).to.deep.equal(expected.y);
      expect(Array.from(t.x)).to.deep.equal(expected.x.map(Math.fround));
      expect(Array.from((await readCsv(f('with-header.csv'), { labelColumn: 'label' })).y)).to.deep.equal(expected.y);
      expect(Array.from((await readCsv(f('with-header.csv'), { labelColumn: '2' })).y)).to.deep.equal(expected.y);
    });

    it('reads quoted fields and CRLF line ends', async () => {
      const p = write('quoted.csv', '"a","b","label"\r\n"1.5",2,"0"\r\n3,"-4e-1",1\r\n');
      const t = await readCsv(p);
      expect(Array.from(t.x)).to.deep.equal([1.5, 2, 3, Math.fround(-0.4)]);
      expect(Array.from(t.y)).to.deep.equal([0, 1]);
    });

    it('reads every number form to the float32 of Number(cell), on the byte path and through papaparse alike', async () => {
      // cells of every form the byte path parses itself or hands on: integers, decimals up to and past 15 significant
      // digits and 22 decimals, signs, -0, leading zeros, a lone dot's neighbours, exponents, spaces, hex; 3000 rows of
      // 40, over 1 MiB, so rows straddle the reader's chunks
      const rng = new Rng(11);
      const digits = (n: number): string => Array.from({ length: n }, () => String(rng.int(10))).join('');
      const forms = [
        () => String(rng.int(256)),
        () => '0',
        () => `${digits(1 + rng.int(18))}.${digits(rng.int(26))}`,
        () => `-${digits(1 + rng.int(3))}.${digits(1 + rng.int(8))}`,
        () => `+${digits(2)}`,
        () => '-0',
        () => `000${digits(3)}.${digits(2)}`,
        () => `.${digits(1 + rng.int(6))}`,
        () => `${digits(2)}.`,
        () => `${digits(1)}.${digits(3)}e${rng.int(2) ? '-' : ''}${rng.int(40)}`,
        () => ` ${digits(2)} `,
        () => '0x1f',
        () => `0.${'0'.repeat(20)}${digits(5)}`,
      ];
      const rows: string[][] = [];
      for (let r = 0; r < 3000; r++) {
        rows.push([...Array.from({ length: 39 }, () => forms[rng.int(forms.length)]()), String(rng.int(7))]);
      }
      const header = [...Array.from({ length: 39 }, (_, c) => `f${c}`), 'label'];
      const text = rows.map((r) => r.join(',')).join('\n');
      const expectedX = new Float32Array(rows.flatMap((r) => r.slice(0, 39).map(Number)));
      const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
      // the byte path (a plain file), and papaparse (a quoted header cell sends the file there)
      const plain = await readCsv(write('forms.csv', `${header.join(',')}\n${text}\n`));
      const quoted = await readCsv(
        write('forms-quoted.csv', `"f0",${header.slice(1).join(',')}\r\n${text.replace(/\n/g, '\r\n')}`),
      );
      for (const t of [plain, quoted]) {
        expect(t.count).to.equal(3000);
        expect(bits(t.x)).to.deep.equal(bits(expectedX));
        expect(Array.from(t.y)).to.deep.equal(rows.map((r) => Number(r[39])));
      }
    });

    it('standardizes with statistics of the training part only (checked against a float64 reference)', async () => {
      const d = await loadData({ data: f('with-header.csv'), scale: 'standardize', testFraction: 0.25 });
      // reference: the training rows, as the loader split them, standardized in float64
      const raw = await loadData({ data: f('with-header.csv'), testFraction: 0.25 });
      const n = raw.train.count;
      for (let c = 0; c < 5; c++) {
        const col = Array.from({ length: n }, (_, r) => raw.train.x[r * 5 + c]);
        const mean = col.reduce((s, v) => s + v, 0) / n;
        const sd = Math.sqrt(col.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
        for (let r = 0; r < n; r++)
          expect(d.train.x[r * 5 + c]).to.be.closeTo((raw.train.x[r * 5 + c] - mean) / sd, 1e-6);
        for (let r = 0; r < raw.test.count; r++)
          expect(d.test.x[r * 5 + c]).to.be.closeTo((raw.test.x[r * 5 + c] - mean) / sd, 1e-6);
      }
    });

    it('refuses ragged rows, non-numeric and empty cells, missing and non-integer labels, NaN and Infinity, naming line and column', async () => {
      await refuses(
        { data: write('ragged.csv', 'a,b,label\n1,2,0\n1,2\n') },
        'ragged.csv',
        'line 3 has 2 fields',
        'the first line has 3',
      );
      await refuses(
        { data: write('text.csv', 'a,b,label\n1,2,0\n1,x,1\n') },
        'text.csv',
        "line 3, column 2 ('b')",
        "'x' is not a number",
      );
      await refuses(
        { data: write('empty-cell.csv', 'a,b,label\n1,,0\n') },
        'empty-cell.csv',
        "line 2, column 2 ('b')",
        'missing value',
      );
      await refuses(
        { data: write('no-label.csv', 'a,b,label\n1,2,\n') },
        'no-label.csv',
        'line 2',
        "the label (column 3 ('label')) is missing",
      );
      await refuses(
        { data: write('float-label.csv', 'a,b,label\n1,2,0.5\n') },
        'float-label.csv',
        'line 2',
        "is '0.5'",
        'integers',
      );
      await refuses(
        { data: write('word-label.csv', 'a,b,label\n1,2,cat\n1,2,0\n') },
        'word-label.csv',
        "is 'cat'",
        'map class names to integers',
      );
      await refuses({ data: write('nan.csv', 'a,b,label\n1,NaN,0\n') }, 'nan.csv', "'NaN' is not a number");
      await refuses(
        { data: write('inf.csv', 'a,b,label\n1,2,0\n-Infinity,2,1\n') },
        'inf.csv',
        'line 3, column 1',
        'infinite',
      );
      await refuses({ data: write('empty.csv', '') }, 'empty.csv', 'the file is empty');
      await refuses({ data: write('header-only.csv', 'a,b,label\n') }, 'header-only.csv', 'no data rows');
      await refuses({ data: write('which.csv', '1,2,0\n3,4,1\n') }, 'which.csv', 'no header', '--label-column');
      await refuses(
        { data: write('unnamed.csv', 'a,b,c\n1,2,0\n') },
        'unnamed.csv',
        'no header column is named label',
        'a, b, c',
      );
      await refuses({ data: f('with-header.csv'), labelColumn: 'kind' }, "no column is named 'kind'");
      await refuses({ data: f('with-header.csv'), classes: 2 }, 'with-header.csv', 'outside 0..1');
    });

    it('tells the caller the row bound and width before parsing, so a training that cannot fit is refused first', async () => {
      const seen: number[][] = [];
      const err = await rejection(
        readCsv(f('with-header.csv'), {
          onShape: (rows, features) => {
            seen.push([rows, features]);
            throw new InputError('too big');
          },
        }),
      );
      expect(seen).to.deep.equal([[12, 5]]);
      expect(err.message).to.equal('too big');
    });

    it('refuses a file over the memory limit before allocating it', async () => {
      const err = await rejection(readCsv(f('with-header.csv'), { maxBytes: 100 }));
      expect(err).to.be.instanceOf(InputError);
      expect(err.message).to.include('up to 12 rows x 5 features need').and.include('RADIXNET_MAX_MEMORY_BYTES');
    });
  });

  describe('named datasets and options', () => {
    it('refuses an unknown dataset name and file options given to a named dataset', async () => {
      await refuses({ dataset: 'cifar' }, "--dataset must be one of mnist, fashion-mnist, got 'cifar'");
      await refuses({ dataset: 'mnist', labelColumn: 'label' }, '--label-column applies to your own files');
    });

    it('holdOut keeps every row once and is the same for the same seed', () => {
      const x = Float32Array.from({ length: 30 }, (_, i) => i);
      const y = Int32Array.from({ length: 10 }, (_, i) => i % 3);
      const a = holdOut({ x: x.slice(), y: y.slice(), count: 10, features: 3, classes: 3 }, 0.3, 'test');
      const b = holdOut({ x: x.slice(), y: y.slice(), count: 10, features: 3, classes: 3 }, 0.3, 'test');
      expect(Array.from(a.test.x)).to.deep.equal(Array.from(b.test.x));
      expect(rowSet([...a.train.x, ...a.test.x], [...a.train.y, ...a.test.y], 3)).to.deep.equal(rowSet(x, y, 3));
      expect(a.test.count).to.equal(3);
    });
  });
});

describe('training on a dataset from files', function () {
  this.timeout(60000);

  it('takes the input width and classes from the data with --hidden, and refuses --layers that do not fit', async () => {
    const { trainMnist, PAPER_PRESET } = await import('../src/suite/mnist-train.js');
    const r = await trainMnist({
      ...PAPER_PRESET,
      radices: 'dense',
      hidden: [5],
      epochs: 2,
      batchSize: 4,
      threads: 1,
      data: f('idx'),
    });
    expect(r.config.layers).to.deep.equal([12, 5, 4]);
    expect(r.dataset).to.include({
      name: 'idx',
      scale: '255',
      testSplit: 'file',
      trainSamples: 7,
      testSamples: 4,
      features: 12,
      classes: 4,
    });
    expect(r.history).to.have.length(2);
    const err = await rejection(
      trainMnist({ ...PAPER_PRESET, radices: 'dense', layers: [784, 5, 10], threads: 1, data: f('idx') }),
    );
    expect(err).to.be.instanceOf(InputError);
    expect(err.message)
      .to.include('--layers must start with 12 (the inputs of')
      .and.include('end with 4 (its classes), got 784,5,10')
      .and.include('--layers 12,5,4')
      .and.include('--hidden 5');
  });

  it('keeps the plan id of MNIST experiments (no dataset key), and names another dataset in params', async () => {
    const { getExperiment } = await import('../src/suite/experiments/index.js');
    const { plan, resolveParams } = await import('../src/suite/plan.js');
    const exp = getExperiment('accuracy-vs-sparsity');
    const mnist = plan(exp, resolveParams(exp, { dataset: exp.params.dataset.parse('mnist') }, true));
    const plain = plan(exp, resolveParams(exp, {}, true));
    expect(mnist.planId).to.equal(plain.planId);
    expect(plain.params).to.not.have.property('dataset');
    const fashion = plan(exp, resolveParams(exp, { dataset: exp.params.dataset.parse('fashion-mnist') }, true));
    expect(fashion.planId).to.not.equal(plain.planId);
    expect(fashion.runs[0].config).to.include({ dataset: 'fashion-mnist' });
    expect(() => exp.params.dataset.parse('cifar')).to.throw(InputError);
  });

  it('samples a stated number of lists with a seed, deterministically and in plan order', async () => {
    const { getExperiment } = await import('../src/suite/experiments/index.js');
    const { plan, resolveParams } = await import('../src/suite/plan.js');
    const exp = getExperiment('accuracy-vs-sparsity');
    const all = plan(exp, resolveParams(exp, {}, false)).runs.map((r) => r.key);
    const a = plan(exp, resolveParams(exp, { sample: 50, sampleSeed: 3 }, false)).runs.map((r) => r.key);
    const b = plan(exp, resolveParams(exp, { sample: 50, sampleSeed: 3 }, false)).runs.map((r) => r.key);
    expect(a).to.deep.equal(b).and.to.have.length(50);
    const positions = a.map((k) => all.indexOf(k));
    expect(positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1]))).to.equal(true);
  });
});

describe('radixnet train --data (CLI)', function () {
  this.timeout(60000);
  const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  const run = (args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60000, env: { ...process.env, CI: '1' } });

  it('trains on a CSV with --hidden and prints the data line; a bad CSV is one line on stderr and exit 2', () => {
    const ok = run([
      'train',
      '--data',
      f('with-header.csv'),
      '--hidden',
      '4',
      '--radices',
      'dense',
      '--epochs',
      '1',
      '--batch',
      '3',
      '--threads',
      '1',
      '--json',
    ]);
    expect(ok.status, ok.stderr).to.equal(0);
    const result = JSON.parse(ok.stdout).data;
    expect(result.config.layers).to.deep.equal([5, 4, 3]);
    expect(result.config.data).to.equal(f('with-header.csv'));
    expect(result.dataset).to.include({ trainSamples: 9, testSamples: 2, testSplit: 'held-out 0.2' });
    const bad = run(['train', '--data', write('bad.csv', 'a,label\n1,0\n2\n'), '--hidden', '4']);
    expect(bad.status).to.equal(2);
    expect(bad.stderr.trim().split('\n')).to.have.length(1);
    expect(bad.stderr).to.include('bad.csv: line 3 has 1 field');
  });
});
