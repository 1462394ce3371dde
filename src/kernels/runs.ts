// Run compression of a CSR mask for the run kernels (assembly/spmm_runs.ts): each output row's sorted input indices
// as maximal runs (start, count, stride) of constant stride, so a RadiX-Net row of 78 nonzeros becomes ~8 runs and
// the kernels step a row pointer instead of loading an index per nonzero. Weights keep CSR order: run r of row o
// covers the next `count` weights of that row.

/** Runs of a CSR mask: runs[3r..3r+2] = (start input, count, stride) of run r; row o has runs [runPtr[o], runPtr[o+1]). */
export interface CsrRuns {
  runPtr: Int32Array;
  runs: Int32Array;
}

/**
 * Greedy left-to-right runs per row: a run takes the stride of its first two indices and extends while the stride
 * holds, so a row's nonzeros k = rowPtr[o] .. rowPtr[o+1]-1 are exactly start + j * stride of its runs in order.
 * A lone index is a run of count 1 (stride 1, never used).
 */
export function csrRuns(rowPtr: Int32Array, colIdx: Int32Array): CsrRuns {
  const nOut = rowPtr.length - 1;
  const runPtr = new Int32Array(nOut + 1);
  const out: number[] = [];
  for (let o = 0; o < nOut; o++) {
    const end = rowPtr[o + 1];
    let k = rowPtr[o];
    while (k < end) {
      const start = colIdx[k];
      if (k + 1 === end) {
        out.push(start, 1, 1);
        k++;
        continue;
      }
      const stride = colIdx[k + 1] - start;
      let j = k + 1;
      while (j + 1 < end && colIdx[j + 1] - colIdx[j] === stride) j++;
      out.push(start, j - k + 1, stride);
      k = j + 1;
    }
    runPtr[o + 1] = out.length / 3;
  }
  return { runPtr, runs: Int32Array.from(out) };
}

/** The CSR column indices the runs stand for (row by row), to check a derivation round-trips. */
export function runsToColIdx(runPtr: Int32Array, runs: Int32Array): Int32Array {
  const cols: number[] = [];
  for (let r = 0; r < runPtr[runPtr.length - 1]; r++) {
    for (let j = 0; j < runs[3 * r + 1]; j++) cols.push(runs[3 * r] + j * runs[3 * r + 2]);
  }
  return Int32Array.from(cols);
}

/** Mean nonzeros per run (0 for an empty mask): how much index work the run kernels save. */
export function meanRunLength(r: CsrRuns, nnz: number): number {
  const n = r.runPtr[r.runPtr.length - 1];
  return n === 0 ? 0 : nnz / n;
}

/**
 * Outputs paired for the pair kernels (spmm_pair_fwd, spmm_pair_bwd_w): two outputs whose rows have the same input
 * indices (RadiX-Net's Kronecker copies o, o + N, ...) share each input load. Rows are grouped by their index list and
 * paired in output order within a group; a group's odd one out, and every row alike no other, is an entry (o, -1).
 * Entries come group by group (groups in order of their first output), so that a group's odd one follows its pairs:
 * RadiX-Net layer 0 (o, o + 100, o + 200 alike) gives (0, 100), (200, -1), (1, 101), (201, -1), ..., so every chunk
 * of entries mixes cheap pairs and single rows alike (pairs first, then all singles, left a 2-thread split with one
 * thread on the slower singles), and the rows one entry after another read the same inputs, still in L1.
 * `work` is the prefix sum of nonzeros per entry, for splitting entries across threads by work (splitByPrefix).
 */
export function outputPairs(
  rowPtr: Int32Array,
  colIdx: Int32Array,
): { pairs: Int32Array; entries: number; paired: number; work: Int32Array } {
  const nOut = rowPtr.length - 1;
  // rows bucketed by a hash of their indices (no per-row strings: masks can have millions of nonzeros), each bucket
  // holding the groups of exactly equal rows; groups listed in order of their first output
  const buckets = new Map<number, number[][]>();
  const groups: number[][] = [];
  const sameRow = (a: number, b: number): boolean => {
    const n = rowPtr[a + 1] - rowPtr[a];
    if (rowPtr[b + 1] - rowPtr[b] !== n) return false;
    for (let j = 0; j < n; j++) if (colIdx[rowPtr[a] + j] !== colIdx[rowPtr[b] + j]) return false;
    return true;
  };
  for (let o = 0; o < nOut; o++) {
    let h = rowPtr[o + 1] - rowPtr[o];
    for (let k = rowPtr[o]; k < rowPtr[o + 1]; k++) h = Math.imul(h ^ colIdx[k], 0x01000193);
    const bucket = buckets.get(h);
    const g = bucket?.find((c) => sameRow(c[0], o));
    if (g) g.push(o);
    else {
      const fresh = [o];
      groups.push(fresh);
      if (bucket) bucket.push(fresh);
      else buckets.set(h, [fresh]);
    }
  }
  const pairs: number[] = [];
  const work: number[] = [0];
  let paired = 0;
  for (const g of groups) {
    const nnz = rowPtr[g[0] + 1] - rowPtr[g[0]];
    for (let j = 0; j < g.length; j += 2) {
      const o2 = j + 1 < g.length ? g[j + 1] : -1;
      pairs.push(g[j], o2);
      work.push(work[work.length - 1] + (o2 < 0 ? nnz : 2 * nnz));
      if (o2 >= 0) paired += 2;
    }
  }
  return { pairs: Int32Array.from(pairs), entries: pairs.length / 2, paired, work: Int32Array.from(work) };
}
