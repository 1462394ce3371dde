// Test data shared by the kernel test files: a seeded PRNG, buffers in the ABI's layouts, and masks built directly
// from a connection predicate (independent of src/topology, so kernel tests do not trust the code they feed).

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
export type Rng = () => number;

/** The value of elements a kernel call must not write. */
export const SENTINEL = -777.25;

export function uniform(rng: Rng, n: number, lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng());
}

/** (rows, ldb) activations with the first `real` columns random and the rest zero (the ABI's batch padding). */
export function activations(rng: Rng, rows: number, ldb: number, real: number): Float32Array {
  const v = new Float32Array(rows * ldb);
  for (let r = 0; r < rows; r++) for (let b = 0; b < real; b++) v[r * ldb + b] = 2 * rng() - 1;
  return v;
}

/** A mask as CSR over outputs: output o reads input i when has(o, i), inputs ascending. */
export interface Csr {
  nIn: number;
  nOut: number;
  rowPtr: Int32Array;
  colIdx: Int32Array;
}

export function csr(nIn: number, nOut: number, has: (o: number, i: number) => boolean): Csr {
  const rowPtr = new Int32Array(nOut + 1);
  const cols: number[] = [];
  for (let o = 0; o < nOut; o++) {
    for (let i = 0; i < nIn; i++) if (has(o, i)) cols.push(i);
    rowPtr[o + 1] = cols.length;
  }
  return { nIn, nOut, rowPtr, colIdx: Int32Array.from(cols) };
}

/** RadiX-Net-like connectivity (N = 100, radix 10, place value p): input i feeds output o when (i - o) mod 100 = j p, j < 10. */
export function radixLike(o: number, i: number, p: number): boolean {
  const d = (((i - o) % 100) + 100) % 100;
  return d % p === 0 && d / p < 10;
}
