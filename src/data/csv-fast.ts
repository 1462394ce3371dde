// The CSV reader's fast path, for plain files (commas between fields, no quotes: src/data/csv.ts decides): numbers
// are parsed from the file's bytes straight into the float32 array, with no string per cell or array per row, which
// is where papaparse plus Number() spent its time (a 60,000 x 784 CSV: 5.4 s of CPU, docs/new-data.md). A cell of
// plain decimal syntax with at most 15 significant digits and 22 decimals is m / 10^k with both exact doubles, so the
// one correctly rounded division gives exactly Number(text) (Clinger's fast path); any other cell (exponents, spaces,
// hex, blanks, text) goes through Number(text) with the slow path's checks, so both paths give the same values and
// the same errors.
import { createReadStream } from 'node:fs';

/** What the reader (src/data/csv.ts) does with the lines. */
export interface PlainSink {
  /** A line as strings (until the columns are known, and lines without a comma): the slow path's record. */
  record(row: string[]): void;
  /** Whether the columns and the arrays are known (the first record read). */
  ready(): boolean;
  /** Counts a line; returns its number. */
  line(): number;
  /** Where rows go, once ready. */
  row(): { x: Float32Array; y: Int32Array; count: number; features: number; columns: number; labelIndex: number };
  /** Counts a row stored. */
  rowDone(): void;
  /** A label's value, checked (`cell` gives its text). */
  label(v: number, c: number, cell: () => string): number;
  /** A feature cell's value from its text, checked. */
  feature(cell: string, c: number): number;
  /** Refuses a line of `fields` fields. */
  ragged(fields: number): never;
}

// 10^0 .. 10^22: every one an exact double
const POW10 = Float64Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/** Where rows go: the reader's arrays, and the rows stored so far. */
interface Target {
  x: Float32Array;
  y: Int32Array;
  count: number;
  features: number;
  columns: number;
  labelIndex: number;
}

/** Reads a plain CSV's lines into `sink`; true when read (the caller's checks then finish it). */
export async function readPlain(file: string, sink: PlainSink): Promise<boolean> {
  let target: Target | null = null;
  let leftover: Buffer | null = null;

  const doLine = (b: Buffer, s: number, e: number): void => {
    if (e > s && b[e - 1] === 13) e--;
    const comma = b.indexOf(44, s);
    if (target && comma !== -1 && comma < e) {
      sink.line();
      parseRow(b, s, e, target, sink);
      sink.rowDone();
      return;
    }
    // the header, the first record, blank lines and lines of one field go the slow path's way
    sink.record(b.toString('utf8', s, e).split(','));
    if (sink.ready()) {
      const r = sink.row();
      target = { ...r };
    }
  };

  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let s = 0;
    if (leftover) {
      // the line that straddles two chunks is joined alone (no copy of the whole chunk)
      const nl = chunk.indexOf(10);
      if (nl === -1) {
        leftover = Buffer.concat([leftover, chunk]);
        continue;
      }
      const line = Buffer.concat([leftover, chunk.subarray(0, nl)]);
      doLine(line, 0, line.length);
      s = nl + 1;
    }
    for (let nl = chunk.indexOf(10, s); nl !== -1; nl = chunk.indexOf(10, s)) {
      doLine(chunk, s, nl);
      s = nl + 1;
    }
    leftover = s < chunk.length ? chunk.subarray(s) : null;
  }
  // a last line without a newline is a record; after the last newline there is nothing
  if (leftover) doLine(leftover, 0, leftover.length);
  return true;
}

/**
 * Parses the line [s, e) of `b` into row `t.count` (a plain function of its arguments: V8 optimizes it once and keeps
 * it, where a closure over the reader's changing variables was deoptimized for good).
 */
function parseRow(b: Buffer, s: number, e: number, t: Target, sink: PlainSink): void {
  const { x, y, columns, labelIndex } = t;
  const row = t.count;
  let o = row * t.features;
  let c = 0;
  let p = s;
  // one pass per field: [+-] digits [. digits] up to the comma; anything else sends the field to the slow path
  for (;;) {
    if (c >= columns) sink.ragged(fieldsOf(b, s, e));
    // "0", most cells of image data
    if (b[p] === 48 && (p + 1 === e || b[p + 1] === 44) && c !== labelIndex && p < e) {
      x[o++] = 0;
      c++;
      if (p + 1 >= e) break;
      p += 2;
      continue;
    }
    let i = p;
    let neg = false;
    if (i < e) {
      const ch = b[i];
      if (ch === 45) {
        neg = true;
        i++;
      } else if (ch === 43) i++;
    }
    let m = 0;
    let sig = 0;
    let frac = 0;
    let digits = 0;
    let dot = false;
    let plain = true;
    for (; i < e; i++) {
      const ch = b[i];
      if (ch === 44) break;
      const d = ch - 48;
      if (d >= 0 && d <= 9) {
        digits++;
        if (dot) frac++;
        if (m !== 0 || d !== 0) {
          sig++;
          m = m * 10 + d;
        }
      } else if (ch === 46 && !dot) dot = true;
      else {
        plain = false;
        break;
      }
    }
    let q = i;
    if (!plain) {
      q = b.indexOf(44, i);
      if (q === -1 || q > e) q = e;
    }
    const exact = plain && digits > 0 && sig <= 15 && frac <= 22;
    if (c === labelIndex) {
      if (exact) {
        const v = neg ? -(m / POW10[frac]) : m / POW10[frac];
        y[row] = sink.label(v, c, () => b.toString('utf8', p, q));
      } else {
        const cell = b.toString('utf8', p, q);
        y[row] = sink.label(+cell, c, () => cell);
      }
    } else if (exact) {
      const v = m / POW10[frac];
      x[o++] = neg ? -v : v;
    } else x[o++] = sink.feature(b.toString('utf8', p, q), c);
    c++;
    if (q >= e) break;
    p = q + 1;
  }
  if (c !== columns) sink.ragged(c);
  t.count = row + 1;
}

/** Fields of the line [s, e): its commas plus one. */
function fieldsOf(b: Buffer, s: number, e: number): number {
  let n = 1;
  for (let i = s; i < e; i++) if (b[i] === 44) n++;
  return n;
}
