// `radixnet export RESULTS.jsonl --csv`: a results file as CSV (src/suite/export.ts), on stdout or into --out.
import type { Command } from 'commander';
import { writeFileSync, renameSync } from 'node:fs';
import { InputError } from '../errors.js';
import { recordsToCsv } from '../suite/export.js';
import { readResults } from '../suite/results-file.js';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description(
      'write a results file as CSV: one row per run, swept parameters (tag.*), options (config.*), topology and final metrics as columns',
    )
    .argument('<results>', 'a results file (JSON lines) of radixnet experiment or radixnet sweep')
    .option('--csv', 'CSV output (the only format; the flag says so in scripts)')
    .option('--out <file>', 'write the CSV to this file (written whole, then renamed into place) instead of stdout')
    .action(async (results: string, o: { csv?: boolean; out?: string }) => {
      if (!o.csv) throw new InputError('say the format: radixnet export RESULTS --csv (CSV is the one format offered)');
      const { records } = readResults(results, { warn: (m) => console.error(`radixnet: warning: ${m}`) });
      if (records.length === 0) throw new InputError(`${results} holds no records; nothing to export`);
      const text = await recordsToCsv(records);
      if (!o.out) {
        process.stdout.write(text);
        return;
      }
      const part = `${o.out}.part-${process.pid}`;
      writeFileSync(part, text);
      renameSync(part, o.out);
      console.error(`wrote ${records.length} rows to ${o.out}`);
    });
}
