import { expect } from 'chai';
import { InputError } from '../src/errors.js';
import {
  formatRadixList,
  parseRadixList,
  radixNet,
  radixNetSparsity,
  type RadixList,
  SparseMask,
  unitLayers,
  validateRadixList,
} from '../src/topology/index.js';

const LENET = [784, 300, 100, 10];

/** W[i][c] = 1 iff c = (i - j*p) mod N for some j < r, straight from docs/radixnet.md section 2. */
function bruteUnit(n: number, r: number, p: number): number[][] {
  const w: number[][] = [];
  for (let i = 0; i < n; i++) {
    w.push(new Array<number>(n).fill(0));
    for (let j = 0; j < r; j++) w[i][(((i - j * p) % n) + n) % n] = 1;
  }
  return w;
}

/** Every layer's trimmed kron(ones(B_l, B_{l+1}), W_l), flattened input-major, with plain loops. */
function bruteMasks(list: RadixList, layers: number[], kron?: number[]): Uint8Array[] {
  const n = list[0].reduce((a, b) => a * b, 1);
  const b = kron ?? layers.map((size) => Math.ceil(size / n));
  const units: number[][][] = [];
  for (const sub of list) {
    let p = 1;
    for (const r of sub) {
      units.push(bruteUnit(n, r, p));
      p *= r;
    }
  }
  return units.map((w, l) => {
    const rows = b[l] * n;
    const cols = b[l + 1] * n;
    const big: number[][] = [];
    for (let bi = 0; bi < b[l]; bi++) {
      for (let i = 0; i < n; i++) {
        const row: number[] = [];
        for (let bc = 0; bc < b[l + 1]; bc++) for (let c = 0; c < n; c++) row.push(w[i][c]);
        big.push(row);
      }
    }
    expect(big.length).to.equal(rows);
    const out = new Uint8Array(layers[l] * layers[l + 1]);
    for (let i = 0; i < layers[l]; i++) {
      expect(big[i].length).to.equal(cols);
      for (let c = 0; c < layers[l + 1]; c++) out[i * layers[l + 1] + c] = big[i][c];
    }
    return out;
  });
}

