// Summaries of results: the experiment's own summary (found in the registry by the records' experiment name, with
// the parameters the records carry), so a file merged from a cluster is summarized like a local sweep.
import { existsSync } from 'node:fs';
import { InputError } from '../errors.js';
import { predictorReport } from '../analysis/strangeness.js';
import { parseRadixList } from '../topology/radix.js';
import { countLostClasses, lostClassLine } from '../analysis/per-class.js';
import type { RunRecord, Summary } from './experiment.js';
import { getExperiment } from './experiments/index.js';
import { readResults } from './results-file.js';
import { readCombined } from './combine.js';

/** The summary of records of one plan. */
export function summarizeRecords(records: readonly RunRecord[]): Summary & { experiment: string; planId: string } {
  if (records.length === 0)
    throw new InputError('no records to summarize; run the experiment first (radixnet experiment NAME --out FILE)');
  const { experiment, planId, params } = records[0];
  const exp = getExperiment(experiment);
  // completion order varies with workers; summaries read in plan order
  const ordered = [...records].sort((a, b) => a.index - b.index);
  return { experiment, planId, ...withLostClasses(withPredictor(exp.summarize(ordered, params), ordered), ordered) };
}

/** Adds the count of lost classes (test recall < 5%) over the records that carry a per-class test recall. */
function withLostClasses(summary: Summary, records: readonly RunRecord[]): Summary {
  const recalls = records.map((r) => r.final?.testRecall).filter((r): r is number[] => Array.isArray(r));
  if (recalls.length === 0 || 'lostClasses' in summary.data) return summary;
  const count = countLostClasses(recalls);
  return { text: [...summary.text, '', lostClassLine(count)], data: { ...summary.data, lostClasses: count } };
}

/**
 * Adds the strangeness predictor's confusion table to summaries of trained RadiX-Nets that lack one (a run trained
 * badly: final validation accuracy <= 0.75); a record missing a needed field is named instead of failing the summary.
 * The predictor reads a RadiX-Net's topology from its radix list, so a file that also holds other models (pruned or
 * random masks, whose records name their method) gets no predictor section.
 */
function withPredictor(summary: Summary, records: readonly RunRecord[]): Summary {
  const trained = records.filter((r) => r.config !== null);
  if ('predictor' in summary.data || trained.length === 0) return summary;
  if (!trained.every((r) => isRadixList(r.topology?.radices))) return summary;
  try {
    const report = predictorReport(trained);
    return { text: [...summary.text, '', ...report.text], data: { ...summary.data, predictor: report.data } };
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return { text: [...summary.text, '', `topology predictor not scored: ${err.message}`], data: summary.data };
  }
}

function isRadixList(text: unknown): boolean {
  // a record without radices is named by the predictor's own error; a dense model is scored (never strange)
  if (typeof text !== 'string' || text === 'dense') return true;
  try {
    parseRadixList(text);
    return true;
  } catch {
    return false;
  }
}

/** Reads a results file and summarizes it; also returns its wall-time totals. */
export function summarizeFile(
  path: string,
  warn?: (m: string) => void,
): Summary & { experiment: string; planId: string; runs: number; runSeconds: number } {
  if (!existsSync(path))
    throw new InputError(
      `${path} does not exist; check the path (a results file written by radixnet experiment --out)`,
    );
  const { records } = readResults(path, { warn });
  if (records.length === 0)
    throw new InputError(`${path} holds no records; check the path, or run the experiment with --out ${path}`);
  const summary = summarizeRecords(records);
  return { ...summary, runs: records.length, runSeconds: records.reduce((s, r) => s + r.wallSeconds, 0) };
}

/**
 * Summarizes several results files of one experiment together (readCombined): later seeds of the same runs, run as
 * another plan.
 */
export function summarizeFiles(
  paths: readonly string[],
  warn?: (m: string) => void,
): Summary & { experiment: string; planId: string; runs: number; runSeconds: number; files: number } {
  if (paths.length === 1) return { ...summarizeFile(paths[0], warn), files: 1 };
  const all = readCombined(paths, warn);
  const { experiment, planId, params } = all[0];
  const exp = getExperiment(experiment);
  const summary = withLostClasses(withPredictor(exp.summarize(all, params), all), all);
  return {
    experiment,
    planId,
    ...summary,
    runs: all.length,
    runSeconds: all.reduce((s, r) => s + r.wallSeconds, 0),
    files: paths.length,
  };
}
