// Merging shard files: records of one plan from several files into one file in plan order, with a report of the runs
// the plan has that no file holds (a missing or unfinished shard) and of runs that several files hold.
import { existsSync, renameSync, rmSync, writeFileSync, fsyncSync, openSync, closeSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { RunRecord } from './experiment.js';
import { getExperiment } from './experiments/index.js';
import { plan as expand } from './plan.js';
import { lockResults, readResults, recordLine, sameRunText } from './results-file.js';

export interface MergeReport {
  experiment: string;
  planId: string;
  records: RunRecord[];
  /** Runs of the record-free plan (what the shards ran) no input holds: a shard that did not run or finish. */
  missing: { index: number; key: string }[];
  /** Runs of later stages, planned from the merged records: run the experiment on the merged file to do them. */
  laterStages: { index: number; key: string }[];
  /** Keys found more than once (the first copy is kept; copies differ at most in timing and host). */
  duplicates: string[];
  /** Plan size (after the stages that the merged records make plannable). */
  planned: number;
}

/** Combines the records of `inputs` (one plan) and writes them to `out` (a temp file renamed into place). */
export function mergeResults(out: string, inputs: string[], warn?: (m: string) => void): MergeReport {
  if (inputs.length === 0) throw new InputError('merge needs at least one results file: radixnet merge OUT FILE...');
  if (existsSync(out) && !inputs.includes(out)) {
    throw new InputError(
      `${out} exists and is not one of the inputs; merge into a new file, or list ${out} among the inputs to add to it`,
    );
  }
  const byKey = new Map<string, RunRecord>();
  const seenAt = new Map<string, { where: string; same: string }>();
  const duplicates: string[] = [];
  let first: { planId: string; file: string } | null = null;
  for (const file of inputs) {
    if (!existsSync(file)) throw new InputError(`${file} does not exist; give the shard files to merge`);
    const { records, lines, duplicates: inFile } = readResults(file, { warn });
    duplicates.push(...inFile);
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      first ??= { planId: r.planId, file };
      if (r.planId !== first.planId) {
        throw new InputError(
          `${file} holds runs of plan ${r.planId.slice(0, 12)} (${r.experiment}), ${first.file} of plan ${first.planId.slice(0, 12)}: ` +
            'only shards of one plan can be merged',
        );
      }
      const where = `${file}:${lines[i]}`;
      const same = sameRunText(r);
      const seen = seenAt.get(r.key);
      if (!seen) {
        byKey.set(r.key, r);
        seenAt.set(r.key, { where, same });
      } else if (seen.same !== same) {
        throw new InputError(
          `${where}: run '${r.key.slice(0, 80)}' is also at ${seen.where} with different results; keep one of the two lines and merge again`,
        );
      } else duplicates.push(r.key);
    }
  }
  if (!first) throw new InputError(`no records in ${inputs.join(', ')}; nothing to merge`);
  const any = byKey.values().next().value as RunRecord;
  const exp = getExperiment(any.experiment);
  const p = expand(exp, any.params, [...byKey.values()]);
  const firstStage = new Set(expand(exp, any.params, []).runs.map((r) => r.key));
  const records: RunRecord[] = [];
  const missing: { index: number; key: string }[] = [];
  const laterStages: { index: number; key: string }[] = [];
  for (const run of p.runs) {
    const r = byKey.get(run.key);
    if (r) records.push(r);
    else (firstStage.has(run.key) ? missing : laterStages).push({ index: run.index, key: run.key });
  }
  if (records.length !== byKey.size) {
    const planned = new Set(p.runs.map((r) => r.key));
    const stray = [...byKey.keys()].find((k) => !planned.has(k));
    throw new InputError(
      `run '${stray}' is not in the plan of ${any.experiment} ${any.planId.slice(0, 12)}; the inputs were edited or come from another radixnet version`,
    );
  }
  // the output's writer lock: a sweep appending to `out` meanwhile would lose its records to the rename
  const lock = lockResults(out);
  try {
    writeAtomically(out, records.map(recordLine).join(''));
  } finally {
    lock.release();
  }
  return {
    experiment: any.experiment,
    planId: any.planId,
    records,
    missing,
    laterStages,
    duplicates,
    planned: p.runs.length,
  };
}

/** Writes `text` to a temp file beside `path`, fsyncs it and renames it into place. */
function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    const fd = openSync(tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new InputError(
      `cannot write ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); choose a writable output file`,
    );
  }
}
