// `radixnet summarize FILE`: an experiment's summary from its results file; the work is src/suite/summarize.ts.
import type { Command } from 'commander';
import { summarizeFile } from '../suite/summarize.js';
import type { Io } from './io.js';

export interface SummarizeOptions {
  /** Results file (JSON lines). */
  file: string;
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
  const s = summarizeFile(opts.file, (m) => io.warn(m));
  const data: SummarizeResult = { experiment: s.experiment, planId: s.planId, runs: s.runs, runSeconds: s.runSeconds, summary: s.data };
  io.result(data, [...s.text, `${s.runs} runs, ${s.runSeconds.toFixed(1)} s of run time in total`]);
}

/** Adds `radixnet summarize FILE` to the program. */
export function registerSummarize(program: Command, io: Io): void {
  program
    .command('summarize')
    .description("print an experiment's summary from its results file (a local sweep or shards merged from a cluster)")
    .argument('<file>', 'results file (JSON lines)')
    .option('--json', 'print the summary as JSON (docs/cli.md)')
    .action((file: string) => summarizeRun({ file }, io));
}
