// Strange models (the paper's Fig. 8): the observed definition (a training accuracy at or below a threshold after the
// screen), the prediction from the topology alone, the confusion table that scores one against the other, and the
// accuracy bands strange models settle into.
import { InputError } from '../errors.js';
import { parseRadixList } from '../topology/radix.js';
import { radixNet } from '../topology/radixnet.js';
import type { RunRecord } from '../records/run-record.js';

/** The paper's threshold: a model is strange when its screen training accuracy is <= 0.75 (inclusive). */
export const STRANGE_ACCURACY = 0.75;

/**
 * The predictor's threshold on the smallest output fan-in (last-hidden units feeding an output): at or below it a
 * topology is predicted strange. Picked by measurement on the 426-model study (docs/strange-models.md).
 */
export const STRANGE_MAX_OUTPUT_FAN_IN = 1;

/** Whether an accuracy is strange: accuracy <= threshold, inclusive. */
export function isStrange(accuracy: number, threshold = STRANGE_ACCURACY): boolean {
  return accuracy <= threshold;
}

export interface StrangePrediction {
  predicted: boolean;
  /** The feature: the fewest last-hidden units feeding any output (n_{L-1} for a dense model). */
  minOutputFanIn: number;
}

/**
 * Predicts strangeness from the trimmed topology alone: some output is fed by at most STRANGE_MAX_OUTPUT_FAN_IN units
 * of the last hidden layer. `radices` may be `dense`. Needs at least one hidden layer.
 */
export function predictStrange(radices: string, layers: number[], kron?: number[]): StrangePrediction {
  if (layers.length < 3) {
    throw new InputError(
      `the strangeness predictor looks at the last hidden layer, so it needs at least 3 layer sizes, got ` +
        `${layers.join(',')}`,
    );
  }
  const minOutputFanIn =
    radices.trim().toLowerCase() === 'dense' ? layers[layers.length - 2] : lastMask(radices, layers, kron).fanIn.min;
  return { predicted: minOutputFanIn <= STRANGE_MAX_OUTPUT_FAN_IN, minOutputFanIn };
}

function lastMask(radices: string, layers: number[], kron?: number[]) {
  const net = radixNet(parseRadixList(radices), layers, { kron });
  return net.masks[net.masks.length - 1];
}

/** Predicted vs observed counts, and precision = tp / (tp + fp), recall = tp / (tp + fn) (NaN when undefined). */
export interface Confusion {
  truePositive: number;
  falsePositive: number;
  falseNegative: number;
  trueNegative: number;
  precision: number;
  recall: number;
}

/** The confusion table of predicted vs observed strangeness. */
export function confusion(pairs: readonly { predicted: boolean; observed: boolean }[]): Confusion {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (const { predicted, observed } of pairs) {
    if (predicted && observed) tp++;
    else if (predicted) fp++;
    else if (observed) fn++;
    else tn++;
  }
  return {
    truePositive: tp,
    falsePositive: fp,
    falseNegative: fn,
    trueNegative: tn,
    precision: tp + fp === 0 ? NaN : tp / (tp + fp),
    recall: tp + fn === 0 ? NaN : tp / (tp + fn),
  };
}

/** The table as text lines, rows observed, columns predicted. */
export function confusionLines(c: Confusion, observedLabel = 'strange'): string[] {
  const w = Math.max(
    5,
    ...[c.truePositive, c.falsePositive, c.falseNegative, c.trueNegative].map((n) => String(n).length),
  );
  const cell = (n: number): string => String(n).padStart(w + 11);
  const label = `observed ${observedLabel}`;
  const width = Math.max(label.length, 'observed normal'.length);
  return [
    `${''.padEnd(width)}  ${'predicted strange'.padStart(w + 11)}  ${'predicted normal'.padStart(w + 11)}`,
    `${label.padEnd(width)}  ${cell(c.truePositive)}  ${cell(c.falseNegative)}`,
    `${'observed normal'.padEnd(width)}  ${cell(c.falsePositive)}  ${cell(c.trueNegative)}`,
    `precision ${fmt(c.precision)}, recall ${fmt(c.recall)}`,
  ];
}

