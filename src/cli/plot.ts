// `radixnet plot <results.jsonl>`: the figure of whichever experiment wrote the file, as SVG or PNG.
import type { Command } from 'commander';
import { readRecords } from '../figures/records.js';
import { readCombined } from '../suite/combine.js';
import { plotFor } from '../figures/plots/index.js';
import { formatOf, writeFigure, type WrittenFigure } from '../figures/render.js';
import type { Io } from './io.js';

export interface PlotOptions {
  /** A results file (JSON lines). */
  results: string;
  /** More results files of the same experiment drawn together (more seeds or stages, run as other plans). */
  more?: string[];
  /** .svg or .png; default: the results file with .svg. */
  out?: string;
  /** Sweeps: the parameter along x, the metric along y, the parameter whose values are the series. */
  x?: string;
  y?: string;
  series?: string;
}

/** What `plot` answers with: the file written, the figure's name and its caption. */
export interface PlotResult extends WrittenFigure {
  figure: string;
  caption: string;
}

export async function plotRun(opts: PlotOptions, io: Io): Promise<void> {
  const out = opts.out ?? `${opts.results.replace(/\.jsonl?$/, '')}.svg`;
  formatOf(out);
  const records = opts.more?.length
    ? readCombined([opts.results, ...opts.more], (m) => io.warn(m))
    : readRecords(opts.results, (m) => io.warn(m));
  const plot = plotFor(records, opts.results);
  const { spec, caption } = plot.draw(records, opts.results, { x: opts.x, y: opts.y, series: opts.series });
  const written = await writeFigure(spec, out);
  io.result({ ...written, figure: plot.figure, caption }, (r) => [
    `wrote ${r.path} (${r.figure}, ${r.format.toUpperCase()}, ${r.width} x ${r.height} px)`,
    r.caption,
  ]);
}

/** Adds `radixnet plot` to the program. */
export function registerPlot(program: Command, io: Io): void {
  program
    .command('plot')
    .description(
      'draw the figure of a results file (Fig 3, 4, 5, 7, 8, 9 or the pruning comparison, chosen by the ' +
        'experiment that wrote it; a sweep: a metric against a parameter) as SVG or PNG',
    )
    .argument('<results>', 'a results file (JSON lines) written by `radixnet experiment`')
    .argument('[more...]', 'more results files of the same experiment drawn together (more seeds, other stages)')
    .option(
      '--out <file>',
      'output file: .svg, or .png (2 device pixels per px); its folder is created; default: the results file with .svg',
    )
    .option('--x <name>', 'sweeps: the parameter along x (default: the first swept one)')
    .option(
      '--y <metric>',
      'sweeps: the final metric along y (default valAccuracy; also testAccuracy, trainAccuracy, the losses, sparsity, wallSeconds)',
    )
    .option('--series <name>', 'sweeps: one series per value of this parameter (default: the second swept one)')
    .option('--json', 'print what was written as JSON (docs/cli.md)')
    .addHelpText(
      'after',
      '\nExamples:\n  radixnet plot results/accuracy-vs-sparsity.jsonl\n  radixnet plot fig5.jsonl --out fig5.png',
    )
    .action((results: string, more: string[], f: { out?: string; x?: string; y?: string; series?: string }) =>
      plotRun({ results, more, out: f.out, x: f.x, y: f.y, series: f.series }, io),
    );
}
