// What a reproduction's runs took against what their arithmetic needs: per experiment the wall time beside its FLOP
// floor (the multiply-adds of the training steps and evaluations its records list, at one core's measured
// multiply-add peak times the cores), and for Fig. 4 (accuracy-vs-sparsity) the same per sparsity bin, with each
// run's epochs apart from its fixed cost (build, evaluation, the rest of wallSeconds). `radixnet reproduce` prints it
// and writes it to timings.json and timings.md, so its numbers can be pasted with the command that made them.
import type { RunRecord } from '../records/run-record.js';
import { binLabel, median } from '../analysis/stats.js';

/** One experiment of a reproduction: this invocation's wall time and the floor of the runs it ran. */
export interface ExperimentTimingRow {
  experiment: string;
  figure: string;
  records: number;
  ran: number;
  skipped: number;
  /** Wall time of this invocation's sweep of the experiment (a resumed one covers what it ran). */
  wallSeconds: number;
  /** Sum of wallSeconds of the runs ran now (over all workers). */
  runSeconds: number;
  /** Multiply-add flops (2 per multiply-add) of the runs ran now: training steps and evaluations. */
  flops: number;
  /** flops at the peak of `cores` cores: the least wall time the arithmetic of the runs ran now needs. */
  floorSeconds: number;
}

/** Fig. 4 per sparsity bin, over every record of the file (each run's own times, whichever invocation ran it). */
export interface BinTimingRow {
  bin: string;
  runs: number;
  /** Sum of the bin's runs' wallSeconds. */
  runSeconds: number;
  /** Per run, medians: its epochs' training time, the rest of its wallSeconds, and its training steps' multiply-adds
   * at one core's peak (the floor of its epochs). */
  epochSeconds: number;
  overheadSeconds: number;
  floorSeconds: number;
}

export interface ReproduceTimings {
  /** Single-core multiply-add peak of the build that ran (GFLOP/s) and the cores the experiments' floors assume. */
  peakGflops: number;
  cores: number;
  experiments: ExperimentTimingRow[];
  /** Fig. 4's bins, in bin order (empty when accuracy-vs-sparsity was not run). */
  fig4Bins: BinTimingRow[];
  wallSeconds: number;
  floorSeconds: number;
}

/** A run as the timings read it: the record, and whether this invocation ran it. */
export interface TimedExperiment {
  experiment: string;
  figure: string;
  records: readonly RunRecord[];
  ranKeys: ReadonlySet<string>;
  skipped: number;
  wallSeconds: number;
}

/**
 * Multiply-add flops (2 each) of a record's training steps and of its evaluations: per training sample the forward
 * and weight-gradient products of every layer and the input gradient of all but the first; per validation sample
 * (each epoch) and test sample the forward product. Layer nonzeros from the record's layer sparsities (else its
 * overall sparsity); samples trained from each epoch's rate and time. Topology-only records (no config) need none.
 */
export function recordFlops(r: RunRecord): { training: number; evaluation: number } {
  const c = r.config;
  if (!c || r.history.length === 0) return { training: 0, evaluation: 0 };
  const sizes = c.layers;
  const nnz = sizes.slice(1).map((n, l) => (1 - (r.topology.layerSparsity?.[l] ?? r.topology.sparsity)) * n * sizes[l]);
  const forward = nnz.reduce((s, z) => s + z, 0);
  const step = nnz.reduce((s, z, l) => s + z * (l === 0 ? 2 : 3), 0);
  let training = 0;
  let evaluated = c.testSamples ?? 10000;
  for (const e of r.history) {
    const trained = e.samplesPerSecond * e.seconds;
    training += trained * step;
    if (c.validationSplit > 0) evaluated += (trained * c.validationSplit) / (1 - c.validationSplit);
  }
  return { training: 2 * training, evaluation: 2 * evaluated * forward };
}

/**
 * Whether a record's run executed here. A run whose twin (identical masks and config) trained is written as a copy
 * of the twin's outcome with wallSeconds 0 (src/suite/runner.ts): it costs no arithmetic and has no time of its own,
 * so it counts in neither a floor nor a per-run median.
 */
const executed = (r: RunRecord): boolean => r.wallSeconds > 0;

const totalFlops = (r: RunRecord): number => {
  const f = recordFlops(r);
  return f.training + f.evaluation;
};

