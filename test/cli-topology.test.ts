import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { radixNet } from '../src/topology/index.js';
import { jsonData, runBinary, runIn, type CliResult } from './helpers/cli.js';

interface Row {
  radices: string;
  list: number[][];
  sparsity: number;
  kroneckerSparsity: number;
  topology: number;
  kron: number[];
}
interface Summary {
  family: string;
  lists: number;
  factors: number[];
  distinctTopologies: number;
  models: number;
}

/** `radixnet ...args` in this process. */
const cli = (...args: string[]): Promise<CliResult> => runIn(args);

/** Parses an NPY v1.0 file: its header dict text and the data bytes after it. */
function readNpy(path: string): { header: string; data: Buffer; dataOffset: number } {
  const bytes = readFileSync(path);
  expect(bytes.subarray(0, 6).equals(Buffer.from([0x93, ...Buffer.from('NUMPY')]))).to.equal(true);
  expect([bytes[6], bytes[7]]).to.deep.equal([1, 0]);
  const headerLength = bytes.readUInt16LE(8);
  const dataOffset = 10 + headerLength;
  return { header: bytes.subarray(10, dataOffset).toString('latin1'), data: bytes.subarray(dataOffset), dataOffset };
}

describe('radixnet topology', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'radixnet-topology-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a per-layer table and both sparsities', async () => {
    const r = await cli('topology', '10/5,2', '--kron', '80,30,10,1');
    expect(r.status).to.equal(0);
    expect(r.stdout).to.match(/N = 10, Kronecker widths B = 80,30,10,1/);
    expect(r.stdout).to.match(/^0\s+784 x 300\s+235200\s+784\/784\s+300\/300\s+0\.000000$/m);
    expect(r.stdout).to.match(/^1\s+300 x 100\s+15000\s+150\/150\s+50\/50\s+0\.500000$/m);
    expect(r.stdout).to.include('sparsity: 0.05935386927122466\n');
    expect(r.stdout).to.include('kronecker sparsity: 0.058302583025830246');
  });

  it('defaults to LeNet-300-100 and ceil(n_l / N) widths', async () => {
    const r = await cli('topology', '[[10,10],[1]]');
    expect(r.status).to.equal(0);
    expect(r.stdout).to.include('on 784,300,100,10: N = 100, Kronecker widths B = 8,3,1,1');
    expect(r.stdout).to.include('kronecker sparsity: 0.9032142857142857');
  });

  it('prints one JSON envelope with --json', async () => {
    const r = await cli('topology', '10,10/10', '--json');
    expect(r.status).to.equal(0);
    const out = jsonData<{ list: number[][]; kron: number[]; layerStats: { nnz: number }[] }>(r.stdout);
    expect(out).to.include({ radices: '10,10/10', N: 100, sparsity: 0.9, kroneckerSparsity: 0.9 });
    expect(out.list).to.deep.equal([[10, 10], [10]]);
    expect(out.kron).to.deep.equal([8, 3, 1, 1]);
    expect(out.layerStats.map((s: { nnz: number }) => s.nnz)).to.deep.equal([23520, 3000, 100]);
  });

  it('writes one valid uint8 NPY file per layer with --dense-out FILE.npy', async () => {
    const file = join(dir, 'masks.npy');
    const r = await cli('topology', '2,3/6', '--layers', '37,23,11,5', '--dense-out', file);
    expect(r.status).to.equal(0);
    const net = radixNet('2,3/6', [37, 23, 11, 5]);
    net.masks.forEach((mask, l) => {
      const { header, data, dataOffset } = readNpy(join(dir, `masks.${l}.npy`));
      expect(header).to.match(
        new RegExp(`^\\{'descr': '\\|u1', 'fortran_order': False, 'shape': \\(${mask.nIn}, ${mask.nOut}\\), \\} *\\n$`),
      );
      expect(dataOffset % 64).to.equal(0);
      expect(data.equals(Buffer.from(mask.toDense()))).to.equal(true);
    });
    expect(r.stderr).to.include('masks.2.npy');
  });

  it('writes the masks as nested 0/1 arrays with --dense-out FILE.json', async () => {
    const file = join(dir, 'masks.json');
    const r = await cli('topology', '2,2/2', '--layers', '6,4,3,2', '--json', '--dense-out', file);
    expect(r.status).to.equal(0);
    jsonData(r.stdout); // stdout stays one JSON line; the "wrote" line goes to stderr
    const masks = JSON.parse(readFileSync(file, 'utf8')) as number[][][];
    const net = radixNet('2,2/2', [6, 4, 3, 2]);
    expect(masks.length).to.equal(3);
    masks.forEach((rows, l) => {
      expect(rows.length).to.equal(net.masks[l].nIn);
      expect(rows.flat()).to.deep.equal([...net.masks[l].toDense()]);
    });
  });

  for (const [what, args, message] of [
    ['a zero layer size', ['topology', '10,10/10', '--layers', '784,0'], /--layers entry 2 is '0'/],
    [
      'an invalid radix list',
      ['topology', '10,10/4,5/2', '--layers', '784,300,100,10,10,10'],
      /sublist 2 \[4,5\] has product 20/,
    ],
    ['too few radices', ['topology', '10,10'], /has 2 radices, but the network has 3 weight layers/],
    ['too small Kronecker widths', ['topology', '10,10/10', '--kron', '7,3,1,1'], /B_0 \* N = 700 < n_0 = 784/],
    ['an unknown --dense-out format', ['topology', '2,2/2', '--dense-out', 'masks.csv'], /must end in \.json or \.npy/],
  ] as [string, string[], RegExp][]) {
    it(`exits 2 with a one-line message and no stack trace for ${what}`, async () => {
      const r = await cli(...args);
      expect(r.status).to.equal(2);
      expect(r.stdout).to.equal('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines.length, r.stderr).to.equal(1);
      expect(lines[0])
        .to.match(/^radixnet: /)
        .and.to.match(message);
      expect(r.stderr).not.to.match(/\n\s+at /);
    });
  }

  it('the executable exits 2 with one line on stderr for bad input, and 0 with the table for good input', () => {
    const bad = runBinary(['topology', '10,10/10', '--layers', '784,0']);
    expect([bad.status, bad.stdout]).to.deep.equal([2, '']);
    expect(bad.stderr).to.match(/^radixnet: --layers entry 2 is '0'.*\n$/);
    const good = runBinary(['topology', '10,10/10']);
    expect(good.status).to.equal(0);
    expect(good.stdout).to.include('sparsity: 0.9\n');
  });

  it('creates the folder of --dense-out', async () => {
    const file = join(dir, 'new', 'deeper', 'masks.npy');
    const r = await cli('topology', '2,2/2', '--layers', '8,8,4,2', '--dense-out', file);
    expect(r.status, r.stderr).to.equal(0);
    expect(existsSync(join(dir, 'new', 'deeper', 'masks.0.npy'))).to.equal(true);
  });

  it('explains itself with --help', async () => {
    const r = await cli('topology', '--help');
    expect(r.status).to.equal(0);
    for (const flag of ['--layers', '--kron', '--json', '--dense-out', 'Examples']) expect(r.stdout).to.include(flag);
  });
});

