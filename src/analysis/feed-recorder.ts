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
export const FEED_PROBE = 1000;

/** Epoch ends recorded (the first only by default: what the per-run predictor reads "after a few steps"). */
export const FEED_EPOCHS = 1;

/**
 * Steps of the first epoch after which a snapshot is taken as well: the per-run predictor is scored as a function of
 * how far it may look into training (0 = the initial weights).
 */
export const FEED_STEPS = [1, 10, 50, 200] as const;

/**
 * Per class c on its own probe images (those labelled c), the mechanism's quantities: a class scored only through
 * its feeding units can win on its own images only where a feeding unit with a positive weight fires on them.
 */
export interface OwnClassView {
  /** Mean pre-activation of each feeding unit on the class's own images (units[c][k]). */
  zOwn: number[][];
  /** Fraction of the class's own images on which each feeding unit fires. */
  onOwn: number[][];
  /** Fraction of the class's own images the model (its output layer read from the probe's last hidden layer) labels c. */
  recall: number[];
  /** Mean over the class's own images of its logit minus the largest other logit. */
  margin: number[];
  /** Mean over the class's own images of the positive part of its logit's evidence: sum of w_k * relu(z_k) over w_k > 0. */
  drive: number[];
}

/** Per class c, per feeding unit k (units[c][k]): values at one point of training. */
export interface FeedSnapshot {
  /** Weight from the unit to the class. */
  w: number[][];
  /** Mean ReLU output of the unit over the probe images. */
  act: number[][];
  /** Fraction of probe images on which the unit fires (output > 0). */
  on: number[][];
  /** Per class on its own probe images (recorded from the second session of the experiment on; absent before). */
  own?: OwnClassView;
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
  /** After steps of the first epoch (FEED_STEPS unless told otherwise; absent in records of older recorders). */
  steps?: { step: number; snap: FeedSnapshot }[];
}

/** The last-hidden units feeding each output of the last weight layer (all of them when the layer is dense). */
export function feedingUnits(lastMask: SparseMask | null, nHidden: number, classes: number): number[][] {
  return Array.from({ length: classes }, (_, c) => {
    if (!lastMask) return Array.from({ length: nHidden }, (_, u) => u);
    return Array.from(lastMask.colIdx.subarray(lastMask.rowPtr[c], lastMask.rowPtr[c + 1])).sort((a, b) => a - b);
  });
}

/**
 * Pre-activations of the last hidden layer on the first `count` rows of x (row-major, count x width), computed in
 * float64 from the model's weights (nonzeros only, so sparse models cost their connections).
 */
export function lastHiddenPreActivations(
  weights: readonly { kernel: Float32Array; bias?: Float32Array }[],
  sizes: readonly number[],
  x: Float32Array,
  count: number,
): Float64Array {
  const depth = sizes.length - 1;
  const last = depth - 1;
  // each hidden weight layer's nonzeros by input row (CSR), so that a zero input (most MNIST pixels, every unit a
  // ReLU silenced) costs nothing
  const rows = weights.slice(0, last).map((w, l) => {
    const start = new Int32Array(sizes[l] + 1);
    const outs: number[] = [];
    const vals: number[] = [];
    const nOut = sizes[l + 1];
    for (let i = 0; i < sizes[l]; i++) {
      for (let o = 0; o < nOut; o++) {
        const v = w.kernel[i * nOut + o];
        if (v !== 0) {
          outs.push(o);
          vals.push(v);
        }
      }
      start[i + 1] = outs.length;
    }
    return { start, outs: Int32Array.from(outs), vals: Float64Array.from(vals) };
  });
  const width = sizes[last];
  const out = new Float64Array(count * width);
  const buf = sizes.slice(0, last + 1).map((n) => new Float64Array(n));
  for (let s = 0; s < count; s++) {
    const input = buf[0];
    for (let i = 0; i < sizes[0]; i++) input[i] = x[s * sizes[0] + i];
    for (let l = 0; l < last; l++) {
      const h = buf[l];
      const z = buf[l + 1];
      const b = weights[l].bias;
      for (let o = 0; o < z.length; o++) z[o] = b ? b[o] : 0;
      const { start, outs, vals } = rows[l];
      for (let i = 0; i < h.length; i++) {
        const v = h[i];
        if (v === 0) continue;
        for (let k = start[i]; k < start[i + 1]; k++) z[outs[k]] += v * vals[k];
      }
      // the last hidden layer is kept before its ReLU; the layers below feed on the ReLU's output
      if (l < last - 1) for (let o = 0; o < z.length; o++) if (z[o] < 0) z[o] = 0;
    }
    out.set(buf[last], s * width);
  }
  return out;
}

/** Mean ReLU output and firing fraction of every unit of the last hidden layer over `count` rows of x. */
export function lastHiddenActivity(
  weights: readonly { kernel: Float32Array; bias?: Float32Array }[],
  sizes: readonly number[],
  x: Float32Array,
  count: number,
): { mean: Float64Array; on: Float64Array } {
  return activityOf(lastHiddenPreActivations(weights, sizes, x, count), sizes[sizes.length - 2], count);
}

