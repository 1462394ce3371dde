// Per-run prediction of a lost class from the model at step 0 (the feeding units' initial weights and activities,
// the first step's gradients) or after epoch 1 (per-class training recall, dead feeding units), for models whose
// topology makes strangeness a coin toss (output fan-in 2). Fitted on some seeds, scored on others.
import { InputError } from '../errors.js';
import type { RunRecord } from '../records/run-record.js';
import type { FeedData, FeedSnapshot } from './feed-recorder.js';
import { fisherExact, fitLogistic, predictLogistic, rocAuc, wilson, type Logistic } from './inference.js';
import { lostClasses } from './per-class.js';

/** Per class at one point of training: what its feeding units give it. */
export interface ClassFeatures {
  /** Sum of the feeding weights, and how many are negative (of fanIn). */
  weightSum: number;
  negative: number;
  fanIn: number;
  /** Expected score: sum over feeding units of weight x mean activity on the probe images. */
  score: number;
  /** The class's expected score minus the mean over classes (what the softmax compares). */
  relativeScore: number;
  /** Least firing fraction of its feeding units, and how many never fire on the probe. */
  minOn: number;
  dead: number;
  /** Sum of the first step's gradients on its feeding weights (negative: the step raised them). */
  gradientSum: number;
}

/** Class features of a snapshot (the first step's gradients from `feed`). */
export function classFeatures(feed: FeedData, snap: FeedSnapshot): ClassFeatures[] {
  const scores = snap.w.map((ws, c) => ws.reduce((s, w, k) => s + w * snap.act[c][k], 0));
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  return snap.w.map((ws, c) => ({
    weightSum: ws.reduce((a, b) => a + b, 0),
    negative: ws.filter((w) => w < 0).length,
    fanIn: ws.length,
    score: scores[c],
    relativeScore: scores[c] - mean,
    minOn: Math.min(...snap.on[c]),
    dead: snap.on[c].filter((v) => v === 0).length,
    gradientSum: (feed.firstGradient[c] ?? []).reduce((a, b) => a + b, 0),
  }));
}

/** The step-0 features of a run: the worst class's value of each class feature. */
export const STEP0_FEATURES = [
  'minRelativeScore',
  'maxNegativeFraction',
  'minWeightSum',
  'minOn',
  'maxGradientSum',
] as const;

/** Step-0 feature vector (STEP0_FEATURES order) of a run's feed data. */
export function step0Vector(feed: FeedData): number[] {
  const cs = classFeatures(feed, feed.init);
  return [
    Math.min(...cs.map((c) => c.relativeScore)),
    Math.max(...cs.map((c) => c.negative / c.fanIn)),
    Math.min(...cs.map((c) => c.weightSum)),
    Math.min(...cs.map((c) => c.minOn)),
    Math.max(...cs.map((c) => c.gradientSum)),
  ];
}

/** One run as the predictors see it. */
export interface PredictorRun {
  radices: string;
  seed: number;
  /** Lost at least one class at the end (test recall < 5%). */
  lost: boolean;
  step0: number[];
  /** Least per-class training recall after epoch 1 (NaN when not recorded). */
  minRecallEpoch1: number;
  /** Feeding units that never fire on the probe after epoch 1, over all classes. */
  deadEpoch1: number;
}

/** The runs of records that carry feed data (data.feed) and per-class test recall. */
export function predictorRuns(records: readonly RunRecord[]): PredictorRun[] {
  return records
    .filter((r) => r.data?.feed && r.final?.testRecall)
    .map((r) => {
      const feed = r.data!.feed as FeedData;
      const e1 = feed.epochs[0];
      return {
        radices: r.topology.radices,
        seed: r.config?.seed ?? NaN,
        lost: lostClasses(r.final!.testRecall!).length > 0,
        step0: step0Vector(feed),
        minRecallEpoch1: r.history[0]?.trainRecall ? Math.min(...r.history[0].trainRecall) : NaN,
        deadEpoch1: e1 ? e1.on.flat().filter((v) => v === 0).length : NaN,
      };
    });
}

/** Precision and recall of predictions against outcomes. */
export interface Scores {
  runs: number;
  positives: number;
  predicted: number;
  truePositive: number;
  precision: number;
  recall: number;
  auc: number;
}

function scoreOf(pred: readonly boolean[], score: readonly number[], y: readonly boolean[]): Scores {
  const tp = pred.filter((p, i) => p && y[i]).length;
  const predicted = pred.filter(Boolean).length;
  const positives = y.filter(Boolean).length;
  return {
    runs: y.length,
    positives,
    predicted,
    truePositive: tp,
    precision: predicted ? tp / predicted : NaN,
    recall: positives ? tp / positives : NaN,
    auc: rocAuc(score, y),
  };
}