describe('radix lists', () => {
  it('parses the text form and the JSON form to the same list, whitespace tolerant', () => {
    expect(parseRadixList('10,10/10')).to.deep.equal([[10, 10], [10]]);
    expect(parseRadixList(' 10 , 10 / 10 ')).to.deep.equal([[10, 10], [10]]);
    expect(parseRadixList('[[10,10],[10]]')).to.deep.equal([[10, 10], [10]]);
    expect(parseRadixList(' [ [10, 10] , [10] ] ')).to.deep.equal([[10, 10], [10]]);
  });

  it('round-trips text and JSON forms through formatRadixList', () => {
    for (const list of [[[10, 10], [10]], [[10], [5, 2]], [[10, 10, 1]], [[2, 3, 4], [6, 4], [3]]]) {
      const text = formatRadixList(list);
      expect(parseRadixList(text)).to.deep.equal(list);
      expect(parseRadixList(JSON.stringify(list))).to.deep.equal(list);
    }
    expect(formatRadixList([[10], [5, 2]])).to.equal('10/5,2');
  });

  it('names the sublist, its product and N when a middle sublist does not multiply to N', () => {
    expect(() => validateRadixList([[10, 10], [4, 5], [2]])).to.throw(
      InputError,
      /sublist 2 \[4,5\] has product 20, but every sublist before the last must multiply to N = 100/,
    );
    expect(() => parseAndValidate('10,10/4,5/2')).to.throw(InputError, /sublist 2 \[4,5\] has product 20/);
  });

  it('rejects a last sublist whose product does not divide N, listing the divisors', () => {
    expect(() => validateRadixList([[10, 10], [3]])).to.throw(
      InputError,
      /last sublist 2 \[3\] has product 3, which does not divide N = 100.*1, 2, 4, 5, 10, 20, 25, 50, 100/,
    );
  });

  it('rejects a radix count that differs from the number of weight layers', () => {
    expect(() => validateRadixList([[10, 10], [10]], 2)).to.throw(
      InputError,
      /10,10\/10 has 3 radices, but the network has 2 weight layers/,
    );
    expect(() => radixNet('10,10', LENET)).to.throw(InputError, /has 2 radices, but the network has 3 weight layers/);
  });

  it('rejects empty lists and empty sublists', () => {
    expect(() => parseRadixList('')).to.throw(InputError, /radix list is empty/);
    expect(() => parseRadixList('[]')).to.throw(InputError, /radix list is empty/);
    expect(() => parseRadixList('10,10//10')).to.throw(
      InputError,
      /sublist 2 of the radix list '10,10\/\/10' is empty/,
    );
    expect(() => parseRadixList('[[10],[]]')).to.throw(InputError, /sublist 2 of the radix list is empty/);
    expect(() => parseRadixList('10,,10')).to.throw(InputError, /has an empty entry/);
  });

  it('rejects zeros, negatives, non-integers and non-numbers with the offending radix', () => {
    expect(() => parseRadixList('10,0/10')).to.throw(
      InputError,
      /radix 0 in sublist 1 is zero; radices must be at least 1/,
    );
    expect(() => parseRadixList('10/-2')).to.throw(InputError, /radix -2 in sublist 2 is negative/);
    expect(() => parseRadixList('2.5,4')).to.throw(InputError, /radix 2.5 in sublist 1 is not a whole number/);
    expect(() => parseRadixList('ten,10')).to.throw(InputError, /radix 'ten' in sublist 1 .* is not a number/);
    expect(() => parseRadixList('[[10,"2"]]')).to.throw(InputError, /radix "2" in sublist 1 is not a number/);
    expect(() => parseRadixList('[10,10]')).to.throw(
      InputError,
      /sublist 1 of the radix list is 10, not a list of radices/,
    );
  });

  it("rejects malformed JSON with the parser's reason and an example", () => {
    expect(() => parseRadixList('[[10,10],[10]')).to.throw(InputError, /is not valid JSON .*e\.g\. 10,10\/10/);
  });

  it('rejects products beyond 2^31', () => {
    expect(() => validateRadixList([[65536, 65536]])).to.throw(
      InputError,
      /sublist 1 \[65536,65536\] has product 4294967296, more than 2\^31 = 2147483648/,
    );
    expect(() => validateRadixList([[65536, 32768]])).not.to.throw();
  });

  it('gives one-line messages', () => {
    for (const bad of ['', '10,0', '10/3', '[[1]', '10,10/4,5/2']) {
      try {
        parseAndValidate(bad);
        expect.fail(`accepted ${bad}`);
      } catch (err) {
        expect(err).to.be.instanceOf(InputError);
        expect((err as Error).message).not.to.include('\n');
      }
    }
  });
});

function parseAndValidate(text: string): void {
  validateRadixList(parseRadixList(text));
}

