// Fig 1 of the paper: each layer's 0/1 connection mask as a heatmap of its top-left block (inputs down, outputs
// across), nonzero and zero in the paper's two colours, one panel per layer.
import type { TopLevelSpec } from 'vega-lite';
import type { RadixNet } from '../topology/index.js';
import { formatRadixList } from '../topology/index.js';

/** The paper's colours: yellow for a connection, purple for none (the ends of the viridis scale). */
export const NONZERO_COLOUR = '#fde725';
export const ZERO_COLOUR = '#440154';

/** Most cells one heatmap draws (all panels): beyond this a cell is under a pixel and the SVG runs to megabytes. */
export const MAX_HEATMAP_CELLS = 20_000;

export interface HeatmapOptions {
  /** Side of the top-left block drawn per layer, or 'all' for whole layers. Default 24. */
  block?: number | 'all';
}

/** A heatmap spec, the block actually drawn and any warning about a cap. */
export interface HeatmapFigure {
  spec: TopLevelSpec;
  /** Side of the block drawn (capped so that no more than MAX_HEATMAP_CELLS cells are drawn). */
  block: number;
  /** Cells drawn per layer: rows (inputs) x columns (outputs). */
  panels: { rows: number; cols: number }[];
  warnings: string[];
}

/** Builds Fig 1 for a RadiX-Net: one panel per weight layer, cell (i, o) coloured by mask bit [i, o]. */
export function heatmapFigure(net: RadixNet, opts: HeatmapOptions = {}): HeatmapFigure {
  const largest = Math.max(...net.masks.map((m) => Math.max(m.nIn, m.nOut)));
  const asked = opts.block === 'all' ? largest : Math.min(opts.block ?? 24, largest);
  const cellsAt = (b: number): number => net.masks.reduce((s, m) => s + Math.min(b, m.nIn) * Math.min(b, m.nOut), 0);
  let block = asked;
  while (block > 1 && cellsAt(block) > MAX_HEATMAP_CELLS) block--;
  const warnings =
    block < asked
      ? [
          `a ${opts.block === 'all' ? 'whole-layer' : `${asked} x ${asked}`} heatmap would draw ${cellsAt(asked)} cells; ` +
            `drawing the top-left ${block} x ${block} block of each layer instead (at most ${MAX_HEATMAP_CELLS} cells)`,
        ]
      : [];
  const panels = net.masks.map((m) => ({ rows: Math.min(block, m.nIn), cols: Math.min(block, m.nOut) }));
  const cell = Math.max(3, Math.min(12, Math.floor(320 / block)));
  const step = tickStep(block);
  const charts = net.masks.map((mask, l) => {
    const { rows, cols } = panels[l];
    const values: { i: number; o: number; connection: string }[] = [];
    for (let i = 0; i < rows; i++) {
      for (let o = 0; o < cols; o++) values.push({ i, o, connection: 'none' });
    }
    for (let o = 0; o < cols; o++) {
      for (const i of mask.inputsOf(o)) {
        if (i >= rows) break;
        values[i * cols + o].connection = 'nonzero';
      }
    }
    const ticks = (n: number): number[] => Array.from({ length: Math.ceil(n / step) }, (_, k) => k * step);
    return {
      title: { text: `layer ${l + 1}: ${mask.nIn} x ${mask.nOut}`, fontSize: 12 },
      width: cols * cell,
      height: rows * cell,
      data: { values },
      mark: { type: 'rect' as const, stroke: 'white', strokeWidth: cell >= 6 ? 0.5 : 0 },
      encoding: {
        x: {
          field: 'o',
          type: 'ordinal' as const,
          title: 'output unit',
          axis: { values: ticks(cols), labelAngle: 0, grid: false },
        },
        y: { field: 'i', type: 'ordinal' as const, title: 'input unit', axis: { values: ticks(rows), grid: false } },
        color: {
          field: 'connection',
          type: 'nominal' as const,
          title: 'weight',
          scale: { domain: ['nonzero', 'none'], range: [NONZERO_COLOUR, ZERO_COLOUR] },
        },
      },
    };
  });
  const what = panels.every((p, l) => p.rows === net.masks[l].nIn && p.cols === net.masks[l].nOut)
    ? 'whole masks'
    : `top-left ${block} x ${block} block of each mask`;
  const spec = {
    title: {
      text: `RadiX-Net ${formatRadixList(net.radices)} on ${net.layers.join('-')}`,
      subtitle: `${what}; yellow: connection, purple: none; sparsity ${net.sparsity.toFixed(4)}`,
    },
    hconcat: charts,
    spacing: 24,
    config: { view: { stroke: null } },
  } as TopLevelSpec;
  return { spec, block, panels, warnings };
}

/** A tick spacing (1, 2, 5, 10, 20, 50, ...) that puts at most about 8 labels on an axis of n cells. */
function tickStep(n: number): number {
  for (let base = 1; ; base *= 10) {
    for (const m of [1, 2, 5]) if (n / (m * base) <= 8) return m * base;
  }
}
