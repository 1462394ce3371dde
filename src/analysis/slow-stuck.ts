// Fig. 4's badly trained networks, retrained longer: slow (they catch up with the normal networks of their sparsity
// bin) or stuck (they plateau below, usually with classes lost); and which topology features predict stuck beyond
// sparsity, scored by cross-validated ROC AUC on held-out lists against a sparsity-only model.
import { InputError } from '../errors.js';
import type { RunRecord } from '../records/run-record.js';
import { diagnoseRadixNet } from './diagnose.js';
import { fitLogistic, predictLogistic, rocAuc, xorshift } from './inference.js';
import { lostClasses } from './per-class.js';
import { sparsityBin } from './stats.js';

/**
 * The accuracy a bin's normal networks reach: the 10th percentile (nearest rank) of the screen validation accuracy of
 * the screened networks above `threshold` in that bin, so 90% of them reach it in the screen's epochs.
 */
export function binNormalLevels(screen: readonly RunRecord[], threshold: number, bins = 10): Map<number, number> {
  const byBin = new Map<number, number[]>();
  for (const r of screen) {
    const v = r.final?.valAccuracy;
    if (typeof v !== 'number' || v <= threshold) continue;
    const b = sparsityBin(r.topology.sparsity, bins);
    if (!byBin.has(b)) byBin.set(b, []);
    byBin.get(b)!.push(v);
  }
  const levels = new Map<number, number>();
  for (const [b, vs] of byBin) {
    vs.sort((x, y) => x - y);
    levels.set(b, vs[Math.max(0, Math.ceil(0.1 * vs.length) - 1)]);
  }
  return levels;
}

export interface SlowStuck {
  radices: string;
  sparsity: number;
  screenValAccuracy: number;
  /** Best validation accuracy over the retraining's epochs, and the epoch (1-based) it was first reached. */
  bestValAccuracy: number;
  level: number;
  verdict: 'slow' | 'stuck';
  /** Epoch at which the validation accuracy first reached the level (null when stuck). */
  caughtUpAt: number | null;
  /** Classes with test recall < 5% at the end of the retraining. */
  lostClasses: number[];
}

/**
 * Classifies a retrained run: slow when its validation accuracy reaches its sparsity bin's normal level at some epoch,
 * stuck otherwise. `levels` from binNormalLevels; a bin without normal networks is an InputError naming the run.
 */
export function classifySlowStuck(retrained: RunRecord, levels: Map<number, number>, bins = 10): SlowStuck {
  const bin = sparsityBin(retrained.topology.sparsity, bins);
  const level = levels.get(bin);
  if (level === undefined) {
    throw new InputError(
      `run ${retrained.key}: its sparsity bin ${bin} has no normal screened network to compare with; ` +
        'screen more lists of that bin',
    );
  }
  const vals = retrained.history.map((e) => e.valAccuracy ?? NaN);
  const k = vals.findIndex((v) => v >= level);
  return {
    radices: retrained.topology.radices,
    sparsity: retrained.topology.sparsity,
    screenValAccuracy: Number(retrained.tags.screenValAccuracy ?? NaN),
    bestValAccuracy: Math.max(...vals.filter((v) => !Number.isNaN(v))),
    level,
    verdict: k >= 0 ? 'slow' : 'stuck',
    caughtUpAt: k >= 0 ? k + 1 : null,
    lostClasses: retrained.final?.testRecall ? lostClasses(retrained.final.testRecall) : [],
  };
}

/** Topology features of a radix list on layer sizes, each a candidate predictor of stuck. */
export function topologyFeatures(radices: string, layers: number[]): Record<string, number> {
  const d = diagnoseRadixNet(radices, layers, { suggestions: 0 });
  const last = d.weightLayers[d.weightLayers.length - 1];
  const flat = radices.split(/[,/]/).map(Number);
  const classes = d.classes ?? [];
  return {
    sparsity: d.sparsity,
    minOutputFanIn: last.fanIn.min,
    logMinOutputFanIn: Math.log(last.fanIn.min),
    outputFanInSpread: last.fanIn.max - last.fanIn.min,
    minFirstFanIn: d.weightLayers[0].fanIn.min,
    minHiddenFanIn: Math.min(...d.weightLayers.map((l) => l.fanIn.min)),
    logMinPaths: Math.log1p(d.paths?.perPair.min ?? 0),
    logMedianPaths: Math.log1p(d.paths?.perPair.median ?? 0),
    minLastHiddenReach: classes.length ? Math.min(...classes.map((c) => c.hiddenReach[c.hiddenReach.length - 1])) : NaN,
    lastRadix: flat[flat.length - 1],
    // the place value of the last radix: the product of the radices before it in the mixed-radix number system
    lastPlaceValue: flat.slice(0, -1).reduce((a, b) => a * b, 1),
    N: d.N,
  };
}

