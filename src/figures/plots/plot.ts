// What every figure of an experiment's results is: a Vega-Lite spec and the caption under it, drawn from the records
// alone (their params say how the experiment was run).
import type { TopLevelSpec } from 'vega-lite';
import { InputError } from '../../errors.js';
import type { RunRecord } from '../../records/run-record.js';

// the summaries' statistics, so a figure's medians and bin labels are the printed ones
export { binLabel, median } from '../../analysis/stats.js';

/** The figure of one experiment (plots/index.ts keys them by experiment name), with its row of docs/experiments.md. */
export interface Plot {
  /** The paper's figure it reproduces, e.g. 'Fig. 4'. */
  figure: string;
  /** What it draws, in a few words. */
  shows: string;
  /** The record fields it reads (Markdown). */
  reads: string;
  /** Builds the spec and a one-paragraph caption; throws InputError when the records lack what the plot needs. */
  draw(records: readonly RunRecord[], where: string, opts?: PlotOptions): { spec: TopLevelSpec; caption: string };
}

/** Axes of the plots that take them (a sweep's metric against a parameter, one series per value of another). */
export interface PlotOptions {
  x?: string;
  y?: string;
  series?: string;
}

/** The paper's colours for training (red) and validation (blue) accuracy. */
export const TRAIN_COLOUR = '#d62728';
export const VALIDATION_COLOUR = '#1f77b4';

/** An open chevron (^) centred on the point, as a Vega symbol path in unit coordinates. */
export const CHEVRON = 'M-1,0.5L0,-0.5L1,0.5';

/** A tag value of a record as text, or an InputError naming the file when the experiment did not write it. */
export function tag(r: RunRecord, name: string, where: string): string {
  const v = r.tags[name];
  if (v === undefined || v === null) {
    throw new InputError(
      `${where}: record '${r.key}' has no tags.${name}, which this figure groups by; was it written by ` +
        `another version of experiment ${r.experiment}?`,
    );
  }
  return String(v);
}

/** Number of equal sparsity bins the run used (params.bins, 10 by default). */
export function binCount(r: RunRecord): number {
  const b = r.params.bins;
  return typeof b === 'number' && b >= 1 ? b : 10;
}

/** Accuracy per epoch of a record: training accuracy, and validation accuracy where it was measured. */
export function epochRows(r: RunRecord): { epoch: number; accuracy: number; valAccuracy: number | null }[] {
  return r.history.map((h) => ({ epoch: h.epoch, accuracy: h.accuracy, valAccuracy: h.valAccuracy ?? null }));
}

/** The x encoding of accuracy-per-epoch curves: whole epochs from 1 to `epochs` (at least 2, so one epoch still has an axis). */
export function epochAxis(epochs: number): Record<string, unknown> {
  return {
    field: 'epoch',
    type: 'quantitative',
    title: 'epoch',
    scale: { domain: [1, Math.max(2, epochs)], nice: false },
    axis: { tickMinStep: 1, format: 'd' },
  };
}

/** `n` with its noun, pluralised. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
