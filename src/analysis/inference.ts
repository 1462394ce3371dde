// The small inferential statistics the strange-model analyses need: binomial confidence intervals, Fisher's exact
// test, Brier score, ROC AUC, a reliability table, and a ridge-regularised logistic regression (Newton's method), all
// in float64 with no dependency, so that every number in docs/strange-models.md can be recomputed from the records.
import { InputError } from '../errors.js';

/** Wilson score interval of k successes in n trials (95% by default); [NaN, NaN] when n = 0. */
export function wilson(k: number, n: number, z = 1.959963984540054): [number, number] {
  if (n === 0) return [NaN, NaN];
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [Math.max(0, c - h), Math.min(1, c + h)];
}

function logFactorial(n: number): number {
  let s = 0;
  for (let k = 2; k <= n; k++) s += Math.log(k);
  return s;
}

/**
 * Two-sided Fisher exact test of a 2x2 table [[a, b], [c, d]] (rows: groups, columns: success/failure): the sum of
 * the probabilities of every table with the same margins no more likely than the observed one.
 */
export function fisherExact(a: number, b: number, c: number, d: number): number {
  const r1 = a + b;
  const r2 = c + d;
  const c1 = a + c;
  const n = r1 + r2;
  const lf = (x: number): number => logFactorial(x);
  const base = lf(r1) + lf(r2) + lf(c1) + lf(n - c1) - lf(n);
  const prob = (x: number): number => Math.exp(base - lf(x) - lf(r1 - x) - lf(c1 - x) - lf(r2 - c1 + x));
  const observed = prob(a);
  let p = 0;
  for (let x = Math.max(0, c1 - r2); x <= Math.min(r1, c1); x++) {
    const q = prob(x);
    if (q <= observed * (1 + 1e-7)) p += q;
  }
  return Math.min(1, p);
}

/** Mean squared difference between predicted probabilities and 0/1 outcomes. */
export function brier(predicted: readonly number[], observed: readonly boolean[]): number {
  if (predicted.length !== observed.length || predicted.length === 0) {
    throw new InputError(
      `brier needs as many predictions as outcomes (at least one), got ${predicted.length} and ${observed.length}`,
    );
  }
  return predicted.reduce((s, p, i) => s + (p - (observed[i] ? 1 : 0)) ** 2, 0) / predicted.length;
}

/** ROC AUC: the probability that a random positive scores above a random negative (ties count half); NaN without both. */
export function rocAuc(scores: readonly number[], positive: readonly boolean[]): number {
  const pos = scores.filter((_, i) => positive[i]);
  const neg = scores.filter((_, i) => !positive[i]);
  if (pos.length === 0 || neg.length === 0) return NaN;
  let wins = 0;
  for (const p of pos) for (const q of neg) wins += p > q ? 1 : p === q ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}

/** One row of a reliability table: the runs whose prediction fell in [low, high). */
export interface ReliabilityRow {
  low: number;
  high: number;
  runs: number;
  meanPredicted: number;
  observed: number;
  /** Observed frequency and its Wilson 95% interval. */
  frequency: number;
  ciLow: number;
  ciHigh: number;
}

/**
 * Predicted probability against observed frequency: runs grouped by prediction into the given bin edges (ascending,
 * from 0 to 1; the last bin includes 1), empty bins left out.
 */
export function reliabilityTable(
  predicted: readonly number[],
  observed: readonly boolean[],
  edges: readonly number[],
): ReliabilityRow[] {
  if (predicted.length !== observed.length) throw new InputError('reliabilityTable needs one outcome per prediction');
  const rows: ReliabilityRow[] = [];
  for (let b = 0; b + 1 < edges.length; b++) {
    const low = edges[b];
    const high = edges[b + 1];
    const last = b + 2 === edges.length;
    const idx = predicted
      .map((p, i) => i)
      .filter((i) => predicted[i] >= low && (predicted[i] < high || (last && predicted[i] <= high)));
    if (idx.length === 0) continue;
    const k = idx.filter((i) => observed[i]).length;
    const [ciLow, ciHigh] = wilson(k, idx.length);
    rows.push({
      low,
      high,
      runs: idx.length,
      meanPredicted: idx.reduce((s, i) => s + predicted[i], 0) / idx.length,
      observed: k,
      frequency: k / idx.length,
      ciLow,
      ciHigh,
    });
  }
  return rows;
}

/** A fitted logistic model: p = 1 / (1 + exp(-(b0 + sum b_j z_j))) on standardised features z_j = (x_j - mean_j) / sd_j. */
export interface Logistic {
  intercept: number;
  coef: number[];
  mean: number[];
  sd: number[];
}

/** Fits a logistic regression with an L2 penalty `ridge` on the (standardised) coefficients by Newton's method. */
export function fitLogistic(x: readonly (readonly number[])[], y: readonly boolean[], ridge = 1e-2): Logistic {
  const n = x.length;
  if (n === 0 || y.length !== n)
    throw new InputError(
      `fitLogistic needs one outcome per row and at least one row, got ${n} rows and ${y.length} outcomes`,
    );
  const d = x[0].length;
  const mean = Array.from({ length: d }, (_, j) => x.reduce((s, r) => s + r[j], 0) / n);
  const sd = Array.from({ length: d }, (_, j) => Math.sqrt(x.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / n) || 1);
  const z = x.map((r) => [1, ...r.map((v, j) => (v - mean[j]) / sd[j])]);
  const beta = new Array<number>(d + 1).fill(0);
  for (let iter = 0; iter < 100; iter++) {
    const grad = new Array<number>(d + 1).fill(0);
    const hess = Array.from({ length: d + 1 }, () => new Array<number>(d + 1).fill(0));
    for (let i = 0; i < n; i++) {
      const eta = z[i].reduce((s, v, j) => s + v * beta[j], 0);
      const p = 1 / (1 + Math.exp(-eta));
      const w = Math.max(p * (1 - p), 1e-12);
      for (let j = 0; j <= d; j++) {
        grad[j] += (p - (y[i] ? 1 : 0)) * z[i][j];
        for (let k = 0; k <= d; k++) hess[j][k] += w * z[i][j] * z[i][k];
      }
    }
    for (let j = 1; j <= d; j++) {
      grad[j] += ridge * beta[j];
      hess[j][j] += ridge;
    }
    const step = solve(hess, grad);
    let max = 0;
    for (let j = 0; j <= d; j++) {
      beta[j] -= step[j];
      max = Math.max(max, Math.abs(step[j]));
    }
    if (max < 1e-10) break;
  }
  return { intercept: beta[0], coef: beta.slice(1), mean, sd };
}

/** The probability a fitted logistic model gives a row. */
export function predictLogistic(m: Logistic, row: readonly number[]): number {
  const eta = m.intercept + row.reduce((s, v, j) => s + m.coef[j] * ((v - m.mean[j]) / m.sd[j]), 0);
  return 1 / (1 + Math.exp(-eta));
}

/** Solves A x = b (A symmetric positive definite, small) by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    const piv = m[c][c] || 1e-12;
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / piv;
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let k = r + 1; k < n; k++) s -= m[r][k] * x[k];
    x[r] = s / (m[r][r] || 1e-12);
  }
  return x;
}

/**
 * A small xorshift32 generator of uniform numbers in [0, 1) from a fixed seed, for bootstrap resampling: an interval
 * stays a deterministic function of the runs it is computed from.
 */
export function xorshift(seed: number): () => number {
  let s = seed;
  return (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}
