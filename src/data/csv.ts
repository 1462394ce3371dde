// A CSV file of numeric features and one integer label column, streamed into one float32 copy. The file is read
// twice: a byte scan counts its lines (the upper bound on rows, so the features array is allocated once at its final
// size and checked against the memory limit before it is), then papaparse streams the records into it. No copy of the
// whole text and no array of rows is ever held, so a file larger than memory is refused or read, never an OOM.
import { createReadStream, statSync } from 'node:fs';
import { InputError } from '../errors.js';
import { readPlain } from './csv-fast.js';

export interface CsvOptions {
  /** The label column: a header name, or an index (0 first, -1 last). Default: a header column named label, class, target or y. */
  labelColumn?: string | number;
  /** No label column: every column is a feature (prediction inputs). */
  noLabels?: boolean;
  /** Bytes the features and labels may take (default: RADIXNET_MAX_MEMORY_BYTES or 4 GiB, as LIMITS.memoryBytes). */
  maxBytes?: number;
  /**
   * Called once the rows (an upper bound) and features are known, before any value is parsed: a caller that can tell
   * from them alone that the data will not do (a training that cannot fit) throws here, before the long part.
   */
  onShape?: (rows: number, features: number) => void;
}

/** The memory limit of src/topology/cost.ts' LIMITS, read the same way (data may not import topology). */
export function dataMemoryLimit(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.RADIXNET_MAX_MEMORY_BYTES;
  const v = text === undefined || text.trim() === '' ? 2 ** 32 : Number(text);
  if (!(v > 0)) throw new InputError(`RADIXNET_MAX_MEMORY_BYTES is '${text}'; give a positive number`);
  return v;
}

function mib(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

export interface CsvTable {
  /** Features, row-major [count][features]. */
  x: Float32Array;
  /** Labels (empty when noLabels). */
  y: Int32Array;
  count: number;
  features: number;
  /** The header's names, or null when the first row is data. */
  header: string[] | null;
  /** Index of the label column among all columns (-1 with noLabels). */
  labelIndex: number;
}

/** Header names taken as the label column when none is named. */
export const LABEL_NAMES = ['label', 'labels', 'class', 'target', 'y'];

/**
 * Counts newline bytes by streaming the file: an upper bound on its records (quoted newlines only lower the count).
 * Also says whether the file is plain: commas between fields (none of papaparse's other delimiters anywhere: tab, |, ;,
 * the ASCII record and unit separators), no quote, no carriage return but before a newline, no byte-order mark. A
 * plain file is read by src/data/csv-fast.ts, the rest by papaparse; both give the same values and errors.
 */
async function countLines(file: string): Promise<{ lines: number; bytes: number; plain: boolean }> {
  let lines = 0;
  let bytes = 0;
  let last = 10;
  let plain = true;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    if (plain && bytes === chunk.length) plain = !(chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf);
    if (plain)
      plain =
        !(last === 13 && chunk[0] !== 10) &&
        loneReturn(chunk) === -1 &&
        NOT_PLAIN.every((b) => chunk.indexOf(b) === -1);
    last = chunk[chunk.length - 1];
  }
  if (last === 13) plain = false;
  return { lines: lines + (last === 10 ? 0 : 1), bytes, plain };
}

/** Bytes that make papaparse's reading differ from a split at commas: a quote, and its other delimiters. */
const NOT_PLAIN = [34, 9, 124, 59, 30, 31];

/** The index of a carriage return followed by something other than a newline inside `chunk`, or -1. */
function loneReturn(chunk: Buffer): number {
  for (let i = chunk.indexOf(13); i !== -1 && i < chunk.length - 1; i = chunk.indexOf(13, i + 1)) {
    if (chunk[i + 1] !== 10) return i;
  }
  return -1;
}