describe('unit layers', () => {
  const lists: RadixList[] = [
    [[10, 10], [10]],
    [[2, 3, 4], [6, 4], [3]],
    [[12], [2, 3]],
    [[7, 1, 5]],
    [[1]],
    [[6], [6]],
  ];

  it('has exactly r ones in every row and every column', () => {
    for (const list of lists) {
      for (const unit of unitLayers(list)) {
        const n = unit.n;
        const rowCounts = new Array<number>(n).fill(0);
        const colCounts = new Array<number>(n).fill(0);
        for (let c = 0; c < n; c++) {
          for (const i of unit.inputsOf(c)) {
            rowCounts[i]++;
            colCounts[c]++;
          }
        }
        expect(
          rowCounts.every((k) => k === unit.radix),
          `rows of ${JSON.stringify(list)} r=${unit.radix}`,
        ).to.equal(true);
        expect(
          colCounts.every((k) => k === unit.radix),
          `cols of ${JSON.stringify(list)}`,
        ).to.equal(true);
        expect(unit.onesPerRow).to.equal(unit.radix);
        expect(unit.onesPerColumn).to.equal(unit.radix);
      }
    }
  });

  it("lists each output's inputs and each input's outputs sorted, exactly as the formula gives them", () => {
    for (const list of lists) {
      for (const unit of unitLayers(list)) {
        const w = bruteUnit(unit.n, unit.radix, unit.place);
        for (let c = 0; c < unit.n; c++) {
          const expected = w.map((row, i) => (row[c] ? i : -1)).filter((i) => i >= 0);
          expect([...unit.inputsOf(c)]).to.deep.equal(expected);
          for (let limit = 0; limit <= unit.n; limit++) {
            expect(unit.inputsBelow(c, limit)).to.equal(expected.filter((i) => i < limit).length);
          }
        }
        for (let i = 0; i < unit.n; i++) {
          expect([...unit.outputsOf(i)]).to.deep.equal(w[i].map((v, c) => (v ? c : -1)).filter((c) => c >= 0));
        }
      }
    }
  });

  it('steps the place value through each sublist and restarts it at 1 for the next', () => {
    const units = unitLayers([[2, 3, 4], [6, 4], [3]]);
    expect(units.map((u) => [u.radix, u.place])).to.deep.equal([
      [2, 1],
      [3, 2],
      [4, 6],
      [6, 1],
      [4, 6],
      [3, 1],
    ]);
    expect(units.every((u) => u.n === 24)).to.equal(true);
  });

  it('connects every input to every output through exactly one path across a sublist that multiplies to N', () => {
    const units = unitLayers([[2, 3, 4]]);
    const n = 24;
    // paths[i][c] after composing the three layers
    let paths: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, c) => (i === c ? 1 : 0)));
    for (const unit of units) {
      const next = Array.from({ length: n }, () => new Array<number>(n).fill(0));
      for (let c = 0; c < n; c++)
        for (const k of unit.inputsOf(c)) for (let i = 0; i < n; i++) next[i][c] += paths[i][k];
      paths = next;
    }
    expect(paths.every((row) => row.every((v) => v === 1))).to.equal(true);
  });
});

