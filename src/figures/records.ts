// Results files as plot and report read them: the suite's checked reader, plus what a figure needs on top: the file
// exists, holds records, and all of one experiment. Every problem is a one-line InputError naming the file (and line).
import { existsSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { RunRecord } from '../records/run-record.js';
import { readResults } from '../suite/results-file.js';

/**
 * Reads a results file for drawing. A torn last line (a run killed while writing) is dropped with a warning; a missing
 * or empty file, a corrupt line elsewhere, a line that is not a record, or records of two experiments are refused.
 */
export function readRecords(path: string, warn: (message: string) => void = () => {}): RunRecord[] {
  if (!existsSync(path)) throw new InputError(`cannot read results file ${path} (ENOENT)`);
  const { records } = readResults(path, { warn });
  if (records.length === 0) throw new InputError(`${path} holds no results records; run the experiment into it first`);
  const other = records.findIndex((r) => r.experiment !== records[0].experiment);
  if (other >= 0) {
    throw new InputError(
      `${path}:${other + 1}: a record of experiment '${records[other].experiment}' in a file of ` +
        `'${records[0].experiment}'; keep one experiment per results file`,
    );
  }
  return records;
}
