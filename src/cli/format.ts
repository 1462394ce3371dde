// Small text helpers several commands print with.

/** 1,2,3,5 -> `1..3,5`. */
export function ranges(values: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < values.length;) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j] + 1) j++;
    parts.push(j - i >= 2 ? `${values[i]}..${values[j]}` : values.slice(i, j + 1).join(','));
    i = j + 1;
  }
  return parts.join(',');
}

/** Rows under a header, columns padded to their widest cell; `right` columns are right-aligned. */
export function table(header: string[], rows: string[][], right: (column: number) => boolean = () => false): string[] {
  const widths = header.map((h, k) => rows.reduce((w, r) => Math.max(w, r[k].length), h.length));
  const line = (cells: string[]): string =>
    cells
      .map((c, k) => (right(k) ? c.padStart(widths[k]) : c.padEnd(widths[k])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** An ETA for progress lines: seconds under 90 s, minutes above; '-' while unknown. */
export function etaText(seconds: number | null): string {
  return seconds === null ? '-' : seconds < 90 ? `${Math.round(seconds)} s` : `${(seconds / 60).toFixed(1)} min`;
}
