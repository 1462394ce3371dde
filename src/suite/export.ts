// Results as CSV for pandas, R and spreadsheets: one row per run, with the run's coordinates (index, key, its tags:
// the swept parameters), its training options, its topology and its final metrics as columns. Numbers are written as
// JavaScript prints them (the shortest text that reads back to the same double), so a CSV reader gets the same values.
import type { RunRecord } from './experiment.js';

const FINAL = ['trainAccuracy', 'trainLoss', 'valAccuracy', 'valLoss', 'testAccuracy', 'testLoss'] as const;
const TOPOLOGY = ['radices', 'sparsity', 'kroneckerSparsity', 'weights', 'denseWeights'] as const;

/** The CSV columns of `records`: fixed ones, then every tag, config field and final metric any record has. */
export function csvColumns(records: readonly RunRecord[]): string[] {
  const tags = new Set<string>();
  const config = new Set<string>();
  for (const r of records) {
    for (const k of Object.keys(r.tags)) tags.add(k);
    for (const k of Object.keys(r.config ?? {})) config.add(k);
  }
  return [
    'experiment',
    'planId',
    'index',
    'key',
    ...[...tags].map((t) => `tag.${t}`),
    ...[...config].map((c) => `config.${c}`),
    ...TOPOLOGY.map((t) => `topology.${t}`),
    ...FINAL.map((f) => `final.${f}`),
    'epochs',
    'wallSeconds',
    'threads',
    'host',
  ];
}

function cell(v: unknown): string | number | boolean | null {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.join(',');
  if (typeof v === 'object') return JSON.stringify(v);
  return v as string | number | boolean;
}

/** The value of `column` (as csvColumns names it) in record `r`. */
export function csvCell(r: RunRecord, column: string): string | number | boolean | null {
  const dot = column.indexOf('.');
  const head = dot < 0 ? column : column.slice(0, dot);
  const rest = column.slice(dot + 1);
  switch (head) {
    case 'tag':
      return cell(r.tags[rest]);
    case 'config':
      return cell((r.config as unknown as Record<string, unknown> | null)?.[rest]);
    case 'topology':
      return cell((r.topology as unknown as Record<string, unknown>)[rest]);
    case 'final':
      return cell((r.final as unknown as Record<string, unknown> | null)?.[rest]);
    case 'epochs':
      return r.history.length;
    default:
      return cell((r as unknown as Record<string, unknown>)[column]);
  }
}

/** The records as CSV text (a header line, then one line per run; RFC 4180 quoting by papaparse). */
export async function recordsToCsv(records: readonly RunRecord[]): Promise<string> {
  const Papa = (await import('papaparse')).default;
  const columns = csvColumns(records);
  const rows = records.map((r) =>
    columns.map((c) => {
      const v = csvCell(r, c);
      // papaparse prints numbers with String(), the shortest round-tripping text; empty for absent values
      return v === null ? '' : v;
    }),
  );
  return Papa.unparse({ fields: columns, data: rows }, { newline: '\n' }) + '\n';
}
