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
import { intOption, shardCountOption, shardOption, sweepThreadsOption, workersOption } from './options.js';

export function registerSweep(program: Command): void {
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
    .option('--json', 'print the plan or summary as JSON on stdout and progress as JSON lines on stderr')
    .addHelpText(
      'after',
      '\nExamples:\n  radixnet sweep examples/sweeps/lr-vs-radices.yaml --plan\n  radixnet sweep examples/sweeps/lr-vs-radices.yaml --out lr.jsonl\n  radixnet summarize lr.jsonl --by lr --metric testAccuracy\n  radixnet plot lr.jsonl --x lr --series radices',
    )
    .action(
      async (
        file: string,
        o: {
          plan?: boolean;
          out?: string;
          maxRuns?: number;
          shard?: string;
          shardCount?: number;
          workers?: number;
          threads?: number;
          data?: string;
          json?: boolean;
        },
      ) => {
        const params = await readSweepFile(file);
        if (o.maxRuns !== undefined) params.maxRuns = o.maxRuns;
        const shard = resolveShard({ shard: o.shard, count: o.shardCount });
        if (o.plan) {
          const p = plan(sweepExperiment, resolveParams(sweepExperiment, params), []);
          if (o.json)
            process.stdout.write(
              JSON.stringify({ experiment: p.experiment, planId: p.planId, params: p.params, runs: p.runs }) + '\n',
            );
          else {
            console.log(`plan ${p.planId} of sweep ${params.name ?? file}: ${p.runs.length} runs`);
            for (const r of p.runs) console.log(`${String(r.index).padStart(5)}  ${r.key}`);
          }
          return;
        }
        const stem = basename(file).replace(/\.(ya?ml|json)$/i, '');
        const out = o.out ?? (shard ? `${stem}.shard-${shard.index}-of-${shard.count}.jsonl` : `${stem}.jsonl`);
        // a line every ~5% of the runs on stderr (JSON lines with --json)
        let last = -1;
        const result = await runPlan(sweepExperiment, {
          params,
          out,
          shard: shard ?? undefined,
          workers: o.workers,
          threads: o.threads,
          data: o.data,
          onProgress: (e) => {
            if (o.json) return void process.stderr.write(JSON.stringify(e) + '\n');
            const step = Math.max(1, Math.ceil(e.total / 20));
            if (e.type === 'run' && (e.done === e.total || Math.floor(e.done / step) !== last)) {
              last = Math.floor(e.done / step);
              process.stderr.write(`${e.done}/${e.total} runs\n`);
            }
          },
        });
        const summary = summarizeRecords(result.records);
        const timing =
          `${result.ran} runs in ${result.wallSeconds.toFixed(1)} s on ${result.workers} worker(s) x ${result.threads} thread(s), ` +
          `${result.skipped} already done${shard ? ` (shard ${shard.index}/${shard.count} from ${shard.source})` : ''}; results in ${out}`;
        if (o.json)
          process.stdout.write(
            JSON.stringify({
              planId: result.plan.planId,
              out,
              ran: result.ran,
              skipped: result.skipped,
              records: result.records.length,
              summary: summary.data,
            }) + '\n',
          );
        else console.log([...summary.text, timing].join('\n'));
      },
    );
}
