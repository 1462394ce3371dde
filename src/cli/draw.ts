// `radixnet draw heatmap|graph <radices>`: the paper's Fig 1 (mask heatmaps) and Fig 2 (layered graph) of one
// RadiX-Net, written as SVG or PNG.
import type { Command } from 'commander';
import { parseSizes, radixNet } from '../topology/index.js';
import { heatmapFigure } from '../figures/heatmap.js';
import { graphFigure } from '../figures/graph.js';
import { writeFigure, type WrittenFigure } from '../figures/render.js';
import { intOption } from './options.js';
import { InputError } from '../errors.js';

interface NetOptions {
  layers: string;
  kron?: string;
  out: string;
}

/** Adds `radixnet draw heatmap` and `radixnet draw graph` to the program. */
export function registerDraw(program: Command): void {
  const draw = program.command('draw').description('draw a RadiX-Net: mask heatmaps (Fig 1) or a layered graph (Fig 2), as SVG or PNG');
  const netOptions = (cmd: Command, out: string): Command => cmd
    .argument('<radices>', 'radix list: sublists separated by "/", e.g. 10,10/10, or JSON [[10,10],[10]]')
    .option('--layers <sizes>', 'layer sizes n_0,...,n_L (one radix per weight layer)', '784,300,100,10')
    .option('--kron <widths>', 'Kronecker widths B_0,...,B_L, each B_l * N >= n_l (default ceil(n_l / N))')
    .option('--out <file>', 'output file: .svg, or .png (rasterised at 2 device pixels per px)', out);
  const build = (radices: string, opts: NetOptions) =>
    radixNet(radices, parseSizes(opts.layers, '--layers'), { kron: opts.kron === undefined ? undefined : parseSizes(opts.kron, '--kron') });

  netOptions(draw.command('heatmap'), 'heatmap.svg')
    .description('Fig 1: the top-left block of each layer\'s 0/1 mask, connections yellow, none purple, one panel per layer')
    .option('--block <n|all>', 'side of the top-left block drawn per layer, or "all" for whole layers (capped at ' +
      '20000 cells with a warning)', parseBlock, 24 as number | 'all')
    .addHelpText('after', '\nExamples:\n  radixnet draw heatmap 10,10/10\n  radixnet draw heatmap 2,2/2 --layers 16,16,8,4 --block all --out small.png')
    .action(async (radices: string, opts: NetOptions & { block: number | 'all' }) => {
      const fig = heatmapFigure(build(radices, opts), { block: opts.block });
      report(fig.warnings, await writeFigure(fig.spec, opts.out), `${fig.panels.length} panels`);
    });

  netOptions(draw.command('graph'), 'graph.svg')
    .description('Fig 2: the first k units of every layer as nodes, one edge per connection among them')
    .option('--nodes <k>', 'units drawn per layer (capped at 100, and so that at most 4000 edges are drawn)', intOption('--nodes', 1), 20)
    .addHelpText('after', '\nExamples:\n  radixnet draw graph 10,10/10\n  radixnet draw graph 2,2/2 --nodes 8 --out graph.png')
    .action(async (radices: string, opts: NetOptions & { nodes: number }) => {
      const fig = graphFigure(build(radices, opts), opts.nodes);
      report(fig.warnings, await writeFigure(fig.spec, opts.out), `${fig.nodes.reduce((a, b) => a + b, 0)} nodes, ${fig.edges} edges`);
    });
}

function parseBlock(text: string): number | 'all' {
  if (text === 'all') return 'all';
  if (!/^\d+$/.test(text) || Number(text) < 1) {
    throw new InputError(`--block must be a positive whole number (the side of the top-left block) or "all", got "${text}"`);
  }
  return Number(text);
}

function report(warnings: string[], written: WrittenFigure, what: string): void {
  for (const w of warnings) console.error(`radixnet: warning: ${w}`);
  console.log(`wrote ${written.path} (${written.format.toUpperCase()}, ${written.width} x ${written.height} px, ${what})`);
}
