// The Graph Challenge rate figure (docs/graph-challenge.md): edges/s against layers, one line per neuron count, with
// the published SuiteSparse:GraphBLAS CPU results beside them (scaled to this machine's cores) and this machine's FMA
// limit. Drawn from `bench/challenge.ts`'s rows alone.
import type { TopLevelSpec } from 'vega-lite';

export interface ChallengeRatePoint {
  neurons: number;
  layers: number;
  /** Edges per second, the challenge's way. */
  edgesPerSecond: number;
  /** Who: 'radixnet' or a published result's label. */
  who: string;
}

/** Edges/s against layers (log-log), one colour per neuron count, one shape per implementation; `limit` a rule. */
export function challengeRateSpec(
  points: readonly ChallengeRatePoint[],
  subtitle: string,
  limit?: { edgesPerSecond: number; label: string },
): TopLevelSpec {
  const values = points.map((p) => ({ ...p, neuronsLabel: `${p.neurons} neurons`, g: p.edgesPerSecond / 1e9 }));
  const layers: object[] = [
    {
      data: { values },
      mark: { type: 'line', point: { filled: true, size: 60 }, strokeWidth: 1.5 },
      encoding: {
        x: {
          field: 'layers',
          type: 'quantitative',
          scale: { type: 'log', domain: [100, 2400] },
          axis: { values: [120, 480, 1920] },
          title: 'layers',
        },
        y: { field: 'g', type: 'quantitative', scale: { type: 'log' }, title: 'G edges/s' },
        color: {
          field: 'neuronsLabel',
          type: 'nominal',
          title: null,
          sort: ['1024 neurons', '4096 neurons', '16384 neurons', '65536 neurons'],
        },
        strokeDash: { field: 'who', type: 'nominal', title: null },
        shape: { field: 'who', type: 'nominal', title: null, legend: { labelLimit: 300 } },
        detail: [{ field: 'who' }, { field: 'neuronsLabel' }],
        tooltip: [
          { field: 'who' },
          { field: 'neurons' },
          { field: 'layers' },
          { field: 'g', format: '.2f', title: 'G edges/s' },
        ],
      },
    },
  ];
  if (limit) {
    layers.push({
      data: { values: [{ g: limit.edgesPerSecond / 1e9, label: limit.label }] },
      layer: [
        {
          mark: { type: 'rule', strokeDash: [2, 2], color: '#555' },
          encoding: { y: { field: 'g', type: 'quantitative' } },
        },
      ],
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    // the limit's label goes under the title: written beside the rule it crossed the 1024-neuron lines and points
    title: {
      text: 'Sparse DNN Graph Challenge inference rate',
      subtitle: limit ? [subtitle, `dotted grey rule: ${limit.label}`] : subtitle,
    },
    width: 460,
    height: 300,
    layer: layers,
  } as TopLevelSpec;
}