/** Held-out ROC AUC of logistic models on feature sets, by k-fold cross-validation over lists. */
export interface CvScore {
  features: string[];
  auc: number;
}

/**
 * Out-of-fold scores of a logistic model on `features`: fold f holds rows i with i % k === f, each scored by the model
 * fitted on the other folds (NaN where those folds hold one label only).
 */
export function crossValidatedScores(
  rows: readonly { features: Record<string, number>; label: boolean }[],
  features: string[],
  k = 5,
): number[] {
  if (rows.length < k) throw new InputError(`cross-validation needs at least ${k} rows, got ${rows.length}`);
  const scores = new Array<number>(rows.length).fill(NaN);
  for (let f = 0; f < k; f++) {
    const train = rows.filter((_, i) => i % k !== f);
    if (new Set(train.map((r) => r.label)).size < 2) continue;
    const model = fitLogistic(
      train.map((r) => features.map((n) => r.features[n])),
      train.map((r) => r.label),
      0.1,
    );
    rows.forEach((r, i) => {
      if (i % k === f)
        scores[i] = predictLogistic(
          model,
          features.map((n) => r.features[n]),
        );
    });
  }
  return scores;
}

/** k-fold cross-validated ROC AUC of a logistic model on `features` (crossValidatedScores). */
export function crossValidatedAuc(
  rows: readonly { features: Record<string, number>; label: boolean }[],
  features: string[],
  k = 5,
): number {
  const scores = crossValidatedScores(rows, features, k);
  const scored = rows.map((r, i) => ({ s: scores[i], y: r.label })).filter((x) => !Number.isNaN(x.s));
  return rocAuc(
    scored.map((x) => x.s),
    scored.map((x) => x.y),
  );
}

/** A model's held-out AUC against a baseline's on the same rows, with paired bootstrap 95% intervals. */
export interface AucComparison {
  auc: number;
  aucCi: [number, number];
  /** auc minus the baseline's AUC, and its interval (the same resamples for both). */
  gain: number;
  gainCi: [number, number];
}

/**
 * Compares out-of-fold scores `scores` with a baseline's `base` on labels `y`: percentile intervals over 2000
 * resamples of the rows (fixed seed, so the intervals are a deterministic function of the scores; resamples holding
 * one label only are skipped). Rows where either score is NaN are left out.
 */
export function compareAucs(scores: readonly number[], base: readonly number[], y: readonly boolean[]): AucComparison {
  const keep = y.map((_, i) => i).filter((i) => !Number.isNaN(scores[i]) && !Number.isNaN(base[i]));
  const a = keep.map((i) => scores[i]);
  const b = keep.map((i) => base[i]);
  const l = keep.map((i) => y[i]);
  const auc = rocAuc(a, l);
  const next = xorshift(0x2545f491);
  const aucs: number[] = [];
  const gains: number[] = [];
  const n = keep.length;
  for (let rep = 0; rep < 2000; rep++) {
    const idx = Array.from({ length: n }, () => Math.floor(next() * n));
    const ly = idx.map((i) => l[i]);
    if (ly.every((v) => v === ly[0])) continue;
    const x = rocAuc(
      idx.map((i) => a[i]),
      ly,
    );
    aucs.push(x);
    gains.push(
      x -
        rocAuc(
          idx.map((i) => b[i]),
          ly,
        ),
    );
  }
  const pct = (v: number[], q: number): number => {
    const sorted = [...v].sort((p, r) => p - r);
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * sorted.length)))] ?? NaN;
  };
  return {
    auc,
    aucCi: [pct(aucs, 0.025), pct(aucs, 0.975)],
    gain: auc - rocAuc(b, l),
    gainCi: [pct(gains, 0.025), pct(gains, 0.975)],
  };
}
