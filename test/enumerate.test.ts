import { expect } from 'chai';
import { InputError } from '../src/errors.js';
import {
  parseFactors,
  radixNet,
  radixNetSparsity,
  type RadixList,
  simpleFamily,
  type SparseMask,
  validateRadixList,
  validPermutations,
} from '../src/topology/index.js';

const LENET = [784, 300, 100, 10];
const ONE_TO_TEN = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

/**
 * The valid 3-radix lists over `factors`, by the four cuts of a, b, c and the rules of docs/radixnet.md section 1,
 * spelled out.
 */
function bruteValidLists(factors: number[]): string[] {
  const out: string[] = [];
  for (const a of factors) {
    for (const b of factors) {
      for (const c of factors) {
        out.push(`${a},${b},${c}`); // one sublist: its product is N, which it divides
        if (a % (b * c) === 0) out.push(`${a}/${b},${c}`);
        if ((a * b) % c === 0) out.push(`${a},${b}/${c}`);
        if (b === a && a % c === 0) out.push(`${a}/${b}/${c}`);
      }
    }
  }
  return out;
}

/** Number of distinct mask sets, found by building every network and comparing masks by hash, then equals. */
function distinctByMasks(lists: RadixList[], layers: number[]): { count: number; groupOf: number[] } {
  const buckets = new Map<string, { masks: SparseMask[]; id: number }[]>();
  let count = 0;
  const groupOf = lists.map((list) => {
    const masks = radixNet(list, layers).masks;
    const hash = masks.map((m) => m.hash()).join(':');
    const bucket = buckets.get(hash) ?? [];
    buckets.set(hash, bucket);
    let found = bucket.find((g) => g.masks.every((m, l) => m.equals(masks[l])));
    if (!found) bucket.push((found = { masks, id: count++ }));
    return found.id;
  });
  return { count, groupOf };
}

describe('valid permutations of factors', () => {
  it('finds exactly the lists that the rules of docs/radixnet.md section 1 allow, for factors 1..10 on LeNet-300-100', () => {
    const { lists } = validPermutations(ONE_TO_TEN, LENET);
    expect(lists.map((x) => x.text).sort()).to.deep.equal(bruteValidLists(ONE_TO_TEN).sort());
    expect(lists.length).to.equal(1517);
  });

  it('reports every list valid, with the sparsities of the built network', () => {
    const { lists } = validPermutations([2, 3, 5, 10], LENET);
    for (const x of lists) {
      expect(() => validateRadixList(x.radices, 3)).not.to.throw();
      const net = radixNet(x.radices, LENET);
      expect([x.sparsity, x.kroneckerSparsity]).to.deep.equal([net.sparsity, net.kroneckerSparsity]);
    }
  });

  it('counts distinct topologies exactly as distinct built mask sets, for factors 1..10 on LeNet-300-100', () => {
    const { lists, distinctTopologies } = validPermutations(ONE_TO_TEN, LENET);
    const byMasks = distinctByMasks(
      lists.map((x) => x.radices),
      LENET,
    );
    expect(distinctTopologies).to.equal(byMasks.count);
    // same partition: topology ids and mask groups are both numbered by first appearance
    expect(lists.map((x) => x.topology)).to.deep.equal(byMasks.groupOf);
    expect(distinctTopologies).to.equal(1367);
  });

  it('merges lists with different N whose trimmed masks are the same', () => {
    // N = 1000 and N = 900 differ only in offsets that no (input, output) pair of LeNet-300-100 reaches
    const { lists } = validPermutations(ONE_TO_TEN, LENET);
    const topologyOf = (text: string): number => lists.find((x) => x.text === text)!.topology;
    expect(topologyOf('10,10,10')).to.equal(topologyOf('10,10,9'));
    expect(topologyOf('10,10,10')).not.to.equal(topologyOf('10,10/10'));
    const a = radixNet('10,10,10', LENET).masks;
    const b = radixNet('10,10,9', LENET).masks;
    expect(a.every((m, l) => m.equals(b[l]))).to.equal(true);
  });

  it('counts distinct topologies exactly when N exceeds every layer size', () => {
    const layers = [60, 30, 20, 10];
    const { lists, distinctTopologies } = validPermutations(ONE_TO_TEN, layers);
    const byMasks = distinctByMasks(
      lists.map((x) => x.radices),
      layers,
    );
    expect(lists.map((x) => x.topology)).to.deep.equal(byMasks.groupOf);
    expect(distinctTopologies).to.equal(byMasks.count);
  });

  it('cuts sequences every way, in binary order of the cut pattern, for any number of layers', () => {
    const { lists } = validPermutations([2], [8, 8, 8, 8, 8]);
    // of the 8 cuts of 2,2,2,2 only these keep every earlier sublist at N and the last one dividing N
    expect(lists.map((x) => x.text)).to.deep.equal(['2,2,2,2', '2,2/2,2', '2,2,2/2', '2/2/2/2']);
  });

  it('enumerates factors 1..10 on LeNet-300-100 in well under a second', () => {
    validPermutations(ONE_TO_TEN, LENET); // warm up the JIT
    const start = performance.now();
    validPermutations(ONE_TO_TEN, LENET);
    expect(performance.now() - start).to.be.below(1000);
  });

  it('rejects an empty factor set and non-integer factors', () => {
    expect(() => validPermutations([], LENET)).to.throw(InputError, /factor set is empty/);
    expect(() => validPermutations([2, 0.5], LENET)).to.throw(InputError, /factor 0.5 is not a whole number/);
  });
});

