// Predictions of a saved model (`radixnet train --save DIR`) on new samples: the inputs are scaled as the training
// data was (model.json's metadata says how; standardize statistics included), the model's softmax gives each class'
// probability, the label is the most probable class. With known labels, the accuracy too.
import { InputError } from '../errors.js';
import { applyScale, readSamples, type Scale } from '../data/source.js';
import { importTfjs } from '../tfjs/lazy.js';

export interface PredictOptions {
  /** The samples: a CSV, an .npy of features, or an idx samples file. */
  data: string;
  /** Their labels (.npy or idx), to report accuracy. */
  labels?: string;
  /** CSV: the label column (the other columns are the features); default: every column is a feature. */
  labelColumn?: string;
  /** Override the scaling the model's metadata names (models saved by other tools carry none: default none). */
  scale?: Scale;
}

export interface Predictions {
  count: number;
  classes: number;
  /** Most probable class per sample. */
  labels: Int32Array;
  /** [count][classes] row-major. */
  probabilities: Float32Array;
  /** The labels given with the samples, and the fraction predicted right. */
  truth: Int32Array | Uint8Array | null;
  accuracy: number | null;
  scale: string;
}

interface SavedData {
  scale?: Exclude<Scale, 'auto'>;
  stats?: { mean: number[]; std: number[] };
  features?: number;
  classes?: number;
}

/** Loads the model in `dir` and predicts the samples of `opts.data`. */
export async function predictFile(dir: string, opts: PredictOptions): Promise<Predictions> {
  const { loadModel } = await importTfjs('radixnet predict', () => import('../tfjs/index.js'));
  const tf = await import('@tensorflow/tfjs-core');
  const model = await loadModel(dir);
  try {
    const saved = ((model.getUserDefinedMetadata() as { radixnet?: { data?: SavedData } } | undefined)?.radixnet
      ?.data ?? {}) as SavedData;
    const inputs = model.inputs[0].shape[model.inputs[0].shape.length - 1] as number;
    const classes = model.outputs[0].shape[model.outputs[0].shape.length - 1] as number;
    const s = await readSamples(opts.data, { labels: opts.labels, labelColumn: opts.labelColumn });
    if (s.features !== inputs) {
      const hint =
        opts.labelColumn === undefined && s.features === inputs + 1
          ? '; if one column is the label, name it with --label-column'
          : '';
      throw new InputError(
        `${opts.data}: samples have ${s.features} features, the model in ${dir} takes ${inputs}${hint}`,
      );
    }
    const scale: Exclude<Scale, 'auto'> =
      opts.scale === undefined || opts.scale === 'auto'
        ? (saved.scale ?? (opts.scale === 'auto' && s.bytes ? '255' : 'none'))
        : opts.scale;
    applyScale(s.x, s.features, scale, saved.stats);
    const probabilities = new Float32Array(s.count * classes);
    const chunk = 4096;
    for (let i = 0; i < s.count; i += chunk) {
      const n = Math.min(chunk, s.count - i);
      const out = tf.tidy(
        () =>
          (
            model.predict(tf.tensor2d(s.x.subarray(i * inputs, (i + n) * inputs), [n, inputs])) as InstanceType<
              typeof tf.Tensor
            >
          ).dataSync() as Float32Array,
      );
      probabilities.set(out, i * classes);
    }
    const labels = new Int32Array(s.count);
    for (let i = 0; i < s.count; i++) {
      let best = 0;
      for (let c = 1; c < classes; c++)
        if (probabilities[i * classes + c] > probabilities[i * classes + best]) best = c;
      labels[i] = best;
    }
    let accuracy: number | null = null;
    if (s.y) {
      let right = 0;
      for (let i = 0; i < s.count; i++) if (labels[i] === s.y[i]) right++;
      accuracy = right / s.count;
    }
    return { count: s.count, classes, labels, probabilities, truth: s.y, accuracy, scale };
  } finally {
    model.dispose();
  }
}

/** Predictions as CSV: row, label, (true label), then p0..p{K-1}. */
export function predictionsCsv(p: Predictions): string {
  const head = ['row', 'label', ...(p.truth ? ['true'] : []), ...Array.from({ length: p.classes }, (_, c) => `p${c}`)];
  const lines = [head.join(',')];
  for (let i = 0; i < p.count; i++) {
    const probs = Array.from(p.probabilities.subarray(i * p.classes, (i + 1) * p.classes), (v) => String(v));
    lines.push([i, p.labels[i], ...(p.truth ? [p.truth[i]] : []), ...probs].join(','));
  }
  return lines.join('\n') + '\n';
}

/** Predictions as JSON: counts, accuracy when known, then one {label, probabilities} per sample. */
export function predictionsJson(p: Predictions): string {
  return JSON.stringify(predictionsObject(p)) + '\n';
}

/** What predictionsJson writes, as an object (the data of `radixnet predict --json`). */
export function predictionsObject(p: Predictions): PredictionsObject {
  return {
    count: p.count,
    classes: p.classes,
    scale: p.scale,
    accuracy: p.accuracy,
    predictions: Array.from(p.labels, (label, i) => ({
      label,
      ...(p.truth ? { true: p.truth[i] } : {}),
      probabilities: Array.from(p.probabilities.subarray(i * p.classes, (i + 1) * p.classes)),
    })),
  };
}

export interface PredictionsObject {
  count: number;
  classes: number;
  scale: string;
  accuracy: number | null;
  predictions: { label: number; true?: number; probabilities: number[] }[];
}
