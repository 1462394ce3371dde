// The Graph Challenge's file formats (docs/graph-challenge.md): TSV triples `row col value`, 1-based, one per line —
// layer files neuron{N}/n{N}-l{k}.tsv (row: neuron of layer k-1, col: neuron of layer k), the inputs
// sparse-images-{N}.tsv (row: input, col: neuron) and the truth neuron{N}-l{L}-categories.tsv (one input per line).
// Files are read in 4 MiB chunks, so an inputs file is streamed row group by row group and never held whole; every
// malformed line is an InputError naming the file and line.
import { closeSync, existsSync, openSync, readdirSync, readSync, writeSync, statSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import type { SparseImage } from './challenge-inputs.js';

/** One layer as CSR over outputs (the same shape as src/topology/challenge-net.ts's ChallengeLayer). */
export interface TsvLayer {
  neurons: number;
  ptr: Int32Array;
  idx: Int32Array;
  w: Float32Array;
}

const CHUNK = 4 * 2 ** 20;

/** The lines of a file with their 1-based numbers, read in chunks (blank lines skipped). */
export function* tsvLines(file: string): Generator<{ line: string; no: number }> {
  if (!existsSync(file)) throw new InputError(`${file} does not exist`);
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    let rest = '';
    let no = 0;
    for (;;) {
      const got = readSync(fd, buf, 0, CHUNK, null);
      if (got === 0) break;
      const text = rest + buf.toString('latin1', 0, got);
      const lines = text.split('\n');
      rest = lines.pop()!;
      for (const l of lines) {
        no++;
        const line = l.endsWith('\r') ? l.slice(0, -1) : l;
        if (line.trim() !== '') yield { line, no };
      }
    }
    if (rest.trim() !== '') yield { line: rest.endsWith('\r') ? rest.slice(0, -1) : rest, no: no + 1 };
  } finally {
    closeSync(fd);
  }
}

