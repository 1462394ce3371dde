// Inputs of the Sparse DNN Graph Challenge, made from MNIST (docs/graph-challenge.md): each 28 x 28 image resized to
// s x s (s = sqrt(N)) by bilinear interpolation between pixel centres, then binarised (pixel > 0.5 -> 1), so a
// layer of N neurons reads one image with about 10-20% of its pixels on. The official inputs were made the same way
// in spirit; their exact resampling and threshold are not published with the files, so their pixels can differ.

/** One input row: its 0-based index among the inputs and its nonzero neurons (ascending, 0-based) with values. */
export interface SparseImage {
  row: number;
  cols: Int32Array;
  vals: Float32Array;
}

/** The side of the square image a layer of `neurons` reads; throws unless `neurons` is a square. */
export function imageSide(neurons: number): number {
  const s = Math.round(Math.sqrt(neurons));
  if (s * s !== neurons) throw new RangeError(`challenge inputs need a square neuron count, got ${neurons}`);
  return s;
}

/**
 * Image `index` of `images` (row-major, `height` x `width` values in [0, 1]) resized to side x side and binarised:
 * the nonzero pixels, row-major, as a SparseImage of value 1.
 */
export function binarisedImage(
  images: Float32Array,
  index: number,
  height: number,
  width: number,
  side: number,
): SparseImage {
  const base = index * height * width;
  const cols: number[] = [];
  const sy = height / side;
  const sx = width / side;
  for (let v = 0; v < side; v++) {
    // the source coordinate of this pixel's centre, clamped to the outer pixel centres
    const y = Math.min(height - 1, Math.max(0, (v + 0.5) * sy - 0.5));
    const y0 = Math.floor(y);
    const y1 = Math.min(height - 1, y0 + 1);
    const fy = y - y0;
    for (let u = 0; u < side; u++) {
      const x = Math.min(width - 1, Math.max(0, (u + 0.5) * sx - 0.5));
      const x0 = Math.floor(x);
      const x1 = Math.min(width - 1, x0 + 1);
      const fx = x - x0;
      const top = images[base + y0 * width + x0] * (1 - fx) + images[base + y0 * width + x1] * fx;
      const bottom = images[base + y1 * width + x0] * (1 - fx) + images[base + y1 * width + x1] * fx;
      if (top * (1 - fy) + bottom * fy > 0.5) cols.push(v * side + u);
    }
  }
  return { row: index, cols: Int32Array.from(cols), vals: new Float32Array(cols.length).fill(1) };
}

/** Images [from, to) of an MNIST split (28 x 28) as challenge inputs of `neurons` pixels, made one at a time. */
export function* mnistChallengeImages(
  images: Float32Array,
  neurons: number,
  from: number,
  to: number,
): Generator<SparseImage> {
  const side = imageSide(neurons);
  for (let i = from; i < to; i++) yield binarisedImage(images, i, 28, 28, side);
}