/** Reads a CSV of features and integer labels; every refusal names the file, the line and the column, and the fix. */
export async function readCsv(file: string, opts: CsvOptions = {}): Promise<CsvTable> {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    throw new InputError(
      `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check the path`,
    );
  }
  if (size === 0) throw new InputError(`${file}: the file is empty; give a CSV with a row per sample`);
  const { lines, plain } = await countLines(file);

  let header: string[] | null = null;
  let columns = -1;
  let labelIndex = -1;
  let features = 0;
  let x: Float32Array | null = null;
  let y: Int32Array | null = null;
  let count = 0;
  let line = 0;
  let failure: InputError | null = null;
  const colName = (c: number): string => (header ? `column ${c + 1} ('${header[c]}')` : `column ${c + 1}`);
  const fail = (message: string): never => {
    throw new InputError(`${file}: ${message}`);
  };

  const firstRow = (row: string[]): boolean => {
    columns = row.length;
    const isHeader = row.some((cell) => cell.trim() === '' || Number.isNaN(Number(cell)));
    if (isHeader) header = row.map((c) => c.trim());
    labelIndex = opts.noLabels ? -1 : resolveLabelColumn(file, opts.labelColumn, header, columns);
    features = columns - (opts.noLabels ? 0 : 1);
    if (features < 1)
      fail(
        `line 1 has ${columns} column${columns === 1 ? '' : 's'}, so no feature beside the label; give a CSV of features and a label column`,
      );
    // every line may be a record: allocate once, at the bound, after checking it fits
    const rows = lines - (isHeader ? 1 : 0);
    const need = rows * (features * 4 + 4);
    const limit = opts.maxBytes ?? dataMemoryLimit();
    if (need > limit) {
      fail(
        `up to ${rows} rows x ${features} features need ${mib(need)} as float32, over the ${mib(limit)} limit (RADIXNET_MAX_MEMORY_BYTES); use a sample of the rows, or raise the limit (the file has ${mib(size)})`,
      );
    }
    opts.onShape?.(rows, features);
    x = new Float32Array(rows * features);
    y = new Int32Array(opts.noLabels ? 0 : rows);
    return isHeader;
  };

  const addRow = (row: string[]): void => {
    if (row.length !== columns) {
      fail(
        `line ${line} has ${row.length} field${row.length === 1 ? '' : 's'}, the first line has ${columns}; every row needs ${columns} comma-separated fields (a ragged row)`,
      );
    }
    const xs = x!;
    let o = count * features;
    for (let c = 0; c < columns; c++) {
      const cell = row[c];
      if (c === labelIndex) y![count] = labelOf(+cell, c, () => cell);
      else xs[o++] = featureOf(cell, c);
    }
    count++;
  };

  /** A label cell's value `v`, checked (`cell` gives its text for the message). */
  const labelOf = (v: number, c: number, cell: () => string): number => {
    if (v === 0 && cell().trim() === '')
      fail(`line ${line}: the label (${colName(c)}) is missing; every row needs an integer label`);
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff)
      fail(
        `line ${line}: the label (${colName(c)}) is '${cell()}', labels must be integers 0..K-1; map class names to integers first`,
      );
    return v;
  };

  /** A feature cell's value, checked. */
  const featureOf = (cell: string, c: number): number => {
    const v = +cell;
    // +'' and +' ' are 0: an empty cell is a missing value, not a zero (checked without trim: most cells of image
    // data are "0", and this runs once per cell)
    if (v !== v || (v === 0 && isBlank(cell))) {
      fail(
        `line ${line}, ${colName(c)}: '${cell}' is ${cell.trim() === '' ? 'empty (a missing value)' : 'not a number'}; every feature must be a number: fill or drop the missing values first`,
      );
    }
    if (v === Infinity || v === -Infinity)
      fail(`line ${line}, ${colName(c)}: '${cell}' is infinite; features must be finite numbers`);
    return v;
  };

  // a record of the papaparse path, or a line of the byte path, as strings
  const onRecord = (row: string[]): void => {
    line++;
    // a blank line (the trailing newline's, or between records) holds no record
    if (row.length === 1 && row[0].trim() === '') return;
    if (columns < 0 && firstRow(row)) return;
    addRow(row);
  };

  if (plain) {
    const fast = await readPlain(file, {
      record: onRecord,
      ready: () => columns >= 0,
      line: () => ++line,
      row: () => ({ x: x!, y: y!, count, features, columns, labelIndex }),
      rowDone: () => void count++,
      label: labelOf,
      feature: featureOf,
      ragged: (fields) =>
        fail(
          `line ${line} has ${fields} field${fields === 1 ? '' : 's'}, the first line has ${columns}; every row needs ${columns} comma-separated fields (a ragged row)`,
        ),
    });
    if (fast) return finish();
  }

  const Papa = (await import('papaparse')).default;
  await new Promise<void>((resolve, reject) => {
    const stream = createReadStream(file, { highWaterMark: 1 << 20 });
    stream.on('error', (err) => reject(new InputError(`${file}: read failed (${err.message})`)));
    Papa.parse<string[]>(stream as unknown as File, {
      header: false,
      skipEmptyLines: false,
      chunk: (results, parser) => {
        if (failure) return;
        try {
          for (const row of results.data) onRecord(row);
        } catch (err) {
          failure = err instanceof InputError ? err : new InputError(`${file}: ${(err as Error).message}`);
          parser.abort();
          stream.destroy();
          resolve();
        }
      },
      complete: () => resolve(),
      error: (err: Error) => reject(new InputError(`${file}: ${err.message}`)),
    });
  });
  if (failure) throw failure;
  return finish();

  function finish(): CsvTable {
    if (count === 0)
      throw new InputError(
        `${file}: has ${header ? 'a header but ' : ''}no data rows; give a CSV with a row per sample`,
      );
    return {
      x: x!.subarray(0, count * features),
      y: y!.subarray(0, opts.noLabels ? 0 : count),
      count,
      features,
      header,
      labelIndex,
    };
  }
}

/** True for '' and cells of spaces or tabs only. */
function isBlank(cell: string): boolean {
  for (let k = 0; k < cell.length; k++) {
    const c = cell.charCodeAt(k);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

/** The label column's index among `columns`, from a name or an index (negative counts from the end). */
function resolveLabelColumn(
  file: string,
  choice: string | number | undefined,
  header: string[] | null,
  columns: number,
): number {
  if (choice === undefined) {
    if (!header) {
      throw new InputError(
        `${file}: has no header, so which column holds the labels? pass --label-column INDEX (0 the first, -1 the last)`,
      );
    }
    const found = header.findIndex((h) => LABEL_NAMES.includes(h.toLowerCase()));
    if (found < 0) {
      throw new InputError(
        `${file}: no header column is named ${LABEL_NAMES.join('/')}; pass --label-column NAME (one of ${header.slice(0, 8).join(', ')}${header.length > 8 ? ', ...' : ''}) or INDEX`,
      );
    }
    return found;
  }
  const text = String(choice).trim();
  if (/^-?\d+$/.test(text)) {
    const i = Number(text);
    const index = i < 0 ? columns + i : i;
    if (index < 0 || index >= columns)
      throw new InputError(
        `${file}: --label-column ${text} is outside the ${columns} columns; give 0..${columns - 1} or -1..-${columns}`,
      );
    return index;
  }
  if (!header)
    throw new InputError(
      `${file}: --label-column '${text}' names a column, but the file has no header; give its index instead (0 the first, -1 the last)`,
    );
  const index = header.indexOf(text);
  if (index < 0)
    throw new InputError(
      `${file}: no column is named '${text}'; the header has ${header.slice(0, 8).join(', ')}${header.length > 8 ? ', ...' : ''}`,
    );
  return index;
}