/** The timings of a reproduction's experiments, floors at `peakGflops` per core on `cores` cores. */
export function reproduceTimings(
  experiments: readonly TimedExperiment[],
  peakGflops: number,
  cores: number,
): ReproduceTimings {
  const perCore = peakGflops * 1e9;
  const rows = experiments.map((e): ExperimentTimingRow => {
    const ran = e.records.filter((r) => e.ranKeys.has(r.key));
    const flops = ran.filter(executed).reduce((s, r) => s + totalFlops(r), 0);
    return {
      experiment: e.experiment,
      figure: e.figure,
      records: e.records.length,
      ran: ran.length,
      skipped: e.skipped,
      wallSeconds: e.wallSeconds,
      runSeconds: ran.reduce((s, r) => s + r.wallSeconds, 0),
      flops,
      floorSeconds: flops / (perCore * cores),
    };
  });
  const fig4 = experiments.find((e) => e.experiment === 'accuracy-vs-sparsity');
  const byBin = new Map<number, RunRecord[]>();
  for (const r of (fig4?.records ?? []).filter(executed)) {
    const bin = Number(r.tags.bin);
    if (!Number.isInteger(bin)) continue;
    byBin.set(bin, [...(byBin.get(bin) ?? []), r]);
  }
  const fig4Bins = [...byBin.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([bin, runs]): BinTimingRow => {
      const epochs = runs.map((r) => r.history.reduce((s, e) => s + e.seconds, 0));
      return {
        bin: binLabel(bin, typeof runs[0].params.bins === 'number' ? runs[0].params.bins : 10),
        runs: runs.length,
        runSeconds: runs.reduce((s, r) => s + r.wallSeconds, 0),
        epochSeconds: median(epochs),
        overheadSeconds: median(runs.map((r, k) => r.wallSeconds - epochs[k])),
        floorSeconds: median(runs.map((r) => recordFlops(r).training / perCore)),
      };
    });
  return {
    peakGflops,
    cores,
    experiments: rows,
    fig4Bins,
    wallSeconds: rows.reduce((s, r) => s + r.wallSeconds, 0),
    floorSeconds: rows.reduce((s, r) => s + r.floorSeconds, 0),
  };
}

/** The timings as Markdown: the experiments' table, then Fig. 4's per-bin table, each with a line saying what it is. */
export function timingsMarkdown(t: ReproduceTimings, extra: { reportSeconds?: number } = {}): string[] {
  const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}x` : '');
  const s = (v: number, digits = 1): string => (Number.isFinite(v) ? v.toFixed(digits) : '');
  const rows = t.experiments.map((e) => [
    e.figure,
    e.experiment,
    String(e.records),
    String(e.ran),
    String(e.skipped),
    s(e.wallSeconds),
    s(e.runSeconds),
    s(e.floorSeconds),
    ratio(e.wallSeconds, e.floorSeconds),
  ]);
  if (extra.reportSeconds !== undefined)
    rows.push(['report', 'report.html', '', '', '', s(extra.reportSeconds), '', '', '']);
  const wall = t.wallSeconds + (extra.reportSeconds ?? 0);
  rows.push(['total', '', '', '', '', s(wall), '', s(t.floorSeconds), ratio(wall, t.floorSeconds)]);
  const lines = [
    `Wall time per experiment (this invocation) beside its FLOP floor: the multiply-adds of the runs it ran at ` +
      `${t.peakGflops.toFixed(1)} GFLOP/s (one core's measured peak) x ${t.cores} cores.`,
    '',
    ...markdownTable(
      ['figure', 'experiment', 'records', 'ran now', 'skipped', 'wall s', 'run s (sum)', 'floor s', 'wall / floor'],
      rows,
      2,
    ),
  ];
  if (t.fig4Bins.length > 0) {
    lines.push(
      '',
      'Fig. 4 (accuracy-vs-sparsity) per sparsity bin, the runs of the file that trained (copies of a twin left out): per run (medians) its epochs, the rest of ' +
        'its wall time (build, evaluation, scheduling), and the floor of its epochs (their multiply-adds at the peak of one core).',
      '',
      ...markdownTable(
        ['bin', 'runs', 'run s (sum)', 'epochs s/run', 'overhead s/run', 'floor s/run', 'epochs / floor'],
        t.fig4Bins.map((b) => [
          b.bin,
          String(b.runs),
          s(b.runSeconds),
          s(b.epochSeconds, 3),
          s(b.overheadSeconds, 3),
          s(b.floorSeconds, 3),
          ratio(b.epochSeconds, b.floorSeconds),
        ]),
      ),
    );
  }
  return lines;
}

/** A Markdown table, columns padded (the first `left` left-aligned, the numbers after them right-aligned), readable
 * as plain text. */
function markdownTable(head: string[], body: string[][], left = 1): string[] {
  const width = head.map((h, c) => Math.max(h.length, 3, ...body.map((r) => r[c].length)));
  const cell = (v: string, c: number): string => (c < left ? v.padEnd(width[c]) : v.padStart(width[c]));
  const line = (r: string[]): string => `| ${r.map(cell).join(' | ')} |`;
  const rule = `|${width.map((w, c) => (c < left ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(head), rule, ...body.map(line)];
}