describe('RadiX-Net masks', () => {
  it("reproduces the spec's reference sparsities exactly", () => {
    const table: [string, number[], number][] = [
      ['[[10,10],[10]]', [8, 3, 1, 1], 0.9],
      ['[[10],[5,2]]', [80, 30, 10, 1], 0.05935386927122466],
      ['[[10,10,1]]', [8, 3, 1, 1], 0.9003380916604057],
      ['[[2,2],[2]]', [196, 75, 25, 3], 0.5],
      ['[[1,1],[1]]', [784, 300, 100, 10], 0],
    ];
    for (const [list, kron, sparsity] of table) {
      expect(radixNet(list, LENET, { kron }).sparsity, list).to.equal(sparsity);
      expect(radixNetSparsity(list, LENET, kron).sparsity, list).to.equal(sparsity);
    }
  });

  it('reproduces the reference kronecker sparsity of [[10,10],[1]] exactly', () => {
    expect(radixNet([[10, 10], [1]], LENET, { kron: [8, 3, 1, 1] }).kroneckerSparsity).to.equal(0.9032142857142857);
    expect(radixNetSparsity([[10, 10], [1]], LENET, [8, 3, 1, 1]).kroneckerSparsity).to.equal(0.9032142857142857);
  });

  it('uses ceil(n_l / N) as the default Kronecker widths', () => {
    expect(radixNet('10,10/10', LENET).kron).to.deep.equal([8, 3, 1, 1]);
    expect(radixNet('2,2/2', LENET).kron).to.deep.equal([196, 75, 25, 3]);
    expect(radixNet('7/7/7', [50, 20, 13, 1]).kron).to.deep.equal([8, 3, 2, 1]);
  });

  it('matches a brute-force Kronecker product and trim of the formula, on awkward sizes and widths', () => {
    const cases: [RadixList, number[], number[]?][] = [
      [[[10, 10], [10]], LENET],
      [[[10], [5, 2]], LENET, [80, 30, 10, 1]],
      [[[10, 10, 1]], LENET],
      [
        [[2, 3], [6]],
        [37, 23, 11, 5],
      ],
      [
        [
          [4, 3],
          [2, 2],
        ],
        [13, 30, 7, 12, 1],
        [2, 3, 1, 1, 1],
      ],
      [[[7, 1, 5]], [3, 50, 36, 2]],
      [
        [[6], [3]],
        [1, 1, 1],
      ],
      [[[5, 5]], [64, 64, 64]],
    ];
    for (const [list, layers, kron] of cases) {
      const net = radixNet(list, layers, { kron });
      const expected = bruteMasks(list, layers, kron);
      net.masks.forEach((mask, l) => {
        expect([mask.nIn, mask.nOut]).to.deep.equal([layers[l], layers[l + 1]]);
        expect(
          Buffer.from(mask.toDense()).equals(Buffer.from(expected[l])),
          `${JSON.stringify(list)} layer ${l}`,
        ).to.equal(true);
      });
      const nnz = expected.reduce((s, m) => s + m.reduce((a, v) => a + v, 0), 0);
      const size = layers.slice(1).reduce((s, n, l) => s + layers[l] * n, 0);
      expect(net.sparsity).to.equal(1 - nnz / size);
    }
  });

  it('computes the same sparsities without building masks as with them', () => {
    for (const list of ['10,10/10', '10/5,2', '3,4/6', '12/3,4', '9,2/6', '1,1/1', '100/100/1', '7,1,5']) {
      for (const layers of [LENET, [37, 23, 11, 5], [1000, 999, 3, 2]]) {
        const net = radixNet(list, layers);
        expect(radixNetSparsity(list, layers)).to.deep.equal({
          sparsity: net.sparsity,
          kroneckerSparsity: net.kroneckerSparsity,
        });
      }
    }
  });

  it('reports per-layer nonzeros, fan-in and fan-out', () => {
    const net = radixNet('10,10/10', LENET);
    expect(net.N).to.equal(100);
    expect(net.layerStats[0]).to.deep.equal({
      nIn: 784,
      nOut: 300,
      nnz: 23520,
      sparsity: 0.9,
      fanIn: { min: 70, max: 80 },
      fanOut: { min: 30, max: 30 },
    });
    // the last layer keeps outputs 0..9, which read only inputs 0..18
    expect(net.layerStats[2].fanOut).to.deep.equal({ min: 0, max: 10 });
  });

  it('rejects Kronecker widths that are too small, too few or not positive integers', () => {
    expect(() => radixNet('10,10/10', LENET, { kron: [8, 2, 1, 1] })).to.throw(
      InputError,
      /Kronecker width B_1 = 2 is too small: B_1 \* N = 200 < n_1 = 300; use B_1 >= 3/,
    );
    expect(() => radixNet('10,10/10', LENET, { kron: [8, 3, 1] })).to.throw(
      InputError,
      /got 3 Kronecker widths but 4 layer sizes.*default is 8,3,1,1/,
    );
    expect(() => radixNet('10,10/10', LENET, { kron: [8, 3, 1.5, 1] })).to.throw(
      InputError,
      /Kronecker width B_2 is 1.5/,
    );
  });

  it('rejects layer sizes that are not positive integers', () => {
    expect(() => radixNet('10,10/10', [784, 0, 100, 10])).to.throw(InputError, /layer size n_1 is 0/);
    expect(() => radixNet('10', [784])).to.throw(InputError, /at least two layer sizes/);
  });

  it('builds [[256,256],[256]] on four layers of 65536 compressed, in bounded memory and time', function () {
    this.timeout(30000);
    const n = 65536;
    const start = performance.now();
    const net = radixNet([[256, 256], [256]], [n, n, n, n]);
    const seconds = (performance.now() - start) / 1000;
    expect(seconds).to.be.below(10);
    let bytes = 0;
    net.masks.forEach((mask, l) => {
      expect(mask.nnz).to.equal(n * 256);
      expect(mask.fanIn).to.deep.equal({ min: 256, max: 256, mean: 256 });
      expect(net.layerStats[l].fanOut).to.deep.equal({ min: 256, max: 256 });
      bytes += mask.rowPtr.byteLength + mask.colIdx.byteLength;
      const unit = net.unitLayers[l];
      for (const c of [0, 1, 255, 256, 40000, n - 1]) {
        const inputs = [...mask.inputsOf(c)];
        expect(inputs.every((i, k) => k === 0 || i > inputs[k - 1])).to.equal(true);
        expect(inputs.every((i) => unit.has(i, c))).to.equal(true);
      }
    });
    // 4 bytes per connection and per row pointer: ~192 MiB, against 12 GiB for the dense masks
    expect(bytes).to.equal(3 * 4 * (n * 256 + n + 1));
    expect(net.sparsity).to.equal(1 - 256 / n);
    expect(() => net.masks[0].toDense()).to.throw(InputError, /keep masks this large in compressed form/);
  });
});

