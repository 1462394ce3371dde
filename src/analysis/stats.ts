// Small statistics the summaries share: sparsity bins, medians and ranges.

/**
 * The bin of a sparsity among `bins` equal bins of [0, 1] (bin b holds [b/bins, (b+1)/bins); 1.0 falls in the last).
 * A sparsity within 1e-9 below an edge counts as on the edge, so 0.9 computed as 0.8999999999999999 is in bin 9.
 */
export function sparsityBin(sparsity: number, bins = 10): number {
  return Math.min(bins - 1, Math.max(0, Math.floor(sparsity * bins + 1e-9)));
}

/** `[0.9, 1.0]`-style label of a bin, in percent: `90-100%`. */
export function binLabel(bin: number, bins = 10): string {
  const pct = (b: number): string => String(Math.round((b * 100) / bins));
  return `${pct(bin)}-${pct(bin + 1)}%`;
}

/** Median of the values (mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median, minimum and maximum of the values (NaNs when empty). */
export function spread(values: readonly number[]): { median: number; min: number; max: number } {
  if (values.length === 0) return { median: NaN, min: NaN, max: NaN };
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}
