// A plain float64 reference for Graph Challenge inference, written apart from the kernels: one input at a time, as a
// dense vector, every layer as the definition says (Z = Y W; where Z is nonzero, Y = min(max(Z + b, 0), ymax)).
// Slow and obvious on purpose; tests compare the kernels' categories with it.

export interface RefLayer {
  neurons: number;
  /** CSR over outputs: output j reads inputs idx[ptr[j]..ptr[j+1]) with weights w. */
  ptr: Int32Array;
  idx: Int32Array;
  w: Float32Array;
}

export interface RefImage {
  row: number;
  cols: Int32Array;
  vals: Float32Array;
}

/** The final activations of one input (float64). */
export function referenceForward(layers: readonly RefLayer[], image: RefImage, bias: number, ymax = 32): Float64Array {
  const n = layers[0].neurons;
  let y = new Float64Array(n);
  for (let k = 0; k < image.cols.length; k++) y[image.cols[k]] = image.vals[k];
  for (const layer of layers) {
    const z = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = layer.ptr[j]; k < layer.ptr[j + 1]; k++) s += layer.w[k] * y[layer.idx[k]];
      z[j] = s === 0 ? 0 : Math.min(Math.max(s + bias, 0), ymax);
    }
    y = z;
    if (!y.some((v) => v !== 0)) break; // a dead input stays dead
  }
  return y;
}

/** The categories (0-based rows with any nonzero at the end), ascending. */
export function referenceCategories(
  layers: readonly RefLayer[],
  images: Iterable<RefImage>,
  bias: number,
  ymax = 32,
): number[] {
  const out: number[] = [];
  for (const im of images) if (referenceForward(layers, im, bias, ymax).some((v) => v !== 0)) out.push(im.row);
  return out.sort((a, b) => a - b);
}
