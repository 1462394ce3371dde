// `radixnet report <results-dir|files...>`: one self-contained HTML page with every figure, its numbers and runs.
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { buildReport, resultsFiles } from '../figures/report.js';
import { writeOutput } from '../figures/output.js';
import { parseSizes } from '../topology/index.js';

interface ReportCliOptions {
  out: string;
  bench: string;
  radices: string;
  layers: string;
}

/** Adds `radixnet report` to the program. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write one self-contained HTML page: Fig 1 and 2 of a network, the figure, summary and run table of ' +
      'every results file, and the benchmark tables')
    .argument('<results...>', 'results files (JSON lines) or folders of them (*.jsonl)')
    .option('--out <file>', 'the HTML page to write', 'report.html')
    .option('--bench <file>', 'benchmark results to tabulate, when the file exists', 'bench/out/bench.json')
    .option('--radices <list>', 'the network drawn in Fig 1 and 2', '10,10/10')
    .option('--layers <sizes>', 'its layer sizes', '784,300,100,10')
    .addHelpText('after', '\nExamples:\n  radixnet report results/\n  radixnet report fig3.jsonl fig4.jsonl --out paper.html')
    .action(async (args: string[], opts: ReportCliOptions) => {
      const files = resultsFiles(args);
      const report = await buildReport(files, {
        radices: opts.radices, layers: parseSizes(opts.layers, '--layers'), bench: readBench(opts.bench),
        warn: (m) => console.error(`radixnet: warning: ${m}`),
      });
      writeOutput(opts.out, report.html);
      const tables = `${report.tables} table${report.tables === 1 ? '' : 's'}`;
      console.log(`wrote ${opts.out} (${report.figures.length} figures, ${tables}, ${(report.html.length / 1e6).toFixed(1)} MB)`);
    });
}

function readBench(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new InputError(`cannot read benchmark results ${path}: ${(err as Error).message}; rerun npm run bench or pass --bench`);
  }
}