/** Parses `row col value` (tabs or spaces), both indices 1-based and at most their limits; returns them 0-based. */
export function parseTriple(
  line: string,
  file: string,
  no: number,
  rowMax: number,
  colMax: number,
  rowName: string,
  colName: string,
): [number, number, number] {
  const f = line.trim().split(/\s+/);
  if (f.length !== 3)
    throw new InputError(`${file}:${no}: expected 3 columns (row col value), got ${f.length}: "${clip(line)}"`);
  const at = (k: number, name: string, max: number): number => {
    const v = Number(f[k]);
    if (!/^[+]?\d+$/.test(f[k]))
      throw new InputError(
        `${file}:${no}: ${name} "${clip(f[k])}" is not a whole number; indices are 1-based integers`,
      );
    if (v < 1)
      throw new InputError(`${file}:${no}: ${name} ${f[k]} is below 1; indices are 1-based (add 1 to 0-based files)`);
    if (v > max)
      throw new InputError(
        `${file}:${no}: ${name} ${v} is above ${max}; the file does not match --neurons, or the index is wrong`,
      );
    return v - 1;
  };
  const r = at(0, rowName, rowMax);
  const c = at(1, colName, colMax);
  const value = Number(f[2]);
  if (f[2] === '' || !Number.isFinite(value))
    throw new InputError(`${file}:${no}: value "${clip(f[2])}" is not a finite number`);
  return [r, c, value];
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

/** Reads one layer file of `neurons` x `neurons` into CSR over outputs (inputs ascending); duplicates are refused. */
export function readLayerTsv(file: string, neurons: number): TsvLayer {
  let rows = new Int32Array(1 << 16);
  let cols = new Int32Array(1 << 16);
  let vals = new Float32Array(1 << 16);
  let n = 0;
  const lineOf: number[] = [];
  for (const { line, no } of tsvLines(file)) {
    const [r, c, v] = parseTriple(line, file, no, neurons, neurons, 'row (input neuron)', 'column (output neuron)');
    if (n === rows.length) {
      const grow = <T extends Int32Array | Float32Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      rows = grow(rows);
      cols = grow(cols);
      vals = grow(vals);
    }
    rows[n] = r;
    cols[n] = c;
    vals[n] = v;
    lineOf.push(no);
    n++;
  }
  // counting sort by output, then each output's inputs ascending
  const ptr = new Int32Array(neurons + 1);
  for (let k = 0; k < n; k++) ptr[cols[k] + 1]++;
  for (let j = 0; j < neurons; j++) ptr[j + 1] += ptr[j];
  const at = ptr.slice(0, neurons);
  const order = new Int32Array(n);
  for (let k = 0; k < n; k++) order[at[cols[k]]++] = k;
  const idx = new Int32Array(n);
  const w = new Float32Array(n);
  for (let j = 0; j < neurons; j++) {
    const s = ptr[j];
    const e = ptr[j + 1];
    const seg = Array.from(order.subarray(s, e)).sort((a, b) => rows[a] - rows[b]);
    for (let k = 0; k < seg.length; k++) {
      if (k > 0 && rows[seg[k]] === rows[seg[k - 1]]) {
        throw new InputError(
          `${file}:${lineOf[seg[k]]}: entry (${rows[seg[k]] + 1}, ${j + 1}) repeats line ${lineOf[seg[k - 1]]}; list each connection once`,
        );
      }
      idx[s + k] = rows[seg[k]];
      w[s + k] = vals[seg[k]];
    }
  }
  return { neurons, ptr, idx, w };
}

/**
 * The inputs file as images, one row group at a time (rows must come in ascending order, as the official files do),
 * at most `limit` of them, of rows [from, to) only. Rows absent from the file are inputs with no pixels: they cannot
 * be categories and are not yielded.
 */
export function* readImagesTsv(
  file: string,
  neurons: number,
  opts: { limit?: number; from?: number; to?: number } = {},
): Generator<SparseImage> {
  const from = opts.from ?? 0;
  const to = opts.to ?? Infinity;
  const limit = opts.limit ?? Infinity;
  let row = -1;
  let cols: number[] = [];
  let vals: number[] = [];
  const flush = (): SparseImage => ({ row, cols: Int32Array.from(cols), vals: Float32Array.from(vals) });
  for (const { line, no } of tsvLines(file)) {
    const [r, c, v] = parseTriple(line, file, no, Number.MAX_SAFE_INTEGER, neurons, 'row (input)', 'column (neuron)');
    if (r < row)
      throw new InputError(
        `${file}:${no}: row ${r + 1} comes after row ${row + 1}; sort the file by its first column (sort -n -k1,1 -k2,2)`,
      );
    if (r >= limit) break;
    if (r !== row) {
      if (row >= from && row < to && cols.length > 0) yield flush();
      if (r >= to) return;
      row = r;
      cols = [];
      vals = [];
    }
    if (cols.length > 0 && c <= cols[cols.length - 1]) {
      throw new InputError(
        `${file}:${no}: neuron ${c + 1} of row ${r + 1} is not after ${cols[cols.length - 1] + 1}; list each row's neurons once, ascending`,
      );
    }
    if (v !== 0) {
      cols.push(c);
      vals.push(v);
    }
  }
  if (row >= from && row < to && row < limit && cols.length > 0) yield flush();
}

/** The truth file: one 1-based input row per line; returns them 0-based, ascending. */
export function readCategoriesTsv(file: string): Int32Array {
  const out: number[] = [];
  for (const { line, no } of tsvLines(file)) {
    const f = line.trim().split(/\s+/);
    if (f.length !== 1 || !/^\d+$/.test(f[0]))
      throw new InputError(`${file}:${no}: expected one whole number (a 1-based input row), got "${clip(line)}"`);
    const v = Number(f[0]);
    if (v < 1) throw new InputError(`${file}:${no}: row ${v} is below 1; categories are 1-based`);
    out.push(v - 1);
  }
  return Int32Array.from(out).sort();
}

/** The layer files of `dir` for `neurons`: n{N}-l1.tsv .. n{N}-l{layers}.tsv, all present. */
export function layerFiles(dir: string, neurons: number, layers: number): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new InputError(`--weights ${dir} is not a folder; give the neuron{N} folder of layer files`);
  const names = readdirSync(dir).filter((f) => /^n\d+-l\d+\.tsv$/.test(f));
  if (names.length === 0) throw new InputError(`${dir} holds no layer files named n{N}-l{k}.tsv`);
  const sizes = [...new Set(names.map((f) => Number(/^n(\d+)-/.exec(f)![1])))];
  if (!sizes.includes(neurons)) {
    throw new InputError(
      `${dir} holds layer files of ${sizes.join(', ')} neurons (n${sizes[0]}-l*.tsv), not ${neurons}; pass --neurons ${sizes[0]} or the neuron${neurons} folder`,
    );
  }
  const files: string[] = [];
  for (let k = 1; k <= layers; k++) {
    const f = join(dir, `n${neurons}-l${k}.tsv`);
    if (!existsSync(f))
      throw new InputError(
        `${f} is missing: layer ${k} of the ${layers} asked for (--layers); the folder has ${names.filter((n) => n.startsWith(`n${neurons}-`)).length} layer files`,
      );
    files.push(f);
  }
  return files;
}

/** Writes lines to `file` through a temp file renamed into place, so a reader never sees half a file. */
function writeLines(file: string, lines: Iterable<string>): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    let batch: string[] = [];
    for (const l of lines) {
      batch.push(l);
      if (batch.length >= 65536) {
        writeSync(fd, batch.join('\n') + '\n');
        batch = [];
      }
    }
    if (batch.length > 0) writeSync(fd, batch.join('\n') + '\n');
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** Writes a layer in the official format (1-based `input output weight`, by output then input). */
export function writeLayerTsv(file: string, layer: TsvLayer): void {
  writeLines(
    file,
    (function* () {
      for (let j = 0; j < layer.neurons; j++) {
        for (let k = layer.ptr[j]; k < layer.ptr[j + 1]; k++) yield `${layer.idx[k] + 1}\t${j + 1}\t${layer.w[k]}`;
      }
    })(),
  );
}

/** Writes inputs in the official format (1-based `row neuron value`, rows ascending). */
export function writeImagesTsv(file: string, images: Iterable<SparseImage>): void {
  writeLines(
    file,
    (function* () {
      for (const im of images)
        for (let k = 0; k < im.cols.length; k++) yield `${im.row + 1}\t${im.cols[k] + 1}\t${im.vals[k]}`;
    })(),
  );
}

/** Writes categories (0-based rows) as the official truth file: 1-based, one per line. */
export function writeCategoriesTsv(file: string, rows: ArrayLike<number>): void {
  writeLines(
    file,
    Array.from(rows, (r) => String(r + 1)),
  );
}
