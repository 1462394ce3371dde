// What a run looks like where strangeness is decided: each output class, the last-hidden units feeding it, their
// weights to it, how active they are on training images, and the first step's gradients, recorded at the initial
// weights, after the first step and after every epoch. A class scored from one or two non-negative ReLU outputs
// without a bias (docs/strange-models.md) can only be predicted where those units fire and its weights win, so these
// are the numbers that could decide, per run, whether a class is lost.
import type { Mlp } from '../engine/mlp.js';
import type { SparseMask } from '../topology/mask.js';

/**
 * Training images (the first of the training split) the activities are measured on: the forward pass is plain
 * JavaScript over every connection, so the probe is kept small enough to cost well under an epoch.
 */
export const FEED_PROBE = 500;

/** Epoch ends recorded (the first only by default: what the per-run predictor reads "after a few steps"). */
export const FEED_EPOCHS = 1;

/** Per class c, per feeding unit k (units[c][k]): values at one point of training. */
export interface FeedSnapshot {
  /** Weight from the unit to the class. */
  w: number[][];
  /** Mean ReLU output of the unit over the probe images. */
  act: number[][];
  /** Fraction of probe images on which the unit fires (output > 0). */
  on: number[][];
}

/** Everything recorded about the feeding units of a run (record.data.feed). */
export interface FeedData {
  probe: number;
  /** Last-hidden units feeding each class, ascending. */
  units: number[][];
  init: FeedSnapshot;
  /** Gradient of the loss of the first batch with respect to each feeding weight. */
  firstGradient: number[][];
  /** After the first epochs (epochs[e] after epoch e + 1; FEED_EPOCHS of them unless the recorder was told otherwise). */
  epochs: FeedSnapshot[];
}

/** The last-hidden units feeding each output of the last weight layer (all of them when the layer is dense). */
export function feedingUnits(lastMask: SparseMask | null, nHidden: number, classes: number): number[][] {
  return Array.from({ length: classes }, (_, c) => {
    if (!lastMask) return Array.from({ length: nHidden }, (_, u) => u);
    return Array.from(lastMask.colIdx.subarray(lastMask.rowPtr[c], lastMask.rowPtr[c + 1])).sort((a, b) => a - b);
  });
}

/**
 * Mean ReLU output and firing fraction of every unit of the last hidden layer over `count` rows of x, computed in
 * float64 from the model's weights (nonzeros only, so sparse models cost their connections).
 */
export function lastHiddenActivity(
  weights: readonly { kernel: Float32Array; bias?: Float32Array }[],
  sizes: readonly number[],
  x: Float32Array,
  count: number,
): { mean: Float64Array; on: Float64Array } {
  const depth = sizes.length - 1;
  const last = depth - 1;
  // nonzero (in, out, w) triples per hidden weight layer
  const nz = weights.slice(0, last).map((w, l) => {
    const ins: number[] = [];
    const outs: number[] = [];
    const vals: number[] = [];
    const nOut = sizes[l + 1];
    for (let i = 0; i < sizes[l]; i++) {
      for (let o = 0; o < nOut; o++) {
        const v = w.kernel[i * nOut + o];
        if (v !== 0) {
          ins.push(i);
          outs.push(o);
          vals.push(v);
        }
      }
    }
    return { ins: Int32Array.from(ins), outs: Int32Array.from(outs), vals: Float64Array.from(vals) };
  });
  const mean = new Float64Array(sizes[last]);
  const on = new Float64Array(sizes[last]);
  for (let s = 0; s < count; s++) {
    let h: Float64Array = Float64Array.from(x.subarray(s * sizes[0], (s + 1) * sizes[0]));
    for (let l = 0; l < last; l++) {
      const z = new Float64Array(sizes[l + 1]);
      const b = weights[l].bias;
      if (b) for (let o = 0; o < z.length; o++) z[o] = b[o];
      const { ins, outs, vals } = nz[l];
      for (let k = 0; k < vals.length; k++) z[outs[k]] += h[ins[k]] * vals[k];
      for (let o = 0; o < z.length; o++) if (z[o] < 0) z[o] = 0;
      h = z;
    }
    for (let u = 0; u < h.length; u++) {
      mean[u] += h[u];
      if (h[u] > 0) on[u]++;
    }
  }
  for (let u = 0; u < mean.length; u++) {
    mean[u] /= count;
    on[u] /= count;
  }
  return { mean, on };
}

/** Records FeedData through trainMnist's `inspect` hook. */
export class FeedRecorder {
  private readonly units: number[][];
  private init: FeedSnapshot | null = null;
  private firstGradient: number[][] = [];
  private readonly epochs: FeedSnapshot[] = [];

  constructor(
    lastMask: SparseMask | null,
    sizes: readonly number[],
    readonly probe = FEED_PROBE,
    readonly maxEpochs = FEED_EPOCHS,
  ) {
    this.units = feedingUnits(lastMask, sizes[sizes.length - 2], sizes[sizes.length - 1]);
  }

  inspect(
    model: Mlp,
    point: { at: 'init' | 'first-step' | 'epoch-end' },
    train: { x: Float32Array; y: ArrayLike<number> },
  ): void {
    if (point.at === 'first-step') {
      const g = model.getGradients();
      this.firstGradient = this.perUnit(g[g.length - 1].kernel, model.classes);
      return;
    }
    if (point.at === 'epoch-end' && this.epochs.length >= this.maxEpochs) return;
    const weights = model.getWeights();
    const count = Math.min(this.probe, train.y.length);
    const { mean, on } = lastHiddenActivity(weights, model.sizes, train.x, count);
    const classes = model.classes;
    const snap: FeedSnapshot = {
      w: this.perUnit(weights[weights.length - 1].kernel, classes),
      act: this.units.map((us) => us.map((u) => mean[u])),
      on: this.units.map((us) => us.map((u) => on[u])),
    };
    if (point.at === 'init') this.init = snap;
    else this.epochs.push(snap);
  }

  /** The recorded data (after training). */
  data(): FeedData {
    if (!this.init) throw new Error('FeedRecorder.data() before the model was inspected at its initial weights');
    return {
      probe: this.probe,
      units: this.units,
      init: this.init,
      firstGradient: this.firstGradient,
      epochs: this.epochs,
    };
  }

  private perUnit(kernel: Float32Array, classes: number): number[][] {
    return this.units.map((us, c) => us.map((u) => kernel[u * classes + c]));
  }
}
