// The JSON-lines record of one run, as a reader sees it: its keys in the order they are written and the keys of an
// epoch of its history. Written out here by hand (not imported from src/records) so that a change to the format
// fails the tests that read records until it is made on purpose.
import { expect } from 'chai';
import type { RunRecord } from '../../src/suite/experiment.js';

/** A record's top-level keys in written order; `data` only where the experiment keeps per-run data. */
export function recordKeys(withData: boolean): string[] {
  const keys = ['v', 'experiment', 'planId', 'params', 'index', 'key', 'tags', 'config', 'topology', 'history'];
  return [...keys, 'final', ...(withData ? ['data'] : []), 'wallSeconds', 'threads', 'host'];
}

/** The keys of one epoch of a training record's history, sorted. */
export const HISTORY_KEYS = ['accuracy', 'epoch', 'loss', 'samplesPerSecond', 'seconds', 'valAccuracy', 'valLoss'];

/** Every epoch of a record's history has exactly the history keys. */
export function expectHistoryKeys(r: RunRecord): void {
  for (const e of r.history) expect(Object.keys(e).sort()).to.deep.equal(HISTORY_KEYS);
}
