// `radixnet plot <results.jsonl>`: the figure of whichever experiment wrote the file, as SVG or PNG.
import type { Command } from 'commander';
import { readRecords } from '../figures/records.js';
import { plotFor } from '../figures/plots/index.js';
import { formatOf, writeFigure } from '../figures/render.js';

/** Adds `radixnet plot` to the program. */
export function registerPlot(program: Command): void {
  program
    .command('plot')
    .description('draw the figure of a results file (Fig 3, 4, 5, 7, 8, 9 or the pruning comparison, chosen by the ' +
      'experiment that wrote it) as SVG or PNG')
    .argument('<results>', 'a results file (JSON lines) written by `radixnet experiment`')
    .option('--out <file>', 'output file: .svg, or .png (2 device pixels per px); default: the results file with .svg')
    .addHelpText('after', '\nExamples:\n  radixnet plot results/accuracy-vs-sparsity.jsonl\n  radixnet plot fig5.jsonl --out fig5.png')
    .action(async (results: string, opts: { out?: string }) => {
      const out = opts.out ?? `${results.replace(/\.jsonl?$/, '')}.svg`;
      formatOf(out);
      const records = readRecords(results, (m) => console.error(`radixnet: warning: ${m}`));
      const plot = plotFor(records, results);
      const { spec, caption } = plot.draw(records, results);
      const written = await writeFigure(spec, out);
      console.log(`wrote ${written.path} (${plot.figure}, ${written.format.toUpperCase()}, ${written.width} x ${written.height} px)`);
      console.log(caption);
    });
}
