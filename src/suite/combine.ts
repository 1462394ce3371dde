// Several results files of one experiment read as one set of records: more seeds of the same runs (or other stages),
// run later as another plan. The experiment names the parameters that may differ (Experiment.combinable); a run in
// two files would be counted twice, so it is refused.
import { existsSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { RunRecord } from './experiment.js';
import { getExperiment } from './experiments/index.js';
import { canonicalJson } from './plan.js';
import { readResults } from './results-file.js';

/** The records of `paths` in file order (each file in plan order); refuses what cannot be counted together. */
export function readCombined(paths: readonly string[], warn?: (m: string) => void): RunRecord[] {
  const all: RunRecord[] = [];
  const from = new Map<string, string>();
  let first: { path: string; record: RunRecord } | null = null;
  for (const path of paths) {
    if (!existsSync(path))
      throw new InputError(
        `${path} does not exist; check the path (a results file written by radixnet experiment --out)`,
      );
    const { records } = readResults(path, { warn });
    if (records.length === 0) throw new InputError(`${path} holds no records; check the path or leave it out`);
    first ??= { path, record: records[0] };
    const r0 = records[0];
    if (r0.experiment !== first.record.experiment)
      throw new InputError(
        `${path} holds runs of ${r0.experiment}, ${first.path} of ${first.record.experiment}; give files of one experiment together`,
      );
    if (r0.planId !== first.record.planId) {
      const free = new Set<string>(getExperiment(r0.experiment).combinable ?? []);
      if (free.size === 0)
        throw new InputError(
          `${path} and ${first.path} hold different plans of ${r0.experiment}, whose files are read one at a time (shards of one plan: radixnet merge)`,
        );
      const a = r0.params as Record<string, unknown>;
      const b = first.record.params as Record<string, unknown>;
      const differ = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter(
        (k) => !free.has(k) && canonicalJson(a[k]) !== canonicalJson(b[k]),
      );
      if (differ.length)
        throw new InputError(
          `${path} and ${first.path} differ in ${differ.join(', ')}; only ${[...free].join(', ')} may differ between files read together`,
        );
    }
    for (const r of [...records].sort((x, y) => x.index - y.index)) {
      const seen = from.get(r.key);
      if (seen !== undefined)
        throw new InputError(
          `run '${r.key}' is in both ${seen} and ${path}; it would be counted twice: leave one of the files out`,
        );
      from.set(r.key, path);
      all.push(r);
    }
  }
  return all;
}
