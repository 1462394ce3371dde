// `radixnet export RESULTS.jsonl --csv`: a results file as CSV (src/suite/export.ts), on stdout or into --out.
import type { Command } from 'commander';
import { writeFileSync, renameSync } from 'node:fs';
import { InputError } from '../errors.js';
import { recordsToCsv } from '../suite/export.js';
import { readResults } from '../suite/results-file.js';
import type { Io } from './io.js';

export interface ExportOptions {
  /** The results file (JSON lines). */
  results: string;
  /** The format, said explicitly (CSV is the one offered). */
  csv: boolean;
  /** Write the CSV here (whole, then renamed into place) instead of answering with it. */
  out?: string;
}

/** What `export` answers with: the rows written, and the CSV itself when it was not written to a file. */
export interface ExportResult {
  results: string;
  rows: number;
  out: string | null;
  csv?: string;
}

export async function exportRun(opts: ExportOptions, io: Io): Promise<void> {
  if (!opts.csv) throw new InputError('say the format: radixnet export RESULTS --csv (CSV is the one format offered)');
  const { records } = readResults(opts.results, { warn: (m) => io.warn(m) });
  if (records.length === 0) throw new InputError(`${opts.results} holds no records; nothing to export`);
  const text = await recordsToCsv(records);
  if (!opts.out) {
    // the CSV is the answer (its last newline is the one io ends an answer with)
    io.result<ExportResult>({ results: opts.results, rows: records.length, out: null, csv: text }, (d) =>
      d.csv!.replace(/\n$/, ''),
    );
    return;
  }
  const part = `${opts.out}.part-${process.pid}`;
  writeFileSync(part, text);
  renameSync(part, opts.out);
  io.result<ExportResult>(
    { results: opts.results, rows: records.length, out: opts.out },
    `wrote ${records.length} rows to ${opts.out}`,
  );
}

/** Adds `radixnet export RESULTS --csv` to the program. */
export function registerExport(program: Command, io: Io): void {
  program
    .command('export')
    .description(
      'write a results file as CSV: one row per run, swept parameters (tag.*), options (config.*), topology and final metrics as columns',
    )
    .argument('<results>', 'a results file (JSON lines) of radixnet experiment or radixnet sweep')
    .option('--csv', 'CSV output (the only format; the flag says so in scripts)')
    .option('--out <file>', 'write the CSV to this file (written whole, then renamed into place) instead of stdout')
    .option(
      '--json',
      'answer with a JSON envelope (docs/cli.md): the row count, and the CSV text when not written to --out',
    )
    .action((results: string, f: { csv?: boolean; out?: string }) =>
      exportRun({ results, csv: f.csv === true, out: f.out }, io),
    );
}
