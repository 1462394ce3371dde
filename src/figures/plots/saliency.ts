// Fig. 7: input saliency (sum of |outgoing weights| of each pixel in the first layer) of a magnitude-pruned model and
// a RadiX-Net of the same first-layer sparsity, drawn as images side by side on one colour scale.
import type { TopLevelSpec } from 'vega-lite';
import { InputError } from '../../errors.js';
import type { RunRecord } from '../../records/run-record.js';
import { type Plot, tag } from './plot.js';

/** A record's saliency map: data.saliency as { height, width, values } or as a plain square array. */
export function saliencyOf(r: RunRecord, where: string): { height: number; width: number; values: number[] } {
  const s = r.data?.saliency as unknown;
  const map = Array.isArray(s)
    ? { height: Math.round(Math.sqrt(s.length)), width: Math.round(Math.sqrt(s.length)), values: s }
    : (s as { height?: unknown; width?: unknown; values?: unknown } | undefined);
  const ok =
    map &&
    typeof map.height === 'number' &&
    typeof map.width === 'number' &&
    Array.isArray(map.values) &&
    map.values.length === map.height * map.width &&
    map.values.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (!ok)
    throw new InputError(
      `${where}: record '${r.key}' has no saliency map (data.saliency: height x width finite numbers)`,
    );
  return map as { height: number; width: number; values: number[] };
}

export const saliencyPlot: Plot = {
  figure: 'Fig. 7',
  shows: 'two 28 x 28 maps, one colour scale',
  reads: '`tags.model`, `tags.seed` (lowest shown), `data.saliency` `{height, width, values}`',
  draw(records, where) {
    // one map per model: the lowest seed's (the experiment may run several)
    const bySeed = [...records].sort((a, b) => Number(a.tags.seed ?? 0) - Number(b.tags.seed ?? 0));
    const shown: RunRecord[] = [];
    for (const r of bySeed) if (!shown.some((s) => tag(s, 'model', where) === tag(r, 'model', where))) shown.push(r);
    // the paper shows the pruned model on the left
    shown.sort((a, b) => Number(b.tags.model === 'pruned') - Number(a.tags.model === 'pruned'));
    let max = 0;
    const panels = shown.map((r) => {
      const model = tag(r, 'model', where);
      const map = saliencyOf(r, where);
      const values = map.values.map((v, k) => ({ row: Math.floor(k / map.width), col: k % map.width, saliency: v }));
      for (const v of map.values) max = Math.max(max, v);
      const first = r.topology.layerSparsity?.[0];
      return {
        title: {
          text: `${model}: ${r.topology.radices}${r.tags.seed === undefined ? '' : `, seed ${String(r.tags.seed)}`}`,
          subtitle:
            `sparsity ${pct(r.topology.sparsity)} overall` + (first === undefined ? '' : `, ${pct(first)} first layer`),
          fontSize: 12,
        },
        width: map.width * 8,
        height: map.height * 8,
        data: { values },
        mark: { type: 'rect' },
        encoding: {
          x: { field: 'col', type: 'ordinal', axis: null },
          y: { field: 'row', type: 'ordinal', axis: null },
          color: {
            field: 'saliency',
            type: 'quantitative',
            title: 'sum |w|',
            scale: { scheme: 'viridis', domain: [0, 0] },
          },
        },
      };
    });
    // one domain for every panel, so equal colours mean equal saliency
    for (const p of panels) p.encoding.color.scale.domain = [0, max];
    const spec = {
      title: {
        text: 'Input saliency of the first layer',
        subtitle: 'each pixel: sum of the absolute weights leaving it; one colour scale',
      },
      hconcat: panels,
      spacing: 24,
      resolve: { scale: { color: 'shared' } },
      config: { view: { stroke: null } },
    } as TopLevelSpec;
    const caption =
      `Saliency maps of ${shown.map((r) => `${String(r.tags.model)} (${r.topology.radices})`).join(' and ')}: ` +
      'each pixel is the sum of the absolute weights leaving that input in the first layer, on one shared colour scale, ' +
      "as in the paper's Fig. 7.";
    return { spec, caption };
  },
};

function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}
