// The one seeded random number generator of the project: data shuffles, batch order and weight init all draw from
// it, so a seed reproduces a run bit for bit on every platform (Math.random cannot be seeded).
// xoshiro128** (Blackman & Vigna, 2018): 128-bit state, period 2^128 - 1, passes BigCrush, and needs only 32-bit
// integer ops, which JavaScript does exactly with Math.imul and `>>> 0`.
import { InputError } from './errors.js';

/**
 * The seed of every seeded draw when none is given: weight init, batch order, random masks, and the paper protocol's
 * runs. One constant, so that leaving the seed out anywhere reproduces the same run.
 */
export const DEFAULT_SEED = 100;

const TWO_POW_32 = 4294967296;
const INV_TWO_POW_32 = 1 / TWO_POW_32;

/** A seeded PRNG (xoshiro128**). Same seed, same sequence, on every platform. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** Box–Muller makes normals in pairs; the second one waits here (NaN when none). */
  private spare = NaN;

  /** @param seed any safe integer (negative too); equal seeds give equal streams. A bad seed is an InputError (it comes from --seed). */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new InputError(`random seed must be an integer between -(2^53-1) and 2^53-1, got ${seed}`);
    }
    // A splitmix32-style hash spreads the seed over the whole state, so seeds 0, 1, 2 give unrelated streams. The low
    // 32 bits of the seed pick a and b, the high bits c and d: the hash is a bijection, so distinct seeds never share
    // a state.
    let s = 0;
    const split = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    s = seed | 0;
    this.a = split();
    this.b = split();
    s = Math.floor(seed / TWO_POW_32) ^ 0x6a09e667;
    this.c = split();
    this.d = split();
    // xoshiro must never be in the all-zero state.
    if ((this.a | this.b | this.c | this.d) === 0) this.d = 1;
  }

  /** A generator that continues from a saved `state()` (4 words); for checkpoints and reference tests. */
  static fromState(state: ArrayLike<number>): Rng {
    if (state.length !== 4 || ![0, 1, 2, 3].some((i) => state[i] !== 0)) {
      throw new RangeError(`Rng.fromState: need 4 uint32 words, not all zero, got [${Array.from(state).join(', ')}]`);
    }
    const rng = new Rng(0);
    rng.a = state[0] >>> 0;
    rng.b = state[1] >>> 0;
    rng.c = state[2] >>> 0;
    rng.d = state[3] >>> 0;
    return rng;
  }

  /** The generator's 4-word state (a cached Box–Muller spare is not part of it). */
  state(): Uint32Array {
    return Uint32Array.of(this.a, this.b, this.c, this.d);
  }

  /** The next 32 random bits as an unsigned integer in [0, 2^32). */
  nextUint32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** Uniform in [0, 1), in steps of 2^-32 (never exactly 1). */
  next(): number {
    return this.nextUint32() * INV_TWO_POW_32;
  }

  /** Uniform integer in [0, n), exactly unbiased (rejection sampling); n an integer in [1, 2^32]. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new RangeError(`Rng.int(n): n must be an integer in [1, 2^32], got ${n}`);
    }
    // Accept only draws below the largest multiple of n, so every residue is equally likely.
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let u = this.nextUint32();
    while (u >= limit) u = this.nextUint32();
    return modulo(u, n);
  }

  /** Standard normal (mean 0, std 1) by Box–Muller; consecutive calls use both values of each pair. */
  normal(): number {
    const spare = this.spare;
    if (spare === spare) {
      this.spare = NaN;
      return spare;
    }
    // 1 - next() lies in (0, 1], so the log is finite.
    const r = Math.sqrt(-2 * Math.log(1 - this.next()));
    const theta = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Fills `out` with normal(mean, std) values (weight init: Keras `random_normal` is mean 0, std 0.05); returns it. */
  fillNormal<T extends Float32Array | Float64Array>(out: T, mean = 0, std = 1): T {
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** Shuffles `a` in place (Fisher–Yates, every permutation equally likely) and returns it. */
  shuffle<T extends Int32Array | Uint32Array | Float32Array | Float64Array | number[]>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** A uniformly random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}

/**
 * u mod n for integers 0 <= u < 2^32 and 1 <= n <= 2^32, exactly: floor(u / n) of the rounded quotient is the true
 * one (u / n is at least 1/n from the next integer, more than the rounding error u / n * 2^-53), and V8 turns it into
 * a float division where `u % n` of a u above 2^31 calls a slower fmod.
 */
function modulo(u: number, n: number): number {
  return u - Math.floor(u / n) * n;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