function activityOf(z: Float64Array, width: number, count: number): { mean: Float64Array; on: Float64Array } {
  const mean = new Float64Array(width);
  const on = new Float64Array(width);
  for (let s = 0; s < count; s++) {
    for (let u = 0; u < width; u++) {
      const v = z[s * width + u];
      if (v > 0) {
        mean[u] += v;
        on[u]++;
      }
    }
  }
  for (let u = 0; u < width; u++) {
    mean[u] /= count;
    on[u] /= count;
  }
  return { mean, on };
}

/**
 * The per-class view on the class's own rows (OwnClassView) from the last hidden layer's pre-activations `z` (count x
 * width) and the output layer's kernel (width x classes, zero where not connected) and bias.
 */
export function ownClassView(
  z: Float64Array,
  y: ArrayLike<number>,
  count: number,
  units: readonly (readonly number[])[],
  lastKernel: Float32Array,
  lastBias: Float32Array | undefined,
): OwnClassView {
  const classes = units.length;
  const width = z.length / count;
  const zOwn = units.map((us) => us.map(() => 0));
  const onOwn = units.map((us) => us.map(() => 0));
  const n = new Array<number>(classes).fill(0);
  const hit = new Array<number>(classes).fill(0);
  const margin = new Array<number>(classes).fill(0);
  const drive = new Array<number>(classes).fill(0);
  const logits = new Float64Array(classes);
  for (let s = 0; s < count; s++) {
    const c = y[s];
    const row = s * width;
    for (let j = 0; j < classes; j++) {
      let v = lastBias ? lastBias[j] : 0;
      for (const u of units[j]) {
        const h = z[row + u];
        if (h > 0) v += h * lastKernel[u * classes + j];
      }
      logits[j] = v;
    }
    if (!(c >= 0 && c < classes)) continue;
    n[c]++;
    let best = -Infinity;
    let arg = -1;
    let other = -Infinity;
    for (let j = 0; j < classes; j++) {
      if (logits[j] > best) {
        best = logits[j];
        arg = j;
      }
      if (j !== c && logits[j] > other) other = logits[j];
    }
    if (arg === c) hit[c]++;
    margin[c] += logits[c] - other;
    units[c].forEach((u, k) => {
      const h = z[row + u];
      zOwn[c][k] += h;
      if (h > 0) {
        onOwn[c][k]++;
        const w = lastKernel[u * classes + c];
        if (w > 0) drive[c] += w * h;
      }
    });
  }
  const per = (v: number, c: number): number => (n[c] ? v / n[c] : NaN);
  return {
    zOwn: zOwn.map((vs, c) => vs.map((v) => per(v, c))),
    onOwn: onOwn.map((vs, c) => vs.map((v) => per(v, c))),
    recall: hit.map(per),
    margin: margin.map(per),
    drive: drive.map(per),
  };
}

/** Records FeedData through trainMnist's `inspect` hook. */
export class FeedRecorder {
  private readonly units: number[][];
  private init: FeedSnapshot | null = null;
  private firstGradient: number[][] = [];
  private readonly epochs: FeedSnapshot[] = [];
  private readonly steps: { step: number; snap: FeedSnapshot }[] = [];

  constructor(
    lastMask: SparseMask | null,
    sizes: readonly number[],
    readonly probe = FEED_PROBE,
    readonly maxEpochs = FEED_EPOCHS,
    readonly stepsAt: readonly number[] = FEED_STEPS,
  ) {
    this.units = feedingUnits(lastMask, sizes[sizes.length - 2], sizes[sizes.length - 1]);
  }

  inspect(
    model: Mlp,
    point: { at: 'init' | 'first-step' | 'epoch-end' } | { at: 'step'; step: number },
    train: { x: Float32Array; y: ArrayLike<number> },
  ): void {
    if (point.at === 'first-step') {
      const g = model.getGradients();
      this.firstGradient = this.perUnit(g[g.length - 1].kernel, model.classes);
    }
    if (point.at === 'first-step' || (point.at === 'step' && !this.stepsAt.includes(point.step))) return;
    if (point.at === 'epoch-end' && this.epochs.length >= this.maxEpochs) return;
    const weights = model.getWeights();
    const count = Math.min(this.probe, train.y.length);
    const z = lastHiddenPreActivations(weights, model.sizes, train.x, count);
    const { mean, on } = activityOf(z, model.sizes[model.sizes.length - 2], count);
    const classes = model.classes;
    const lastLayer = weights[weights.length - 1];
    const snap: FeedSnapshot = {
      w: this.perUnit(lastLayer.kernel, classes),
      act: this.units.map((us) => us.map((u) => mean[u])),
      on: this.units.map((us) => us.map((u) => on[u])),
      own: ownClassView(z, train.y, count, this.units, lastLayer.kernel, lastLayer.bias),
    };
    if (point.at === 'init') this.init = snap;
    else if (point.at === 'step') this.steps.push({ step: point.step, snap });
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
      steps: this.steps,
    };
  }

  private perUnit(kernel: Float32Array, classes: number): number[][] {
    return this.units.map((us, c) => us.map((u) => kernel[u * classes + c]));
  }
}
