// The compressed layouts the sparse kernels read (assembly/index.ts): a mask's CSR over outputs, and the CSC over
// inputs that the input-gradient kernel (spmm_bwd_x) walks.

/**
 * The CSC view of a CSR mask: for each input i, the outputs that read it (rowIdx) and where that weight sits in the
 * CSR-ordered weight array (wPos), so dX reads the same weights without a second copy to keep in sync.
 */
export function transposeCsr(
  rowPtr: Int32Array,
  colIdx: Int32Array,
  nIn: number,
): { colPtr: Int32Array; rowIdx: Int32Array; wPos: Int32Array } {
  const nOut = rowPtr.length - 1;
  const nnz = colIdx.length;
  const colPtr = new Int32Array(nIn + 1);
  for (let k = 0; k < nnz; k++) colPtr[colIdx[k] + 1]++;
  for (let i = 0; i < nIn; i++) colPtr[i + 1] += colPtr[i];
  const next = colPtr.slice(0, nIn);
  const rowIdx = new Int32Array(nnz);
  const wPos = new Int32Array(nnz);
  for (let o = 0; o < nOut; o++) {
    for (let k = rowPtr[o]; k < rowPtr[o + 1]; k++) {
      const at = next[colIdx[k]]++;
      rowIdx[at] = o;
      wPos[at] = k;
    }
  }
  return { colPtr, rowIdx, wPos };
}
