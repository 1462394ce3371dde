// `radixnet sweep FILE`: run the sweep a YAML or JSON file defines (src/suite/sweep-file.ts) through the experiment
// runner: plan and plan id, --plan, JSON-lines results that resume, --shard and the cluster variables.
import type { Command } from 'commander';
import { basename } from 'node:path';
import { plan, resolveParams } from '../suite/plan.js';
import { runPlan } from '../suite/runner.js';
import { resolveShard } from '../suite/shard.js';
import { summarizeRecords } from '../suite/summarize.js';
import { readSweepFile } from '../suite/sweep-file.js';
import { sweepExperiment } from '../suite/experiments/sweep.js';
import { progressPrinter, sweepAnswer, type ExperimentResult, type PlanResult } from './experiment.js';
import { intOption, shardCountOption, shardOption, sweepThreadsOption, workersOption } from './options.js';
import type { Io } from './io.js';

export interface SweepOptions {
  /** The sweep file (.yaml, .yml or .json). */
  file: string;
  /** Print the plan instead of running it. */
  plan: boolean;
  out?: string;
  /** Allow a plan of up to this many runs (overrides the file's max_runs). */
  maxRuns?: number;
  /** `i/n`; default from the cluster's environment. */
  shard?: string;
  shardCount?: number;
  workers?: number;
  threads?: number;
  /** Folder of a named dataset's files. */
  data?: string;
}

/** What `sweep` answers with: an experiment's result, and the sweep's name. */
export type SweepResult = ExperimentResult & { sweep: string };

export async function sweepRun(opts: SweepOptions, io: Io): Promise<void> {
  const params = await readSweepFile(opts.file);
  if (opts.maxRuns !== undefined) params.maxRuns = opts.maxRuns;
  const name = params.name ?? opts.file;
  const shard = resolveShard({ shard: opts.shard, count: opts.shardCount }, io.streams.env);
  if (opts.plan) {
    const p = plan(sweepExperiment, resolveParams(sweepExperiment, params), []);
    const data: PlanResult = { experiment: p.experiment, planId: p.planId, params: p.params, runs: p.runs };
    io.result(data, () => [
      `plan ${p.planId} of sweep ${name}: ${p.runs.length} runs`,
      ...p.runs.map((r) => `${String(r.index).padStart(5)}  ${r.key}`),
    ]);
    return;
  }
  const stem = basename(opts.file).replace(/\.(ya?ml|json)$/i, '');
  const out = opts.out ?? (shard ? `${stem}.shard-${shard.index}-of-${shard.count}.jsonl` : `${stem}.jsonl`);
  const progress = progressPrinter(io);
  let result;
  try {
    result = await runPlan(sweepExperiment, {
      params,
      out,
      shard: shard ?? undefined,
      workers: opts.workers,
      threads: opts.threads,
      data: opts.data,
      onProgress: progress.update,
      warn: (m) => io.warn(m),
    });
  } finally {
    progress.stop();
  }
  const summary = summarizeRecords(result.records);
  const timing =
    `${result.ran} runs in ${result.wallSeconds.toFixed(1)} s on ${result.workers} worker(s) x ${result.threads} thread(s), ` +
    `${result.skipped} already done${shard ? ` (shard ${shard.index}/${shard.count} from ${shard.source})` : ''}; results in ${out}`;
  // the sweep's name second, where its answer has always had it
  const { experiment, ...rest } = sweepAnswer(sweepExperiment.name, out, shard, result, summary.data);
  const data: SweepResult = { experiment, sweep: name, ...rest };
  io.result(data, [...summary.text, timing]);
}

/** Adds `radixnet sweep FILE` to the program. */
export function registerSweep(program: Command, io: Io): void {
  program
    .command('sweep')
    .description(
      'run a sweep defined in a YAML or JSON file: base training options and the options to vary (grid or random); resumable, shardable',
    )
    .argument('<file>', 'sweep file (.yaml, .yml or .json); examples in examples/sweeps/')
    .option('--plan', 'print the plan (runs and keys) without running it')
    .option(
      '--out <file>',
      "results file, JSON lines; resumes when it exists (default: the sweep file's name with .jsonl, with shards .shard-I-of-N.jsonl)",
    )
    .option(
      '--max-runs <n>',
      'allow a plan of up to N runs (default: max_runs of the file, else 1000)',
      intOption('--max-runs', 1),
    )
    .addOption(shardOption())
    .addOption(shardCountOption())
    .addOption(workersOption())
    .addOption(sweepThreadsOption())
    .option('--data <dir>', "folder of a named dataset's files (as radixnet experiment --data)")
    .option(
      '--json',
      'print the plan or the result as JSON on stdout (docs/cli.md) and progress as JSON lines on stderr',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  radixnet sweep examples/sweeps/lr-vs-radices.yaml --plan\n  radixnet sweep examples/sweeps/lr-vs-radices.yaml --out lr.jsonl\n  radixnet summarize lr.jsonl --by lr --metric testAccuracy\n  radixnet plot lr.jsonl --x lr --series radices',
    )
    .action((file: string, f: Omit<SweepOptions, 'file' | 'plan'> & { plan?: boolean }) =>
      sweepRun(
        {
          file,
          plan: f.plan === true,
          out: f.out,
          maxRuns: f.maxRuns,
          shard: f.shard,
          shardCount: f.shardCount,
          workers: f.workers,
          threads: f.threads,
          data: f.data,
        },
        io,
      ),
    );
}