/** The step-0 predictor: a logistic model on the step-0 features, a run predicted to lose a class at p >= 0.5. */
export function fitStep0(runs: readonly PredictorRun[]): Logistic {
  if (runs.length === 0) throw new InputError('the step-0 predictor needs fit runs with feed data');
  return fitLogistic(
    runs.map((r) => r.step0),
    runs.map((r) => r.lost),
    0.1,
  );
}

/** The probability of a lost class the step-0 predictor gives a run's feed data. */
export function step0Probability(model: Logistic, feed: FeedData): number {
  return predictLogistic(model, step0Vector(feed));
}

/**
 * The epoch-1 predictor: a run is predicted to lose a class when its least per-class training recall after epoch 1
 * is below a threshold, the one of the fit runs' values that maximises the fit runs' F1 (so nothing is tuned on the
 * evaluation runs).
 */
export function fitEpoch1Threshold(runs: readonly PredictorRun[]): number {
  const vals = [...new Set(runs.map((r) => r.minRecallEpoch1).filter((v) => !Number.isNaN(v)))].sort((a, b) => a - b);
  let best = { f1: -1, t: 0.05 };
  for (let k = 0; k < vals.length; k++) {
    const t = k + 1 < vals.length ? (vals[k] + vals[k + 1]) / 2 : vals[k] + 1e-9;
    const pred = runs.map((r) => r.minRecallEpoch1 < t);
    const tp = pred.filter((p, i) => p && runs[i].lost).length;
    const f1 = (2 * tp) / (pred.filter(Boolean).length + runs.filter((r) => r.lost).length || 1);
    if (f1 > best.f1) best = { f1, t };
  }
  return best.t;
}

/** Both predictors fitted on `fit` runs and scored on `evaluation` runs (seeds must differ). */
export interface PredictorEvaluation {
  step0: Scores & { model: Logistic };
  epoch1: Scores & { threshold: number };
  /** Class level, all runs: classes whose feeding weights are all negative at step 0, lost vs not. */
  allNegative: { lost: number; classes: number; otherLost: number; otherClasses: number; p: number };
}

export function evaluatePredictors(
  fit: readonly PredictorRun[],
  evaluation: readonly PredictorRun[],
  classes?: { allNegativeLost: number; allNegative: number; otherLost: number; other: number },
): PredictorEvaluation {
  const seeds = new Set(fit.map((r) => r.seed));
  if (evaluation.some((r) => seeds.has(r.seed)))
    throw new InputError('the evaluation runs share seeds with the fit runs; keep them apart');
  const model = fitStep0(fit);
  const y = evaluation.map((r) => r.lost);
  const p0 = evaluation.map((r) => predictLogistic(model, r.step0));
  const t = fitEpoch1Threshold(fit);
  const e1 = evaluation.map((r) => r.minRecallEpoch1);
  const c = classes ?? { allNegativeLost: 0, allNegative: 0, otherLost: 0, other: 0 };
  return {
    step0: {
      ...scoreOf(
        p0.map((p) => p >= 0.5),
        p0,
        y,
      ),
      model,
    },
    epoch1: {
      ...scoreOf(
        e1.map((v) => v < t),
        e1.map((v) => -v),
        y,
      ),
      threshold: t,
    },
    allNegative: {
      lost: c.allNegativeLost,
      classes: c.allNegative,
      otherLost: c.otherLost,
      otherClasses: c.other,
      p: fisherExact(c.allNegativeLost, c.allNegative - c.allNegativeLost, c.otherLost, c.other - c.otherLost),
    },
  };
}

/** Class-level counts over records with feed data: classes lost among those whose step-0 feeding weights are all negative. */
export function allNegativeCounts(records: readonly RunRecord[]): {
  allNegativeLost: number;
  allNegative: number;
  otherLost: number;
  other: number;
} {
  const out = { allNegativeLost: 0, allNegative: 0, otherLost: 0, other: 0 };
  for (const r of records) {
    const feed = r.data?.feed as FeedData | undefined;
    const recall = r.final?.testRecall;
    if (!feed || !recall) continue;
    const lost = new Set(lostClasses(recall));
    feed.init.w.forEach((ws, c) => {
      const neg = ws.every((w) => w < 0);
      if (neg) {
        out.allNegative++;
        if (lost.has(c)) out.allNegativeLost++;
      } else {
        out.other++;
        if (lost.has(c)) out.otherLost++;
      }
    });
  }
  return out;
}

