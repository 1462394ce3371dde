// Fig 2 of the paper: the network drawn as a layered graph, the first k units of every layer as nodes and one edge
// per mask nonzero between them, which shows the RadiX-Net's repeating structure.
import type { TopLevelSpec } from 'vega-lite';
import type { RadixNet } from '../topology/index.js';
import { formatRadixList } from '../topology/index.js';

/** Most edges one graph draws: beyond it the lines merge into a solid band and the SVG grows past a megabyte. */
export const MAX_GRAPH_EDGES = 4000;
/** Most nodes per layer: beyond it the nodes overlap at any readable height. */
export const MAX_GRAPH_NODES = 100;

export interface GraphFigure {
  spec: TopLevelSpec;
  /** Nodes drawn per layer (min(k, n_l)). */
  nodes: number[];
  edges: number;
  warnings: string[];
}

/** The edges (l, i, o) among the first k units of each layer: mask l's nonzeros with i < k and o < k. */
export function graphEdges(net: RadixNet, k: number): { l: number; i: number; o: number }[] {
  const edges: { l: number; i: number; o: number }[] = [];
  net.masks.forEach((mask, l) => {
    for (let o = 0; o < Math.min(k, mask.nOut); o++) {
      for (const i of mask.inputsOf(o)) {
        if (i >= k) break;
        edges.push({ l, i, o });
      }
    }
  });
  return edges;
}

/** Builds Fig 2: the first `k` units of each layer (default 20), capped at MAX_GRAPH_EDGES edges with a warning. */
export function graphFigure(net: RadixNet, k = 20): GraphFigure {
  const warnings: string[] = [];
  let nodesPerLayer = k;
  if (nodesPerLayer > MAX_GRAPH_NODES) {
    warnings.push(`${k} nodes per layer would overlap; drawing the first ${MAX_GRAPH_NODES} units of each layer`);
    nodesPerLayer = MAX_GRAPH_NODES;
  }
  const asked = nodesPerLayer;
  let edges = graphEdges(net, nodesPerLayer);
  while (edges.length > MAX_GRAPH_EDGES && nodesPerLayer > 1) edges = graphEdges(net, --nodesPerLayer);
  if (nodesPerLayer < asked) {
    warnings.push(
      `the first ${asked} units of each layer have ${graphEdges(net, asked).length} edges; drawing the first ` +
        `${nodesPerLayer} (${edges.length} edges, at most ${MAX_GRAPH_EDGES})`,
    );
  }
  const nodes = net.layers.map((n) => Math.min(nodesPerLayer, n));
  const nodeValues = nodes.flatMap((count, layer) => Array.from({ length: count }, (_, unit) => ({ layer, unit })));
  const edgeValues = edges.map(({ l, i, o }) => ({ x: l, y: i, x2: l + 1, y2: o }));
  const names = net.layers.map((n, l) =>
    l === 0 ? `input (${n})` : l === net.layers.length - 1 ? `output (${n})` : `hidden ${l} (${n})`,
  );
  const tallest = Math.max(...nodes);
  const x = {
    type: 'quantitative' as const,
    title: null,
    scale: { domain: [0, net.layers.length - 1], nice: false },
    axis: {
      values: net.layers.map((_, l) => l),
      labelExpr: `${JSON.stringify(names)}[datum.value]`,
      grid: false,
      orient: 'top' as const,
    },
  };
  const y = {
    type: 'quantitative' as const,
    title: 'unit',
    scale: { domain: [tallest - 1 + 0.5, -0.5], nice: false, zero: false },
    axis: {
      values: Array.from({ length: tallest }, (_, u) => u).filter((u) => u % (tallest > 40 ? 10 : 5) === 0),
      grid: false,
    },
  };
  const spec = {
    title: {
      text: `RadiX-Net ${formatRadixList(net.radices)} on ${net.layers.join('-')}`,
      subtitle:
        `${net.layers.every((n) => n <= nodesPerLayer) ? 'all units' : `first ${nodesPerLayer} units of each layer`}; ` +
        `one edge per connection among them (${edges.length} edges)`,
    },
    width: 160 * (net.layers.length - 1),
    height: Math.max(120, tallest * 16),
    layer: [
      {
        data: { values: edgeValues },
        mark: { type: 'rule', stroke: '#4c78a8', strokeWidth: 0.7, opacity: 0.6 },
        encoding: { x: { field: 'x', ...x }, y: { field: 'y', ...y }, x2: { field: 'x2' }, y2: { field: 'y2' } },
      },
      {
        data: { values: nodeValues },
        mark: { type: 'circle', size: 40, color: '#333333', opacity: 1 },
        encoding: { x: { field: 'layer', ...x }, y: { field: 'unit', ...y } },
      },
    ],
    config: { view: { stroke: null } },
  } as TopLevelSpec;
  return { spec, nodes, edges: edges.length, warnings };
}