describe('factor sets', () => {
  it('parses ranges and lists', () => {
    expect(parseFactors('1..10')).to.deep.equal(ONE_TO_TEN);
    expect(parseFactors(' 3 .. 5 ')).to.deep.equal([3, 4, 5]);
    expect(parseFactors('2,3,5')).to.deep.equal([2, 3, 5]);
  });

  it('rejects empty ranges, zero and words', () => {
    expect(() => parseFactors('5..2')).to.throw(InputError, /factor range '5..2' is empty/);
    expect(() => parseFactors('0..3')).to.throw(InputError, /starts below 1/);
    expect(() => parseFactors('2,x')).to.throw(InputError, /factor 'x' in '2,x' is not a positive whole number/);
    expect(() => parseFactors('2,0')).to.throw(InputError, /factor '0'/);
  });
});

describe('the simple family of the strange-model study', () => {
  const family = simpleFamily({ max: 15, minKroneckerSparsity: 0.9, layers: LENET });

  it('keeps 426 models with kronecker sparsity >= 0.9, as the paper did', () => {
    expect(family.models.length).to.equal(426);
    expect(family.models.every((m) => m.kroneckerSparsity >= 0.9)).to.equal(true);
  });

  it('generates every [[i,j],[k]] with k dividing i*j and keys them by kronecker sparsity', () => {
    let candidates = 0;
    const values = new Set<number>();
    for (let i = 1; i <= 15; i++) {
      for (let j = 1; j <= 15; j++) {
        for (let k = 1; k <= i * j; k++) {
          if ((i * j) % k !== 0) continue;
          candidates++;
          // kronecker sparsity from its definition: B_l * B_{l+1} * N * r_l ones in (B_l N) x (B_{l+1} N)
          const n = i * j;
          const b = LENET.map((size) => Math.ceil(size / n));
          const r = [i, j, k];
          const ones = r.reduce((s, rl, l) => s + b[l] * b[l + 1] * n * rl, 0);
          const size = r.reduce((s, _, l) => s + b[l] * n * b[l + 1] * n, 0);
          values.add(1 - ones / size);
        }
      }
    }
    expect(family.candidates).to.equal(candidates);
    expect(family.distinct).to.equal(values.size);
    expect(family.models.map((m) => m.kroneckerSparsity)).to.deep.equal(
      [...values].filter((v) => v >= 0.9).sort((a, b) => a - b),
    );
  });

  it("keeps the last list for each value, matching the suite's recorded strange models by index", () => {
    // index - kronecker sparsity - radix list - B, from the suite's smodels.txt (its models sorted by sparsity)
    const suite: [number, number, RadixList, number[]][] = [
      [17, 0.9019323671497584, [[9, 10], [1]], [9, 4, 2, 1]],
      [34, 0.9032142857142857, [[10, 10], [1]], [8, 3, 1, 1]],
      [70, 0.9053333333333333, [[12, 10], [2]], [7, 3, 1, 1]],
      [137, 0.9107142857142857, [[10, 11], [2]], [8, 3, 1, 1]],
      [214, 0.916005291005291, [[9, 12], [2]], [8, 3, 1, 1]],
      [337, 0.926530612244898, [[7, 15], [3]], [8, 3, 1, 1]],
      [407, 0.9346011131725418, [[14, 14], [1]], [4, 2, 1, 1]],
      [425, 0.938989898989899, [[15, 15], [1]], [4, 2, 1, 1]],
    ];
    for (const [index, sparsity, radices, kron] of suite) {
      const m = family.models[index];
      expect([m.kroneckerSparsity, m.radices, m.kron], `model ${index}`).to.deep.equal([sparsity, radices, kron]);
    }
  });

  it('gives each model the sparsities of its network', () => {
    for (const m of family.models.filter((_, k) => k % 25 === 0)) {
      const s = radixNetSparsity(m.radices, LENET);
      expect([m.sparsity, m.kroneckerSparsity]).to.deep.equal([s.sparsity, s.kroneckerSparsity]);
    }
  });

  it('needs four layer sizes and a sensible --max', () => {
    expect(() => simpleFamily({ layers: [784, 300, 10] })).to.throw(InputError, /needs 4 layer sizes, got 3/);
    expect(() => simpleFamily({ max: 0 })).to.throw(InputError, /largest radix --max is 0/);
  });
});
