// A sweep's figure: a final metric (y) against a swept parameter (x), one series per value of another parameter, each
// run a dot and the median of each (x, series) group a line. Defaults: x the first swept parameter, the series the
// second (if any), y the validation accuracy.
import type { TopLevelSpec } from 'vega-lite';
import { InputError } from '../../errors.js';
import { groupRows, metricOf, parameterOf } from '../../suite/group.js';
import type { Plot } from './plot.js';

export const sweepPlot: Plot = {
  figure: 'sweep',
  shows: 'a final metric against a swept parameter, one series per value of another',
  reads: '`tags` (the swept values), `config`, `final`',
  draw(records, where, opts = {}) {
    const swept = Object.keys((records[0].params.parameters ?? {}) as object);
    const x = opts.x ?? swept[0];
    const series = opts.series ?? (opts.x === undefined ? swept[1] : swept.find((s) => s !== x));
    const y = opts.y ?? 'valAccuracy';
    if (!x) throw new InputError(`${where}: say which parameter goes along x (--x NAME)`);
    const by = series ? [x, series] : [x];
    const numeric = records.every((r) => Number.isFinite(Number(parameterOf(r, x))));
    const points = records
      .map((r) => {
        const v = metricOf(r, y);
        const xv = parameterOf(r, x);
        if (xv === undefined)
          throw new InputError(
            `${where}: record '${r.key}' has no parameter '${x}'; plot against a swept parameter (${swept.join(', ')}) or a config field`,
          );
        return {
          x: numeric ? Number(xv) : xv,
          y: v,
          series: series ? (parameterOf(r, series) ?? '-') : 'all',
          key: r.key,
        };
      })
      .filter((p) => Number.isFinite(p.y));
    const medians = groupRows(records, by, y).map((g) => ({
      x: numeric ? Number(g.group[x]) : g.group[x],
      y: g.median,
      series: series ? g.group[series] : 'all',
    }));
    const logX =
      numeric &&
      points.length > 0 &&
      points.every((p) => (p.x as number) > 0) &&
      Math.max(...points.map((p) => p.x as number)) / Math.min(...points.map((p) => p.x as number)) >= 20;
    const xEnc = {
      field: 'x',
      type: numeric ? 'quantitative' : 'ordinal',
      title: x,
      ...(logX ? { scale: { type: 'log' } } : {}),
    };
    const colour = { field: 'series', type: 'nominal', title: series ?? null };
    const spec = {
      title: {
        text: `${y} against ${x}`,
        subtitle: `${records.length} runs${series ? `, one series per ${series}` : ''}; lines: medians`,
      },
      width: 480,
      height: 300,
      layer: [
        {
          data: { values: points },
          mark: { type: 'point', filled: true, opacity: 0.5, size: 30 },
          encoding: {
            x: xEnc,
            y: { field: 'y', type: 'quantitative', title: y, scale: { zero: false } },
            color: colour,
            tooltip: [{ field: 'key' }, { field: 'y', format: '.4f' }],
          },
        },
        {
          data: { values: medians },
          mark: { type: 'line', point: false, strokeWidth: 2 },
          encoding: { x: xEnc, y: { field: 'y', type: 'quantitative' }, color: colour },
        },
      ],
    } as TopLevelSpec;
    const caption = `${y} of ${records.length} runs against ${x}${series ? `, one colour per ${series}` : ''}; dots are runs, lines the median of each group.`;
    return { spec, caption };
  },
};