describe('SparseMask', () => {
  const dense = [1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1]; // 4 inputs x 3 outputs, output 1 has no input

  it('converts dense to CSR over outputs and back', () => {
    const mask = SparseMask.fromDense(dense, 4, 3);
    expect([...mask.rowPtr]).to.deep.equal([0, 2, 2, 5]);
    expect([...mask.colIdx]).to.deep.equal([0, 2, 0, 1, 3]);
    expect([...mask.toDense()]).to.deep.equal(dense);
    expect(mask.nnz).to.equal(5);
    expect(mask.density).to.equal(5 / 12);
  });

  it('counts fan-in per output and fan-out per input, empty rows included', () => {
    const mask = SparseMask.fromDense(dense, 4, 3);
    expect(mask.fanIn).to.deep.equal({ min: 0, max: 3, mean: 5 / 3 });
    expect(mask.fanOut).to.deep.equal({ min: 1, max: 2, mean: 5 / 4 });
  });

  it('builds the full mask of a dense layer', () => {
    const full = SparseMask.full(3, 2);
    expect([...full.toDense()]).to.deep.equal([1, 1, 1, 1, 1, 1]);
    expect(full.density).to.equal(1);
    expect(full.equals(SparseMask.fromDense([1, 1, 1, 1, 1, 1], 3, 2))).to.equal(true);
  });

  it('compares and hashes by content and shape', () => {
    const a = SparseMask.fromDense(dense, 4, 3);
    const b = SparseMask.fromDense([...dense], 4, 3);
    const c = SparseMask.fromDense(
      dense.map((v, k) => (k === 1 ? 1 : v)),
      4,
      3,
    );
    const d = SparseMask.fromDense(dense, 3, 4);
    expect(a.equals(b)).to.equal(true);
    expect(a.hash()).to.equal(b.hash());
    expect(a.equals(c)).to.equal(false);
    expect(a.hash()).not.to.equal(c.hash());
    expect(a.equals(d)).to.equal(false);
    expect(a.hash()).not.to.equal(d.hash());
  });

  it('rejects values other than 0 and 1, wrong lengths and malformed CSR', () => {
    expect(() => SparseMask.fromDense([1, 2, 0, 0], 2, 2)).to.throw(
      InputError,
      /input 0, output 1 is 2; a mask holds only 0 and 1/,
    );
    expect(() => SparseMask.fromDense([1, 0, 0], 2, 2)).to.throw(InputError, /needs 4 values, got 3/);
    expect(() => new SparseMask(3, 1, new Int32Array([0, 2]), new Int32Array([2, 1]))).to.throw(
      InputError,
      /strictly ascending/,
    );
    expect(() => new SparseMask(3, 1, new Int32Array([0, 1]), new Int32Array([3]))).to.throw(InputError, /in \[0, 3\)/);
    expect(() => new SparseMask(3, 2, new Int32Array([0, 1]), new Int32Array([0]))).to.throw(
      InputError,
      /needs nOut \+ 1 = 3/,
    );
  });
});
