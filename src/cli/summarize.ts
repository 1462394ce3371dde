// `radixnet summarize FILE`: an experiment's summary from its results file; the work is src/suite/summarize.ts.
// `--by NAMES --metric M` instead groups the runs by any parameters (src/suite/group.ts).
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { groupRows, METRICS, type GroupRow } from '../suite/group.js';
import { readResults } from '../suite/results-file.js';
import { summarizeFiles } from '../suite/summarize.js';
import type { RunRecord } from '../suite/experiment.js';
import type { Io } from './io.js';

export interface SummarizeOptions {
  /** Results files (JSON lines): one, or several of one experiment (more seeds of the same runs, other plans). */
  files: string[];
  /** Group the runs by these parameters instead (swept parameters, config fields, tags). */
  by?: string[];
  /** The final metric of `by` (default valAccuracy). */
  metric?: string;
}

/** What `summarize` answers with. */
export interface SummarizeResult {
  experiment: string;
  planId: string;
  runs: number;
  runSeconds: number;
  summary: Record<string, unknown>;
}

export function summarizeRun(opts: SummarizeOptions, io: Io): void {
  if (opts.by) return groupRun(opts.files, opts.by, opts.metric ?? 'valAccuracy', io);
  const s = summarizeFiles(opts.files, (m) => io.warn(m));
  const data: SummarizeResult = {
    experiment: s.experiment,
    planId: s.planId,
    runs: s.runs,
    runSeconds: s.runSeconds,
    summary: s.data,
  };
  io.result(data, [...s.text, `${s.runs} runs, ${s.runSeconds.toFixed(1)} s of run time in total`]);
}

/** `--by`: one line per group of runs, the metric's median, min and max. */
function groupRun(files: string[], by: string[], metric: string, io: Io): void {
  const records: RunRecord[] = [];
  for (const file of files) {
    const read = readResults(file, { warn: (m) => io.warn(m) }).records;
    if (read.length === 0)
      throw new InputError(`${file} holds no records; check the path, or run the sweep with --out ${file}`);
    records.push(...read);
  }
  const rows: GroupRow[] = groupRows(records, by, metric);
  const width = by.map((n) => Math.max(n.length, ...rows.map((r) => r.group[n].length)));
  const f = (v: number): string => (Number.isFinite(v) ? v.toPrecision(4) : '-').padStart(8);
  io.result({ by, metric, groups: rows }, [
    `${records.length} runs of ${records[0].experiment} grouped by ${by.join(', ')}: ${metric}`,
    `${by.map((n, i) => n.padStart(width[i])).join('  ')}  runs   median      min      max`,
    ...rows.map(
      (r) =>
        `${by.map((n, i) => r.group[n].padStart(width[i])).join('  ')}  ${String(r.count).padStart(4)} ${f(r.median)} ${f(r.min)} ${f(r.max)}`,
    ),
  ]);
}

/** Adds `radixnet summarize FILE` to the program. */
export function registerSummarize(program: Command, io: Io): void {
  program
    .command('summarize')
    .description("print an experiment's summary from its results file (a local sweep or shards merged from a cluster)")
    .argument('<files...>', 'results file (JSON lines); several: more seeds of one experiment, summarized together')
    .option(
      '--by <names>',
      'instead: group the runs by these parameters (comma-separated: swept parameters, config fields such as lr or radices, tags) and print median, min and max of --metric',
    )
    .option('--metric <name>', `the final metric of --by: ${METRICS.join(', ')}`, 'valAccuracy')
    .option('--json', 'print the summary as JSON (docs/cli.md)')
    .action((files: string[], f: { by?: string; metric: string }) =>
      summarizeRun(
        {
          files,
          by:
            f.by === undefined
              ? undefined
              : f.by
                  .split(',')
                  .map((s) => s.trim())
                  .filter(Boolean),
          metric: f.metric,
        },
        io,
      ),
    );
}