function fmt(x: number): string {
  return Number.isNaN(x) ? 'undefined (no cases)' : x.toFixed(3);
}

/** A band of accuracies: consecutive sorted values with no gap above the split gap between them. */
export interface Band {
  low: number;
  high: number;
  count: number;
}

/**
 * Splits accuracies into bands: sort ascending and start a new band wherever two neighbours differ by more than
 * `gap` (so every gap inside a band is <= gap, and bands are separated by more than gap).
 */
export function accuracyBands(values: readonly number[], gap: number): Band[] {
  if (!(gap >= 0)) throw new InputError(`the band gap must be a number >= 0, got ${gap}`);
  const sorted = [...values].sort((a, b) => a - b);
  const bands: Band[] = [];
  for (const v of sorted) {
    const last = bands[bands.length - 1];
    if (last && v - last.high <= gap) {
      last.high = v;
      last.count++;
    } else {
      bands.push({ low: v, high: v, count: 1 });
    }
  }
  return bands;
}

/** Which accuracy of a record says it trained badly. */
export type Measure = 'validation' | 'train';

/**
 * Scores the topology predictor on any trained records (`radixnet summarize` of Fig. 4, 5, ... files): a run trained
 * badly when its final accuracy (`measure`) is <= `threshold`. Records must carry topology.radices, config.layers and
 * final; the first one missing a field is named in an InputError.
 */
export function predictorReport(
  records: readonly RunRecord[],
  opts: { measure?: Measure; threshold?: number } = {},
): {
  text: string[];
  data: { measure: Measure; threshold: number; runs: number; confusion: Confusion; predictedStrange: string[] };
} {
  const measure = opts.measure ?? 'validation';
  const threshold = opts.threshold ?? STRANGE_ACCURACY;
  const cache = new Map<string, StrangePrediction>();
  const pairs = records.map((r) => {
    const radices = r.topology?.radices;
    if (typeof radices !== 'string') throw missing(r, 'topology.radices');
    const layers = r.config?.layers;
    if (!Array.isArray(layers)) throw missing(r, 'config.layers');
    const accuracy = measure === 'validation' ? r.final?.valAccuracy : r.final?.trainAccuracy;
    if (typeof accuracy !== 'number')
      throw missing(r, measure === 'validation' ? 'final.valAccuracy' : 'final.trainAccuracy');
    const id = `${radices}|${layers.join(',')}|${r.config?.kron?.join(',') ?? ''}`;
    let prediction = cache.get(id);
    if (!prediction) cache.set(id, (prediction = predictStrange(radices, layers, r.config?.kron)));
    return { predicted: prediction.predicted, observed: isStrange(accuracy, threshold), radices };
  });
  const table = confusion(pairs);
  const label = measure === 'validation' ? 'validation' : 'training';
  const text = [
    `topology predictor (strange when some output is fed by <= ${STRANGE_MAX_OUTPUT_FAN_IN} last-hidden unit) vs ` +
      `training: a run trained badly when its final ${label} accuracy is <= ${threshold}; ${pairs.length} runs`,
    ...confusionLines(table, 'trained badly').map((l) => `  ${l}`),
  ];
  const predictedStrange = [...new Set(pairs.filter((q) => q.predicted).map((q) => q.radices))];
  return { text, data: { measure, threshold, runs: pairs.length, confusion: table, predictedStrange } };
}

function missing(r: RunRecord, field: string): InputError {
  return new InputError(
    `record ${r.index} (${r.key ?? 'no key'}) has no ${field}; the strangeness predictor table needs ` +
      'topology.radices, config.layers and final accuracies (trained runs, not topology-only ones)',
  );
}
