// Per-class outcomes of a trained classifier: the confusion matrix, each class's recall, and the classes a model has
// lost (a strange model's accuracy bands are numbers of classes it never predicts, docs/strange-models.md), so that a
// run's lost classes are measured rather than inferred from its accuracy.
import { InputError } from '../errors.js';

/** A class is lost when its recall is below this: the model (almost) never predicts it for its own samples. */
export const LOST_RECALL = 0.05;

/**
 * The confusion matrix of `scores` ([N, classes] row-major, the argmax is the prediction; the first maximum wins) against
 * labels `y`: `m[t][p]` counts samples of true class t predicted as p.
 */
export function confusionMatrix(y: ArrayLike<number>, scores: ArrayLike<number>, classes: number): number[][] {
  if (!Number.isInteger(classes) || classes < 1)
    throw new InputError(`classes must be a whole number >= 1, got ${classes}`);
  if (scores.length !== y.length * classes) {
    throw new InputError(
      `scores hold ${scores.length} values for ${y.length} labels of ${classes} classes; expected ` +
        `${y.length * classes} (one row of ${classes} scores per sample)`,
    );
  }
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < y.length; i++) {
    const t = y[i];
    if (!Number.isInteger(t) || t < 0 || t >= classes)
      throw new InputError(`label ${i} is ${t}; labels must be whole numbers 0..${classes - 1}`);
    let best = 0;
    for (let c = 1; c < classes; c++) if (scores[i * classes + c] > scores[i * classes + best]) best = c;
    m[t][best]++;
  }
  return m;
}

/** Recall of each class: correct / samples of that class (NaN for a class with no samples). */
export function recallPerClass(confusion: readonly (readonly number[])[]): number[] {
  return confusion.map((row, t) => {
    const n = row.reduce((s, v) => s + v, 0);
    return n === 0 ? NaN : row[t] / n;
  });
}

/** Classes whose recall is below `threshold` (default LOST_RECALL); classes without samples are not counted. */
export function lostClasses(recall: readonly number[], threshold = LOST_RECALL): number[] {
  const out: number[] = [];
  recall.forEach((r, c) => {
    if (r < threshold) out.push(c);
  });
  return out;
}

/** How many runs lost how many classes, over the records that carry a per-class test recall. */
export interface LostClassCount {
  /** Runs with a per-class test recall. */
  runs: number;
  /** Runs that lost at least one class. */
  withLost: number;
  /** byCount[n]: runs that lost exactly n classes. */
  byCount: number[];
  threshold: number;
}

/** Counts lost classes (test recall < threshold) per run over `recalls` (one per run). */
export function countLostClasses(recalls: readonly (readonly number[])[], threshold = LOST_RECALL): LostClassCount {
  const byCount: number[] = [];
  let withLost = 0;
  for (const r of recalls) {
    const n = lostClasses(r, threshold).length;
    while (byCount.length <= n) byCount.push(0);
    byCount[n]++;
    if (n > 0) withLost++;
  }
  return { runs: recalls.length, withLost, byCount, threshold };
}

/** The count as one line of a summary. */
export function lostClassLine(c: LostClassCount): string {
  const parts = c.byCount
    .map((n, k) => (n > 0 ? `${k}: ${n}` : ''))
    .filter(Boolean)
    .join(', ');
  return `lost classes (test recall < ${c.threshold}): ${c.withLost} of ${c.runs} runs lost at least one (runs by classes lost: ${parts})`;
}
