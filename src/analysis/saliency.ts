// Input saliency of a model's first layer (the paper's Fig. 7): how much weight leaves each input pixel, and numbers
// that make "the pruned model looks at the digit's centre, the RadiX-Net at every pixel" checkable rather than visual.
import { InputError } from '../errors.js';

/** Saliency of every input: sum over outputs of |w[i, o]| of the first layer, as `height` rows of `width`. */
export interface SaliencyMap {
  height: number;
  width: number;
  /** Row-major, length height * width: pixel (r, c) is values[r * width + c]. */
  values: number[];
}

/**
 * Per input i of a first-layer kernel [nIn, nOut] (input-major, index i * nOut + o): sum_o |w[i, o]|, laid out as an
 * image of `height` x `width` (default 28 x 28, MNIST; nIn must equal height * width).
 */
export function saliency(
  kernel: ArrayLike<number>,
  shape: readonly [number, number],
  image: readonly [number, number] = [28, 28],
): SaliencyMap {
  const [nIn, nOut] = shape;
  const [height, width] = image;
  if (!Number.isInteger(nIn) || !Number.isInteger(nOut) || nIn < 1 || nOut < 1) {
    throw new InputError(`saliency: shape must be [nIn, nOut] with whole numbers >= 1, got [${shape.join(', ')}]`);
  }
  if (kernel.length !== nIn * nOut)
    throw new InputError(
      `saliency: the kernel has ${kernel.length} values but shape [${nIn}, ${nOut}] needs ${nIn * nOut}`,
    );
  if (height * width !== nIn)
    throw new InputError(
      `saliency: an image of ${height} x ${width} has ${height * width} pixels but the layer has ${nIn} inputs`,
    );
  const values = new Array<number>(nIn).fill(0);
  for (let i = 0; i < nIn; i++) {
    let s = 0;
    for (let o = 0; o < nOut; o++) s += Math.abs(kernel[i * nOut + o]);
    if (!Number.isFinite(s))
      throw new InputError(`saliency: input ${i} has non-finite weights; the model diverged or was damaged`);
    values[i] = s;
  }
  return { height, width, values };
}

/** Saliency mass in one ring of distances from the image centre. */
export interface SaliencyRing {
  /** Distances from the centre, in pixels: inner <= d < outer. */
  inner: number;
  outer: number;
  pixels: number;
  /** Fraction of the total saliency in this ring. */
  massFraction: number;
  /** Mean saliency of the ring's pixels. */
  mean: number;
}

export interface SaliencyStats {
  /** Fraction of pixels whose saliency is exactly 0 (no nonzero outgoing weight). */
  deadFraction: number;
  /** Coefficient of variation over pixels: population standard deviation / mean (0 when the mean is 0). */
  cv: number;
  total: number;
  /** Rings of `ringWidth` pixels around the centre ((height-1)/2, (width-1)/2), each pixel by its centre's distance. */
  rings: SaliencyRing[];
  /** Smallest ring outer radius holding at least half the mass. */
  halfMassRadius: number;
}

/** The numbers behind Fig. 7's visual claim: dead pixels, spread (CV), and mass by distance from the centre. */
export function saliencyStats(map: SaliencyMap, ringWidth = 2): SaliencyStats {
  if (!(ringWidth > 0 && Number.isFinite(ringWidth)))
    throw new InputError(`saliency ring width is ${ringWidth}; give a positive number of pixels`);
  const { height, width, values } = map;
  const n = values.length;
  let total = 0;
  let dead = 0;
  for (const v of values) {
    total += v;
    if (v === 0) dead++;
  }
  const mean = total / n;
  let sq = 0;
  for (const v of values) sq += (v - mean) ** 2;
  const cv = mean === 0 ? 0 : Math.sqrt(sq / n) / mean;
  const cy = (height - 1) / 2;
  const cx = (width - 1) / 2;
  const maxDist = Math.hypot(cy, cx);
  const count = Math.floor(maxDist / ringWidth) + 1;
  const mass = new Array<number>(count).fill(0);
  const pixels = new Array<number>(count).fill(0);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const ring = Math.floor(Math.hypot(r - cy, c - cx) / ringWidth);
      mass[ring] += values[r * width + c];
      pixels[ring]++;
    }
  }
  const rings = mass.map((m, k) => ({
    inner: k * ringWidth,
    outer: (k + 1) * ringWidth,
    pixels: pixels[k],
    massFraction: total === 0 ? 0 : m / total,
    mean: pixels[k] === 0 ? 0 : m / pixels[k],
  }));
  let acc = 0;
  let halfMassRadius = rings[rings.length - 1].outer;
  for (const ring of rings) {
    acc += ring.massFraction;
    if (acc >= 0.5) {
      halfMassRadius = ring.outer;
      break;
    }
  }
  return { deadFraction: dead / n, cv, total, rings, halfMassRadius };
}