/** Per output fan-in: classes lost among those whose feeding weights all start negative, and among the others. */
export interface SignRow {
  fanIn: number;
  allNegativeLost: number;
  allNegative: number;
  otherLost: number;
  other: number;
  /** Two-sided Fisher exact p of the difference. */
  p: number;
}

/** The sign table over every record with feed data: one row per class fan-in present. */
export function signTable(records: readonly RunRecord[]): SignRow[] {
  const rows = new Map<number, SignRow>();
  for (const r of records) {
    const feed = r.data?.feed as FeedData | undefined;
    const recall = r.final?.testRecall;
    if (!feed || !recall) continue;
    const lost = new Set(lostClasses(recall));
    feed.init.w.forEach((ws, c) => {
      let row = rows.get(ws.length);
      if (!row)
        rows.set(
          ws.length,
          (row = { fanIn: ws.length, allNegativeLost: 0, allNegative: 0, otherLost: 0, other: 0, p: NaN }),
        );
      if (ws.every((w) => w < 0)) {
        row.allNegative++;
        if (lost.has(c)) row.allNegativeLost++;
      } else {
        row.other++;
        if (lost.has(c)) row.otherLost++;
      }
    });
  }
  return [...rows.values()]
    .sort((a, b) => a.fanIn - b.fanIn)
    .map((r) => ({
      ...r,
      p: fisherExact(r.allNegativeLost, r.allNegative - r.allNegativeLost, r.otherLost, r.other - r.otherLost),
    }));
}

/**
 * Run-level features at one point of training, from the per-class view on each class's own images (OwnClassView):
 * the worst class's recall, logit margin and positive drive, how many classes have all their feeding weights
 * negative, and how many feeding units never fire on the probe.
 */
export const STEP_FEATURES = ['minOwnRecall', 'minOwnMargin', 'allNegativeClasses', 'minDrive', 'deadUnits'] as const;

/** STEP_FEATURES of a snapshot (null when it has no per-class view: records of older recorders). */
export function stepVector(snap: FeedSnapshot): number[] | null {
  const own = snap.own;
  if (!own) return null;
  return [
    Math.min(...own.recall.filter((v) => !Number.isNaN(v))),
    Math.min(...own.margin.filter((v) => !Number.isNaN(v))),
    snap.w.filter((ws) => ws.every((w) => w < 0)).length,
    Math.min(...own.drive.filter((v) => !Number.isNaN(v))),
    snap.on.flat().filter((v) => v === 0).length,
  ];
}

/**
 * Per-class features at one point, for the class-level model: whether all its feeding weights are negative, its
 * recall, logit margin and positive drive on its own images, the largest mean pre-activation and firing fraction of its
 * feeding units on them.
 */
export const CLASS_FEATURES = ['allNegative', 'ownRecall', 'ownMargin', 'drive', 'maxZOwn', 'maxOnOwn'] as const;

/** CLASS_FEATURES of every class of a snapshot (null without a per-class view). */
export function classVectors(snap: FeedSnapshot): number[][] | null {
  const own = snap.own;
  if (!own) return null;
  return snap.w.map((ws, c) => [
    ws.every((w) => w < 0) ? 1 : 0,
    own.recall[c],
    own.margin[c],
    own.drive[c],
    Math.max(...own.zOwn[c]),
    Math.max(...own.onOwn[c]),
  ]);
}

/** The points a run's feed data was recorded at, in training order: step 0, steps of epoch 1, epoch ends. */
export function feedPoints(feed: FeedData): { point: string; snap: FeedSnapshot }[] {
  return [
    { point: 'step 0', snap: feed.init },
    ...(feed.steps ?? []).map((s) => ({ point: `step ${s.step}`, snap: s.snap })),
    ...feed.epochs.map((snap, e) => ({ point: `epoch ${e + 1}`, snap })),
  ];
}

/** A run as the k-step predictors see it: its outcome and its feature vector at every recorded point. */
export interface StepRun {
  radices: string;
  seed: number;
  lost: boolean;
  at: Map<string, number[]>;
  /** Per point, CLASS_FEATURES of each class; and which classes were lost at the end. */
  classesAt: Map<string, number[][]>;
  lostClasses: number[];
}

