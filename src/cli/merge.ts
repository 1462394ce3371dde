// `radixnet merge OUT FILES...`: shard results files of one plan combined into one; the work is src/suite/merge.ts.
// Missing runs fail the command (exit 1), so a cluster job that merges then summarizes stops instead of summarizing
// half the results.
import type { Command } from 'commander';
import { mergeResults, type MergeReport } from '../suite/merge.js';
import { ranges } from './format.js';
import type { Io } from './io.js';
import { isChallengeFile } from '../suite/challenge-merge.js';
import { challengeMergeRun } from './challenge.js';

export interface MergeOptions {
  /** The merged results file to write. */
  out: string;
  /** Shard results files. */
  files: string[];
}

/** What `merge` answers with: the report, with the count of merged records in place of the records. */
export type MergeResult = Omit<MergeReport, 'records'> & { out: string; records: number; files: number };

export function mergeRun(opts: MergeOptions, io: Io): void {
  // shards of `radixnet challenge` have their own merge (src/suite/challenge-merge.ts)
  if (opts.files.length > 0 && isChallengeFile(opts.files[0])) return challengeMergeRun(opts, io);
  const { records, ...report } = mergeResults(opts.out, opts.files, (m) => io.warn(m));
  const data: MergeResult = { ...report, out: opts.out, records: records.length, files: opts.files.length };
  if (data.missing.length === 0) io.result(data, text);
  else {
    io.fail(
      `${data.missing.length} of ${data.planned} runs are missing from the merged files (a shard not run or not ` +
        `finished); rerun those shards, then merge again`,
      data,
      text,
    );
  }
}

function text(r: MergeResult): string[] {
  const lines = [
    `merged ${r.records} of ${r.planned} runs of ${r.experiment} (plan ${r.planId.slice(0, 12)}) from ${r.files} files into ${r.out}`,
  ];
  if (r.missing.length) {
    lines.push(
      `missing ${r.missing.length} runs (a shard not run or not finished): indices ${ranges(r.missing.map((m) => m.index))}`,
    );
  }
  if (r.laterStages.length) {
    lines.push(
      `${r.laterStages.length} runs of a later stage are planned from these records: run radixnet experiment ${r.experiment} ` +
        `with the same options and --out ${r.out} to run them`,
    );
  }
  if (r.duplicates.length) {
    lines.push(
      `duplicated ${r.duplicates.length} runs (kept one copy): ${r.duplicates.slice(0, 10).join(' ')}${r.duplicates.length > 10 ? ' ...' : ''}`,
    );
  }
  return lines;
}

/** Adds `radixnet merge OUT FILES...` to the program. */
export function registerMerge(program: Command, io: Io): void {
  program
    .command('merge')
    .description(
      'combine shard results files of one plan into one file, reporting missing and duplicated runs ' +
        '(exit 1 when runs are missing; the merged file is written all the same)',
    )
    .argument('<out>', 'merged results file to write')
    .argument('<files...>', 'shard results files')
    .option('--json', 'print the report as JSON (docs/cli.md)')
    .action((out: string, files: string[]) => mergeRun({ out, files }, io));
}
