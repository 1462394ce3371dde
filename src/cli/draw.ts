// `radixnet draw heatmap|graph <radices>`: the paper's Fig 1 (mask heatmaps) and Fig 2 (layered graph) of one
// RadiX-Net, written as SVG or PNG.
import type { Command } from 'commander';
import { radixNet, type RadixNet } from '../topology/index.js';
import { heatmapFigure } from '../figures/heatmap.js';
import { graphFigure } from '../figures/graph.js';
import { writeFigure, type WrittenFigure } from '../figures/render.js';
import { addNetworkOptions, intOption, type NetworkOptions } from './options.js';
import type { Io } from './io.js';
import { InputError } from '../errors.js';

export interface HeatmapOptions extends NetworkOptions {
  /** .svg or .png */
  out: string;
  /** Side of the top-left block drawn per layer, or whole layers. */
  block: number | 'all';
}

export interface GraphOptions extends NetworkOptions {
  out: string;
  /** Units drawn per layer. */
  nodes: number;
}

/** What `draw` answers with: the file written and what it shows. */
export interface DrawResult extends WrittenFigure {
  panels?: number;
  nodes?: number;
  edges?: number;
}

export async function heatmapRun(opts: HeatmapOptions, io: Io): Promise<void> {
  const fig = heatmapFigure(build(opts), { block: opts.block });
  for (const w of fig.warnings) io.warn(w);
  const written = await writeFigure(fig.spec, opts.out);
  io.result({ ...written, panels: fig.panels.length }, (r) => wrote(r, `${r.panels} panels`));
}

export async function graphRun(opts: GraphOptions, io: Io): Promise<void> {
  const fig = graphFigure(build(opts), opts.nodes);
  for (const w of fig.warnings) io.warn(w);
  const written = await writeFigure(fig.spec, opts.out);
  const nodes = fig.nodes.reduce((a, b) => a + b, 0);
  io.result({ ...written, nodes, edges: fig.edges }, (r) => wrote(r, `${r.nodes} nodes, ${r.edges} edges`));
}

/** Adds `radixnet draw heatmap` and `radixnet draw graph` to the program. */
export function registerDraw(program: Command, io: Io): void {
  const draw = program
    .command('draw')
    .description('draw a RadiX-Net: mask heatmaps (Fig 1) or a layered graph (Fig 2), as SVG or PNG');
  const common = (cmd: Command, out: string): Command =>
    addNetworkOptions(cmd)
      .option(
        '--out <file>',
        'output file: .svg, or .png (rasterised at 2 device pixels per px); its folder is created',
        out,
      )
      .option('--json', 'print what was written as JSON (docs/cli.md)');

  common(draw.command('heatmap'), 'heatmap.svg')
    .description(
      "Fig 1: the top-left block of each layer's 0/1 mask, connections yellow, none purple, one panel per layer",
    )
    .option(
      '--block <n|all>',
      'side of the top-left block drawn per layer, or "all" for whole layers (capped at ' +
        '20000 cells with a warning)',
      parseBlock,
      24 as number | 'all',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  radixnet draw heatmap 10,10/10\n  radixnet draw heatmap 2,2/2 --layers 16,16,8,4 --block all --out small.png',
    )
    .action((radices: string, f: Omit<HeatmapOptions, 'radices'>) =>
      heatmapRun({ radices, layers: f.layers, kron: f.kron, out: f.out, block: f.block }, io),
    );

  common(draw.command('graph'), 'graph.svg')
    .description('Fig 2: the first k units of every layer as nodes, one edge per connection among them')
    .option(
      '--nodes <k>',
      'units drawn per layer (capped at 100, and so that at most 4000 edges are drawn)',
      intOption('--nodes', 1),
      20,
    )
    .addHelpText(
      'after',
      '\nExamples:\n  radixnet draw graph 10,10/10\n  radixnet draw graph 2,2/2 --nodes 8 --out graph.png',
    )
    .action((radices: string, f: Omit<GraphOptions, 'radices'>) =>
      graphRun({ radices, layers: f.layers, kron: f.kron, out: f.out, nodes: f.nodes }, io),
    );
}

function build(opts: NetworkOptions): RadixNet {
  return radixNet(opts.radices, opts.layers, { kron: opts.kron });
}

function parseBlock(text: string): number | 'all' {
  if (text === 'all') return 'all';
  if (!/^\d+$/.test(text) || Number(text) < 1) {
    throw new InputError(
      `--block must be a positive whole number (the side of the top-left block) or "all", got "${text}"`,
    );
  }
  return Number(text);
}

function wrote(w: WrittenFigure, what: string): string {
  return `wrote ${w.path} (${w.format.toUpperCase()}, ${w.width} x ${w.height} px, ${what})`;
}