describe('radixnet enumerate', () => {
  it('lists the valid permutations of 1..10 on LeNet-300-100 and ends with the counts', async () => {
    const r = await cli('enumerate', '--factors', '1..10', '--layers', '784,300,100,10');
    expect(r.status).to.equal(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).to.match(/^radix list\s+sparsity\s+kronecker sparsity\s+topology$/);
    expect(lines.length).to.equal(1517 + 2);
    expect(lines.at(-1)).to.match(/^1517 valid radix lists, 1367 distinct topologies/);
    expect(r.stdout).to.match(/^10,10\/10\s+0\.9\s+0\.9\s+\d+$/m);
  });

  it('prints the lists and their counts in one JSON envelope with --json', async () => {
    const r = await cli('enumerate', '--factors', '2,3,5', '--json');
    expect(r.status).to.equal(0);
    const { lists: rows, summary } = jsonData<{ lists: Row[]; summary: Summary }>(r.stdout);
    expect(summary).to.include({ lists: rows.length, family: 'permutations' });
    expect(summary.factors).to.deep.equal([2, 3, 5]);
    const row = rows.find((x) => x.radices === '5/5/5')!;
    expect(row.list).to.deep.equal([[5], [5], [5]]);
    expect(row.sparsity).to.be.a('number');
    expect(new Set(rows.map((x) => x.topology)).size).to.equal(summary.distinctTopologies);
  });

  it('lists one radix list per topology with --distinct', async () => {
    const r = await cli('enumerate', '--factors', '1..10', '--distinct', '--json');
    const { lists: rows, summary } = jsonData<{ lists: Row[]; summary: Summary }>(r.stdout);
    expect(rows.length).to.equal(summary.distinctTopologies);
    expect(rows.map((x) => x.topology)).to.deep.equal(rows.map((_, k) => k));
  });

  it('gives the strange-model study set with --family simple', async () => {
    const r = await cli('enumerate', '--family', 'simple', '--max', '15', '--min-sparsity', '0.9', '--json');
    expect(r.status).to.equal(0);
    const { lists: rows, summary } = jsonData<{ lists: Row[]; summary: Summary }>(r.stdout);
    expect(summary).to.include({ models: 426, paper: 426, candidates: 1645 });
    expect(rows[34]).to.deep.include({ radices: '10,10/1', kron: [8, 3, 1, 1], kroneckerSparsity: 0.9032142857142857 });
  });

  for (const [what, args, message] of [
    ['a bad factor range', ['enumerate', '--factors', '10..1'], /factor range '10..1' is empty/],
    ['a zero layer size', ['enumerate', '--layers', '784,0'], /--layers entry 2 is '0'/],
    ['an unknown family', ['enumerate', '--family', 'odd'], /--family is 'odd'; choose permutations or simple/],
    ['a simple-only option on permutations', ['enumerate', '--max', '12'], /--max applies only to --family simple/],
    ['a bad threshold', ['enumerate', '--family', 'simple', '--min-sparsity', 'high'], /--min-sparsity is 'high'/],
  ] as [string, string[], RegExp][]) {
    it(`exits 2 with a one-line message for ${what}`, async () => {
      const r = await cli(...args);
      expect(r.status).to.equal(2);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines.length, r.stderr).to.equal(1);
      expect(lines[0]).to.match(message);
    });
  }

  it('explains itself with --help', async () => {
    const r = await cli('enumerate', '--help');
    expect(r.status).to.equal(0);
    for (const flag of ['--factors', '--layers', '--family', '--distinct', '--min-sparsity', '--json'])
      expect(r.stdout).to.include(flag);
  });
});
