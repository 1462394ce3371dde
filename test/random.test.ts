import { expect } from 'chai';
import { InputError } from '../src/errors.js';
import { Rng } from '../src/random.js';

const N = 200_000;

describe('Rng', () => {
  it('matches the reference C xoshiro128** from state {1, 2, 3, 4}', () => {
    // Values from Vigna's xoshiro128starstar.c, compiled and run with s = {1, 2, 3, 4}.
    const rng = Rng.fromState([1, 2, 3, 4]);
    expect(Array.from({ length: 6 }, () => rng.nextUint32())).to.deep.equal([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492,
    ]);
    for (let i = 0; i < 994; i++) rng.nextUint32();
    expect(rng.nextUint32()).to.equal(136054147);
  });

  it('repeats the same stream for the same seed and differs for neighbouring seeds', () => {
    const draw = (seed: number) => {
      const r = new Rng(seed);
      return Array.from({ length: 8 }, () => r.nextUint32());
    };
    expect(draw(42)).to.deep.equal(draw(42));
    const streams = [0, 1, 2, -1, 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER].map((s) => draw(s).join());
    expect(new Set(streams).size).to.equal(streams.length);
  });

  it('restores a stream from its saved state', () => {
    const a = new Rng(9);
    a.next();
    const b = Rng.fromState(a.state());
    expect(Array.from({ length: 5 }, () => b.next())).to.deep.equal(Array.from({ length: 5 }, () => a.next()));
    expect(() => Rng.fromState([0, 0, 0, 0])).to.throw(RangeError, 'not all zero');
  });

  it('rejects seeds that are not safe integers', () => {
    expect(() => new Rng(1.5)).to.throw(InputError, 'got 1.5');
    expect(() => new Rng(NaN)).to.throw(InputError, 'got NaN');
  });

  it('next() stays in [0, 1) with mean 0.5 and variance 1/12 (within 5 standard errors)', () => {
    const r = new Rng(1);
    let sum = 0;
    let sq = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < N; i++) {
      const u = r.next();
      sum += u;
      sq += u * u;
      min = Math.min(min, u);
      max = Math.max(max, u);
    }
    const mean = sum / N;
    // The std of the mean of N uniforms is sqrt(1/12/N) = 6.5e-4 for N = 200000.
    expect(mean).to.be.closeTo(0.5, 5 * Math.sqrt(1 / 12 / N));
    expect(sq / N - mean * mean).to.be.closeTo(1 / 12, 0.002);
    expect(min).to.be.at.least(0).and.below(1e-3);
    expect(max)
      .to.be.below(1)
      .and.above(1 - 1e-3);
  });

  it('int(n) hits every value in [0, n) about equally often (chi-squared, 9 dof, p > 0.001)', () => {
    const r = new Rng(2);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < N; i++) counts[r.int(10)]++;
    const e = N / 10;
    const chi2 = counts.reduce((s, c) => s + ((c - e) * (c - e)) / e, 0);
    expect(chi2).to.be.below(27.88);
    expect(r.int(1)).to.equal(0);
    const big = r.int(2 ** 32);
    expect(Number.isInteger(big) && big >= 0 && big < 2 ** 32).to.equal(true);
    expect(() => r.int(0)).to.throw(RangeError, 'got 0');
    expect(() => r.int(2.5)).to.throw(RangeError, 'got 2.5');
  });

  it('normal() has mean 0 and std 1 (within 5 standard errors) and normal tails', () => {
    const r = new Rng(3);
    let sum = 0;
    let sq = 0;
    let beyond2 = 0;
    for (let i = 0; i < N; i++) {
      const z = r.normal();
      sum += z;
      sq += z * z;
      if (Math.abs(z) > 2) beyond2++;
    }
    const mean = sum / N;
    expect(mean).to.be.closeTo(0, 5 / Math.sqrt(N));
    // The std of the sample variance of N normals is sqrt(2/N) = 3.2e-3.
    expect(Math.sqrt(sq / N - mean * mean)).to.be.closeTo(1, 5 * Math.sqrt(2 / N));
    // P(|z| > 2) = 0.0455 for a normal.
    expect(beyond2 / N).to.be.closeTo(0.0455, 0.003);
  });

  it('fillNormal scales to the requested mean and std (weight init: std 0.05)', () => {
    const w = new Rng(4).fillNormal(new Float32Array(N), 0, 0.05);
    let sum = 0;
    let sq = 0;
    for (const v of w) {
      sum += v;
      sq += v * v;
    }
    expect(sum / N).to.be.closeTo(0, (5 * 0.05) / Math.sqrt(N));
    expect(Math.sqrt(sq / N)).to.be.closeTo(0.05, 0.05 * 5 * Math.sqrt(2 / N));
    expect(Array.from(new Rng(4).fillNormal(new Float32Array(4), 0, 0.05))).to.deep.equal(Array.from(w.subarray(0, 4)));
  });

  it('shuffle() returns a permutation, differs by seed, and puts each value in each slot about equally often', () => {
    const p = new Rng(5).permutation(1000);
    expect(Array.from(p).sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(p)).to.not.deep.equal(Array.from(new Rng(6).permutation(1000)));
    expect(Array.from(p)).to.deep.equal(Array.from(new Rng(5).permutation(1000)));
    // Where element 0 of [0..4] lands, over many shuffles: uniform over 5 slots (chi-squared, 4 dof, p > 0.001).
    const r = new Rng(7);
    const lands = new Array<number>(5).fill(0);
    const a = new Int32Array(5);
    const trials = 50_000;
    for (let t = 0; t < trials; t++) {
      for (let i = 0; i < 5; i++) a[i] = i;
      lands[r.shuffle(a).indexOf(0)]++;
    }
    const e = trials / 5;
    expect(lands.reduce((s, c) => s + ((c - e) * (c - e)) / e, 0)).to.be.below(18.47);
  });

  it('int() and shuffle() draw what rejection sampling and Fisher-Yates on nextUint32 with exact BigInt remainders draw', () => {
    // the reference: the definition, on a generator at the same state, with the remainder taken in BigInt
    const int = (r: Rng, n: number): number => {
      const limit = 2n ** 32n - (2n ** 32n % BigInt(n));
      let u = BigInt(r.nextUint32());
      while (u >= limit) u = BigInt(r.nextUint32());
      return Number(u % BigInt(n));
    };
    const r = new Rng(12);
    const ref = Rng.fromState(r.state());
    // n near 2^32 and 2^31 (remainders of draws above 2^31, rejections of up to half the draws), small and odd n
    for (const n of [1, 2, 3, 7, 54000, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 3 * 2 ** 30 + 5, 2 ** 32 - 1, 2 ** 32])
      for (let k = 0; k < 2000; k++) expect(r.int(n), `n ${n}`).to.equal(int(ref, n));
    for (const length of [0, 1, 2, 5, 1000, 54000]) {
      const a = Int32Array.from({ length }, (_, i) => i);
      const b = a.slice();
      r.shuffle(a);
      for (let i = b.length - 1; i > 0; i--) {
        const j = int(ref, i + 1);
        [b[i], b[j]] = [b[j], b[i]];
      }
      expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer)), `length ${length}`).to.equal(true);
    }
    // and the generators end in the same state
    expect(Array.from(r.state())).to.deep.equal(Array.from(ref.state()));
  });

  it('draws 10 million uniforms in well under a second', () => {
    const r = new Rng(8);
    const t = performance.now();
    let s = 0;
    for (let i = 0; i < 10_000_000; i++) s += r.next();
    const ms = performance.now() - t;
    expect(s).to.be.above(0);
    expect(ms).to.be.below(1000);
  });
});
