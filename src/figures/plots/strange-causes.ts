// The strange-causes figures: how a strange run loses its classes (per-class training recall per epoch, one line per
// class, of the longest-trained run that ends with the most lost classes), and the reliability diagram of the risk
// model (predicted probability against observed frequency on the evaluation seeds, with 95% intervals).
import type { TopLevelSpec } from 'vega-lite';
import { InputError } from '../../errors.js';
import type { RunRecord } from '../../suite/experiment.js';
import { lostClasses } from '../../analysis/per-class.js';
import { evaluateRisk, riskRuns } from '../../analysis/strange-risk.js';
import { epochAxis, type Plot } from './plot.js';

/** The run whose classes die most visibly: most epochs with per-class recall, then most lost classes, then plan order. */
export function dyingRun(records: readonly RunRecord[]): RunRecord | null {
  const runs = records.filter(
    (r) => r.history.length > 0 && r.history.every((e) => Array.isArray(e.trainRecall)) && r.final?.testRecall,
  );
  runs.sort(
    (a, b) =>
      b.history.length - a.history.length ||
      lostClasses(b.final!.testRecall!).length - lostClasses(a.final!.testRecall!).length ||
      a.index - b.index,
  );
  return runs[0] ?? null;
}

export const strangeCausesPlot: Plot = {
  figure: 'strange causes',
  shows: 'per-class recall per epoch of a strange run; reliability diagram of the risk model',
  reads:
    '`history[].trainRecall`, `final.testRecall`, `tags.stage` (`calibrate`), `tags.role` (`fit`, `eval`), `final.trainAccuracy`',
  draw(records, where) {
    const panels: Record<string, unknown>[] = [];
    const captions: string[] = [];
    const run = dyingRun(records);
    if (run) {
      const lost = new Set(lostClasses(run.final!.testRecall!));
      // the lost classes sit on top of each other at 0, so the legend names them rather than leaving their colours to tell
      const name = (c: number): string => (lost.has(c) ? `${c} (lost)` : String(c));
      const values = run.history.flatMap((e) =>
        e.trainRecall!.map((v, c) => ({
          epoch: e.epoch,
          recall: v,
          class: name(c),
          lost: lost.has(c) ? 'lost' : 'kept',
        })),
      );
      panels.push({
        title: {
          text: `per-class training recall of ${run.topology.radices} (seed ${run.config?.seed ?? '?'})`,
          subtitle:
            `${lost.size} of 10 classes lost at the end (test recall < 5%)` +
            (lost.size ? `: ${[...lost].sort((a, b) => a - b).join(', ')} (dashed)` : ''),
          fontSize: 12,
        },
        width: 480,
        height: 220,
        data: { values },
        mark: { type: 'line', strokeWidth: 1.6, point: { size: 12 } },
        encoding: {
          x: epochAxis(run.history.length),
          y: {
            field: 'recall',
            type: 'quantitative',
            title: 'training recall of the class',
            scale: { domain: [0, 1] },
          },
          color: {
            field: 'class',
            type: 'nominal',
            title: 'class',
            sort: Array.from({ length: 10 }, (_, c) => name(c)),
          },
          strokeDash: {
            field: 'lost',
            type: 'nominal',
            scale: {
              domain: ['kept', 'lost'],
              range: [
                [1, 0],
                [4, 3],
              ],
            },
            legend: null,
          },
        },
      });
      captions.push(
        `Top: per-class training recall (on the first training images) after each epoch of ${run.topology.radices}, ` +
          `${run.history.length} epochs; dashed lines are the classes it has lost by the end.`,
      );
    }
    const calib = records.filter((r) => r.tags.stage === 'calibrate');
    const fit = calib.filter((r) => r.tags.role === 'fit');
    const evaluation = calib.filter((r) => r.tags.role === 'eval');
    if (fit.length && evaluation.length) {
      const layers = (records[0].params.layers as number[] | undefined) ?? [784, 300, 100, 10];
      const e = evaluateRisk(riskRuns(fit, layers), riskRuns(evaluation, layers));
      const values = e.reliability
        .filter((r) => r.evalRuns > 0)
        .map((r) => ({
          group: r.group,
          predicted: r.probability,
          observed: r.frequency,
          low: r.ciLow,
          high: r.ciHigh,
          runs: r.evalRuns,
          label: `${r.group} (${r.evalStrange}/${r.evalRuns})`,
        }));
      // labels of groups that sit close together (the safe groups all near 0) are stacked upwards instead of overprinted
      const placed: { x: number; y: number }[] = [];
      const labels = [...values]
        .sort((a, b) => a.predicted - b.predicted || a.observed - b.observed)
        .map((v) => {
          let y = v.observed + 0.03;
          while (placed.some((p) => Math.abs(p.x - v.predicted) < 0.25 && Math.abs(p.y - y) < 0.045)) y += 0.05;
          placed.push({ x: v.predicted, y });
          return { ...v, labelY: y };
        });
      panels.push({
        title: {
          text: 'reliability of the risk model',
          subtitle: `fitted on ${e.fitRuns} runs, scored on ${e.evalRuns} runs of other seeds`,
          fontSize: 12,
        },
        width: 480,
        height: 300,
        layer: [
          {
            data: {
              values: [
                { x: 0, y: 0 },
                { x: 1, y: 1 },
              ],
            },
            mark: { type: 'line', color: '#999', strokeDash: [3, 3] },
            encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
          },
          {
            data: { values },
            mark: { type: 'rule', strokeWidth: 1.5 },
            encoding: {
              x: { field: 'predicted', type: 'quantitative' },
              y: { field: 'low', type: 'quantitative' },
              y2: { field: 'high' },
              color: { field: 'group', type: 'nominal', legend: null },
            },
          },
          {
            data: { values },
            mark: { type: 'point', filled: true, size: 70 },
            encoding: {
              x: {
                field: 'predicted',
                type: 'quantitative',
                title: 'predicted probability of a strange run',
                scale: { domain: [0, 1] },
              },
              y: {
                field: 'observed',
                type: 'quantitative',
                title: 'observed frequency (95% CI)',
                scale: { domain: [0, 1] },
              },
              color: { field: 'group', type: 'nominal', title: 'topology group' },
            },
          },
          // labels right of their point, or left of it near the right edge, where they would be cut off
          ...[
            { side: (v: { predicted: number }) => v.predicted <= 0.7, align: 'left', dx: 8 },
            { side: (v: { predicted: number }) => v.predicted > 0.7, align: 'right', dx: -8 },
          ].map((l) => ({
            data: { values: labels.filter(l.side) },
            mark: { type: 'text', align: l.align, baseline: 'middle', dx: l.dx, fontSize: 11 },
            encoding: {
              x: { field: 'predicted', type: 'quantitative' },
              y: { field: 'labelY', type: 'quantitative' },
              text: { field: 'label' },
              color: { field: 'group', type: 'nominal', legend: null },
            },
          })),
        ],
      });
      captions.push(
        `${run ? 'Bottom' : 'The figure'}: each topology group's predicted probability of a strange run (fitted on the fit ` +
          'seeds) against the frequency observed on the evaluation seeds, with Wilson 95% intervals; the dashed line is perfect calibration.',
      );
    }
    if (panels.length === 0) {
      throw new InputError(
        `${where}: nothing to draw: no run with per-class recall per epoch and no calibrate runs of both roles (fit and eval)`,
      );
    }
    const spec = {
      title: 'Strange models: classes dying, and the calibrated risk',
      vconcat: panels,
      spacing: 24,
      resolve: { scale: { color: 'independent' } },
    } as unknown as TopLevelSpec;
    return { spec, caption: captions.join(' ') };
  },
};
