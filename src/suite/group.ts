// Records grouped by any parameter (a swept one, a config field, a tag) with the median, min and max of any final
// metric per group: `radixnet summarize FILE --by lr,radices --metric testAccuracy`, the sweep's summary, its plot.
import { InputError } from '../errors.js';
import { spread } from '../analysis/stats.js';
import type { RunRecord } from './experiment.js';

/** The final metrics a summary or plot may use. */
export const METRICS = [
  'trainAccuracy',
  'trainLoss',
  'valAccuracy',
  'valLoss',
  'testAccuracy',
  'testLoss',
  'sparsity',
  'wallSeconds',
] as const;

/** A record's value of `metric` (final metrics, the topology's sparsity, or the run's seconds); NaN when absent. */
export function metricOf(r: RunRecord, metric: string): number {
  if (metric === 'sparsity') return r.topology.sparsity;
  if (metric === 'wallSeconds') return r.wallSeconds;
  if (!(METRICS as readonly string[]).includes(metric))
    throw new InputError(`unknown metric '${metric}'; the metrics are ${METRICS.join(', ')}`);
  const v = (r.final as Record<string, number | null> | null)?.[metric];
  return v === null || v === undefined ? NaN : v;
}

/** A record's value of a parameter, as text: its tag, else its config field, else its experiment parameter. */
export function parameterOf(r: RunRecord, name: string): string | undefined {
  const v = Object.hasOwn(r.tags, name)
    ? r.tags[name]
    : r.config && Object.hasOwn(r.config, name)
      ? (r.config as unknown as Record<string, unknown>)[name]
      : name === 'radices'
        ? r.topology.radices
        : Object.hasOwn(r.params, name)
          ? r.params[name]
          : undefined;
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(',') : v === null ? 'null' : String(v);
}

export interface GroupRow {
  group: Record<string, string>;
  count: number;
  median: number;
  min: number;
  max: number;
}

/**
 * Records grouped by the values of `by` (parameters: tags, config fields or experiment parameters) with the median,
 * min and max of `metric` per group; groups in order of first appearance, numeric values sorted numerically.
 */
export function groupRows(records: readonly RunRecord[], by: readonly string[], metric: string): GroupRow[] {
  const groups = new Map<string, { group: Record<string, string>; values: number[] }>();
  for (const r of records) {
    const group: Record<string, string> = {};
    for (const name of by) {
      const v = parameterOf(r, name);
      if (v === undefined)
        throw new InputError(
          `record '${r.key}' has no parameter '${name}'; group by a swept parameter, a config field (lr, seed, radices, ...) or a tag (${Object.keys(r.tags).join(', ') || 'none'})`,
        );
      group[name] = v;
    }
    const key = JSON.stringify(by.map((n) => group[n]));
    if (!groups.has(key)) groups.set(key, { group, values: [] });
    groups.get(key)!.values.push(metricOf(r, metric));
  }
  const rows = [...groups.values()].map(({ group, values }) => {
    const finite = values.filter(Number.isFinite);
    return { group, count: values.length, ...(finite.length ? spread(finite) : { median: NaN, min: NaN, max: NaN }) };
  });
  const num = (s: string): number => (s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : NaN);
  return rows.sort((a, b) => {
    for (const n of by) {
      const x = num(a.group[n]);
      const y = num(b.group[n]);
      if (Number.isFinite(x) && Number.isFinite(y) && x !== y) return x - y;
    }
    return 0;
  });
}
