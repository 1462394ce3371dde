// The Fig. 4 screen taken from a Fig. 4 results file (radixnet experiment accuracy-vs-sparsity --out FILE) instead of
// being trained again: strange-causes --fig4-from FILE. Its runs are the screen's runs exactly when they were trained
// with the screen's protocol (same config: radix list, layers, epochs, batch, optimizer, learning rate, seed, preset),
// which is checked run by run, so a file of another protocol is refused rather than mixed in.
import { statSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { RunRecord } from './experiment.js';
import { canonicalJson } from './plan.js';
import { readResults } from './results-file.js';
import type { TrainConfig } from '../records/run-record.js';

const cache = new Map<string, { stamp: string; byRadices: Map<string, RunRecord> }>();

/**
 * Per radix list wanted, the run of `path` trained with its config (`configs`: radix list text -> the screen's config).
 * Throws a one-line InputError when the file is not a Fig. 4 file, was trained with another protocol, or lacks lists.
 */
export function fig4RunsFrom(path: string, configs: ReadonlyMap<string, TrainConfig>): Map<string, RunRecord> {
  let stamp: string;
  try {
    const st = statSync(path);
    stamp = `${st.size}:${st.mtimeMs}`;
  } catch {
    throw new InputError(
      `--fig4-from ${path} does not exist; give a results file of radixnet experiment accuracy-vs-sparsity (plain or .gz)`,
    );
  }
  let entry = cache.get(path);
  if (entry?.stamp !== stamp) {
    const { records } = readResults(path);
    if (records.length === 0 || records[0].experiment !== 'accuracy-vs-sparsity')
      throw new InputError(
        `--fig4-from ${path} holds ${records.length ? `runs of ${records[0].experiment}` : 'no runs'}, not a Fig. 4 sweep; ` +
          'give a results file of radixnet experiment accuracy-vs-sparsity',
      );
    entry = { stamp, byRadices: new Map(records.map((r) => [String(r.config?.radices), r])) };
    cache.set(path, entry);
  }
  const out = new Map<string, RunRecord>();
  let missing = 0;
  for (const [radices, config] of configs) {
    const r = entry.byRadices.get(radices);
    if (!r) {
      missing++;
      continue;
    }
    if (canonicalJson(r.config) !== canonicalJson(config))
      throw new InputError(
        `--fig4-from ${path}: its run of ${radices} was trained with ${canonicalJson(r.config)}, not this screen's protocol ` +
          `${canonicalJson(config)}; give a Fig. 4 file of the same protocol (or match --epochs, --batch, --lr, --fig4-seed ...)`,
      );
    if (!r.final) throw new InputError(`--fig4-from ${path}: its run of ${radices} has no final accuracy; rerun it`);
    out.set(radices, r);
  }
  if (missing)
    throw new InputError(
      `--fig4-from ${path} lacks ${missing} of the ${configs.size} lists screened; give the complete Fig. 4 file ` +
        '(or narrow --fig4-factors, --fig4-min-sparsity, --fig4-max-sparsity)',
    );
  return out;
}