/** The runs of records whose feed data has per-class views (records without are left out). */
export function stepRuns(records: readonly RunRecord[]): StepRun[] {
  const out: StepRun[] = [];
  for (const r of records) {
    const feed = r.data?.feed as FeedData | undefined;
    if (!feed || !r.final?.testRecall) continue;
    const at = new Map<string, number[]>();
    const classesAt = new Map<string, number[][]>();
    for (const { point, snap } of feedPoints(feed)) {
      const v = stepVector(snap);
      const cv = classVectors(snap);
      if (v) at.set(point, v);
      if (cv && cv.every((row) => row.every((x) => Number.isFinite(x)))) classesAt.set(point, cv);
    }
    if (at.size === 0) continue;
    const lost = lostClasses(r.final.testRecall);
    out.push({
      radices: r.topology.radices,
      seed: r.config?.seed ?? NaN,
      lost: lost.length > 0,
      at,
      classesAt,
      lostClasses: lost,
    });
  }
  return out;
}

/** Precision and recall at one point, with Wilson 95% intervals, and the threshold the fit runs chose. */
export interface StepScores extends Scores {
  point: string;
  /** 'run': a logistic model on the run's STEP_FEATURES; 'class': one on each class's CLASS_FEATURES, a run's
   *  probability of losing some class being 1 - prod(1 - p_class). */
  model: 'run' | 'class';
  /** Probability threshold of the logistic model, the one maximising the fit runs' F1. */
  threshold: number;
  precisionCi: [number, number];
  recallCi: [number, number];
  /** The class model only: ROC AUC of its per-class probability for which classes of the evaluation runs are lost. */
  classAuc: number;
}

/** The threshold on scores that maximises F1 on (scores, y) (a run is predicted positive at score >= threshold). */
export function f1Threshold(scores: readonly number[], y: readonly boolean[]): number {
  const vals = [...new Set(scores)].sort((a, b) => a - b);
  const positives = y.filter(Boolean).length;
  let best = { f1: -1, t: 0.5 };
  for (let k = 0; k < vals.length; k++) {
    const t = k > 0 ? (vals[k - 1] + vals[k]) / 2 : vals[k] - 1e-9;
    let tp = 0;
    let predicted = 0;
    scores.forEach((s, i) => {
      if (s >= t) {
        predicted++;
        if (y[i]) tp++;
      }
    });
    const f1 = (2 * tp) / (predicted + positives || 1);
    if (f1 > best.f1) best = { f1, t };
  }
  return best.t;
}

/**
 * At every point recorded in all runs: a logistic model on STEP_FEATURES fitted on `fit`, its probability threshold
 * chosen on `fit` (largest F1), scored on `evaluation` (other seeds; refused otherwise).
 */
export function evaluateStepPredictors(fit: readonly StepRun[], evaluation: readonly StepRun[]): StepScores[] {
  const seeds = new Set(fit.map((r) => r.seed));
  if (evaluation.some((r) => seeds.has(r.seed)))
    throw new InputError('the evaluation runs share seeds with the fit runs; keep them apart');
  if (fit.length === 0 || evaluation.length === 0) return [];
  const all = [...fit, ...evaluation];
  const out: StepScores[] = [];
  const score = (point: string, model: 'run' | 'class', pFit: number[], pEval: number[], classAuc = NaN): void => {
    const threshold = f1Threshold(
      pFit,
      fit.map((r) => r.lost),
    );
    const y = evaluation.map((r) => r.lost);
    const s = scoreOf(
      pEval.map((v) => v >= threshold),
      pEval,
      y,
    );
    out.push({
      ...s,
      point,
      model,
      threshold,
      precisionCi: wilson(s.truePositive, s.predicted),
      recallCi: wilson(s.truePositive, s.positives),
      classAuc,
    });
  };
  for (const point of [...fit[0].at.keys()].filter((k) => all.every((r) => r.at.has(k)))) {
    const m = fitLogistic(
      fit.map((r) => r.at.get(point)!),
      fit.map((r) => r.lost),
      0.1,
    );
    const p = (r: StepRun): number => predictLogistic(m, r.at.get(point)!);
    score(point, 'run', fit.map(p), evaluation.map(p));
    if (!all.every((r) => r.classesAt.has(point))) continue;
    const c = fitLogistic(
      fit.flatMap((r) => r.classesAt.get(point)!),
      fit.flatMap((r) => r.classesAt.get(point)!.map((_, k) => r.lostClasses.includes(k))),
      0.1,
    );
    const q = (r: StepRun): number =>
      1 - r.classesAt.get(point)!.reduce((keep, v) => keep * (1 - predictLogistic(c, v)), 1);
    // which class is lost, scored per class on the evaluation runs
    const classAuc = rocAuc(
      evaluation.flatMap((r) => r.classesAt.get(point)!.map((v) => predictLogistic(c, v))),
      evaluation.flatMap((r) => r.classesAt.get(point)!.map((_, k) => r.lostClasses.includes(k))),
    );
    score(point, 'class', fit.map(q), evaluation.map(q), classAuc);
  }
  return out;
}
