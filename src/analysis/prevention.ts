// Preventive measures against strangeness, measured: for each measure (a change of protocol or topology), how many of
// its runs on strange and at-risk models end normal (training accuracy > 0.75 after the screen), against the same
// models and seeds under the paper's protocol, and what it costs in weights added.
import type { RunRecord } from '../records/run-record.js';
import { fisherExact, wilson } from './inference.js';
import { lostClasses } from './per-class.js';
import { isStrange, STRANGE_ACCURACY } from './strangeness.js';

export interface MeasureRow {
  measure: string;
  runs: number;
  /** Runs that end normal (training accuracy above the threshold). */
  normal: number;
  recovery: number;
  ciLow: number;
  ciHigh: number;
  /** Two-sided Fisher exact p of normal runs against the baseline's (NaN for the baseline itself). */
  pVsBaseline: number;
  /** Runs that lost at least one class (test recall < 5%), where the records carry per-class recall. */
  withLostClass: number;
  /** Mean over the runs of (parameters trained - parameters of the same model at baseline): weights, and biases when on. */
  addedWeights: number;
  meanTrainAccuracy: number;
}

/**
 * Rows per measure over records tagged with `measure`, `radices` (the model) and `seed`; a baseline record counts for
 * the baseline row whatever its stage. Only models and seeds that have a baseline run are compared.
 */
export function measureTable(records: readonly RunRecord[], threshold = STRANGE_ACCURACY): MeasureRow[] {
  const baseline = new Map<string, RunRecord>();
  for (const r of records) if (r.tags.measure === 'baseline') baseline.set(`${r.tags.radices}|${r.tags.seed}`, r);
  const models = new Set(records.filter((r) => r.tags.stage === 'prevent').map((r) => String(r.tags.radices)));
  const byMeasure = new Map<string, RunRecord[]>();
  for (const r of records) {
    if (!models.has(String(r.tags.radices)) || !baseline.has(`${r.tags.radices}|${r.tags.seed}`)) continue;
    if (r.tags.measure !== 'baseline' && r.tags.stage !== 'prevent') continue;
    const m = String(r.tags.measure);
    if (!byMeasure.has(m)) byMeasure.set(m, []);
    byMeasure.get(m)!.push(r);
  }
  const normalOf = (rs: RunRecord[]): number => rs.filter((r) => !isStrange(r.final!.trainAccuracy, threshold)).length;
  const base = byMeasure.get('baseline') ?? [];
  const baseCounts = { runs: base.length, normal: normalOf(base) };
  const rows: MeasureRow[] = [];
  for (const [measure, rs] of byMeasure) {
    const counts: MeasureCounts = {
      measure,
      runs: rs.length,
      normal: normalOf(rs),
      withLostClass: rs.filter((r) => r.final?.testRecall && lostClasses(r.final.testRecall).length > 0).length,
      addedWeights:
        rs.reduce((s, r) => s + parameters(r) - parameters(baseline.get(`${r.tags.radices}|${r.tags.seed}`)!), 0) /
        rs.length,
      meanTrainAccuracy: rs.reduce((s, r) => s + r.final!.trainAccuracy, 0) / rs.length,
    };
    rows.push(measureRow(counts, baseCounts));
  }
  return rows.sort((a, b) =>
    a.measure === 'baseline'
      ? -1
      : b.measure === 'baseline'
        ? 1
        : b.recovery - a.recovery || a.addedWeights - b.addedWeights,
  );
}

/** What a measure's row is derived from: its counts over the runs (and the baseline's runs and normal runs). */
export type MeasureCounts = Omit<MeasureRow, 'recovery' | 'ciLow' | 'ciHigh' | 'pVsBaseline'>;

/** A measure's row from its counts: recovery with its Wilson 95% interval, Fisher p against the baseline's counts. */
export function measureRow(c: MeasureCounts, base: { runs: number; normal: number }): MeasureRow {
  const [ciLow, ciHigh] = wilson(c.normal, c.runs);
  return {
    measure: c.measure,
    runs: c.runs,
    normal: c.normal,
    recovery: c.normal / c.runs,
    ciLow,
    ciHigh,
    pVsBaseline:
      c.measure === 'baseline' ? NaN : fisherExact(c.normal, c.runs - c.normal, base.normal, base.runs - base.normal),
    withLostClass: c.withLostClass,
    addedWeights: c.addedWeights,
    meanTrainAccuracy: c.meanTrainAccuracy,
  };
}

/** Trained parameters of a run: its weights, plus one bias per non-input unit when biases are on. */
function parameters(r: RunRecord): number {
  const biases = r.config?.bias ? r.config.layers.slice(1).reduce((a, b) => a + b, 0) : 0;
  return r.topology.weights + biases;
}

/**
 * The cheapest measure that works: among measures whose recovery's 95% interval lies above `floor` (0.7: at least 7 runs in 10 end normal even at the bottom of the interval) and that beat the
 * baseline (Fisher p < 0.05), the one adding the fewest weights (then the highest recovery); null when none works.
 */
export function cheapestMeasure(rows: readonly MeasureRow[], floor = 0.7): MeasureRow | null {
  const working = rows.filter((r) => r.measure !== 'baseline' && r.ciLow >= floor && r.pVsBaseline < 0.05);
  working.sort((a, b) => Math.max(0, a.addedWeights) - Math.max(0, b.addedWeights) || b.recovery - a.recovery);
  return working[0] ?? null;
}

/** Text lines of the table. */
export function measureLines(rows: readonly MeasureRow[]): string[] {
  return [
    '  measure            runs  normal  recovery  95% CI       p vs baseline  lost a class  params added  mean train acc',
    ...rows.map(
      (r) =>
        `  ${r.measure.padEnd(17)}  ${String(r.runs).padStart(4)}  ${String(r.normal).padStart(6)}  ${r.recovery.toFixed(3).padStart(8)}  ` +
        `${r.ciLow.toFixed(3)}-${r.ciHigh.toFixed(3)}  ${(Number.isNaN(r.pVsBaseline) ? '-' : r.pVsBaseline.toPrecision(2)).padStart(13)}  ` +
        `${String(r.withLostClass).padStart(12)}  ${Math.round(r.addedWeights).toString().padStart(13)}  ${r.meanTrainAccuracy.toFixed(3).padStart(14)}`,
    ),
  ];
}
