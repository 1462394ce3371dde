// `radixnet report <results-dir|files...>`: one self-contained HTML page with every figure, its numbers and runs.
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { buildReport, resultsFiles } from '../figures/report.js';
import { writeOutput } from '../figures/output.js';
import type { Io } from './io.js';
import { layersOption } from './options.js';

export interface ReportOptions {
  /** Results files (JSON lines) or folders of them. */
  results: string[];
  /** The HTML page to write. */
  out: string;
  /** Benchmark results to tabulate, when the file exists. */
  bench: string;
  /** The network drawn in Fig 1 and 2. */
  radices: string;
  layers: number[];
}

/** What `report` answers with. */
export interface ReportResult {
  out: string;
  figures: number;
  tables: number;
  bytes: number;
}

export async function reportRun(opts: ReportOptions, io: Io): Promise<void> {
  const files = resultsFiles(opts.results);
  const report = await buildReport(files, {
    radices: opts.radices,
    layers: opts.layers,
    bench: readBench(opts.bench),
    warn: (m) => io.warn(m),
  });
  writeOutput(opts.out, report.html);
  const data: ReportResult = {
    out: opts.out,
    figures: report.figures.length,
    tables: report.tables,
    bytes: Buffer.byteLength(report.html),
  };
  io.result(
    data,
    (r) =>
      `wrote ${r.out} (${r.figures} figures, ${r.tables} table${r.tables === 1 ? '' : 's'}, ` +
      `${(report.html.length / 1e6).toFixed(1)} MB)`,
  );
}

/** Adds `radixnet report` to the program. */
export function registerReport(program: Command, io: Io): void {
  program
    .command('report')
    .description(
      'write one self-contained HTML page: Fig 1 and 2 of a network, the figure, summary and run table of ' +
        'every results file, and the benchmark tables',
    )
    .argument('<results...>', 'results files (JSON lines) or folders of them (*.jsonl)')
    .option('--out <file>', 'the HTML page to write; its folder is created', 'report.html')
    .option('--bench <file>', 'benchmark results to tabulate, when the file exists', 'bench/out/bench.json')
    .option('--radices <list>', 'the network drawn in Fig 1 and 2', '10,10/10')
    .addOption(layersOption('its layer sizes'))
    .option('--json', 'print what was written as JSON (docs/cli.md)')
    .addHelpText(
      'after',
      '\nExamples:\n  radixnet report results/\n  radixnet report fig3.jsonl fig4.jsonl --out paper.html',
    )
    .action((results: string[], f: Omit<ReportOptions, 'results'>) =>
      reportRun({ results, out: f.out, bench: f.bench, radices: f.radices, layers: f.layers }, io),
    );
}

function readBench(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new InputError(
      `cannot read benchmark results ${path}: ${(err as Error).message}; rerun npm run bench or pass --bench`,
    );
  }
}
