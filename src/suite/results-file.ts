// Results files: one JSON record per line, appended whole (one write, then fsync) so that a killed writer leaves at
// most a torn last line. Reading checks every line; a torn last line is dropped (and cut off the file before more is
// appended), anything else wrong is refused with the file and line, so records of different plans are never mixed.
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from '../errors.js';
import { RECORD_VERSION, type RunRecord } from './experiment.js';

export interface ReadResultsOptions {
  /** Refuse records of any other plan (the message says which plan the file holds). */
  planId?: string;
  /** Cut a torn last line off the file (the runner does, before appending); default false: only skip it. */
  repair?: boolean;
  /** Where warnings go (a dropped torn line); default stderr. */
  warn?: (message: string) => void;
}

export interface ResultsFile {
  records: RunRecord[];
  /** Whether a torn last line was dropped. */
  tornLine: boolean;
}

/** Reads and checks a results file; a file that does not exist reads as empty. */
export function readResults(path: string, opts: ReadResultsOptions = {}): ResultsFile {
  if (!existsSync(path)) return { records: [], tornLine: false };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read results file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const lines = text.split('\n');
  // text ends with '\n' when the last write completed, so the last element is '' then
  const last = lines.pop() as string;
  const records: RunRecord[] = [];
  let tornLine = last !== '';
  let goodChars = text.length - last.length;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (i === lines.length - 1 && last === '') {
        // a complete-looking last line that is not JSON: also what a killed writer can leave
        tornLine = true;
        goodChars -= line.length + 1;
        break;
      }
      throw new InputError(`${path}:${i + 1}: line is not JSON (a corrupt record in the middle of the file); ` +
        `restore the file or remove that line, then run again`);
    }
    const record = checkRecord(value, `${path}:${i + 1}`);
    const first = records[0] ?? record;
    const expected = opts.planId ?? first.planId;
    if (record.planId !== expected) {
      throw new InputError(`${path}:${i + 1}: this results file holds runs of plan ${short(record.planId)} ` +
        `(${record.experiment}), not plan ${short(expected)}; use another --out file (or the same parameters)`);
    }
    records.push(record);
  }
  if (tornLine) {
    const warn = opts.warn ?? ((m: string) => process.stderr.write(`radixnet: warning: ${m}\n`));
    warn(`${path}: dropped a torn last line (a run killed while writing); that run will be redone`);
    if (opts.repair) {
      const fd = openSync(path, 'r+');
      try {
        ftruncateSync(fd, Buffer.byteLength(text.slice(0, goodChars)));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  }
  return { records, tornLine };
}

/** An open results file that records are appended to. */
export class ResultsWriter {
  private constructor(private fd: number, readonly path: string) {}

  /** Opens `path` for appending, creating it and its directory; an unwritable place is an InputError. */
  static open(path: string): ResultsWriter {
    try {
      mkdirSync(dirname(path), { recursive: true });
      return new ResultsWriter(openSync(path, 'a'), path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new InputError(`cannot write results to ${path} (${code}); choose a writable --out file`);
    }
  }

  /** Appends one record as one line with a single write, then fsyncs, so a crash never leaves half a record inside. */
  append(record: RunRecord): void {
    writeSync(this.fd, recordLine(record));
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** The line a record is stored as (JSON in the record's own key order, then a newline). */
export function recordLine(record: RunRecord): string {
  return JSON.stringify(record) + '\n';
}

const REQUIRED: [keyof RunRecord, string][] = [
  ['v', 'number'], ['experiment', 'string'], ['planId', 'string'], ['params', 'object'], ['index', 'number'],
  ['key', 'string'], ['tags', 'object'], ['config', 'object'], ['topology', 'object'], ['history', 'object'],
  ['final', 'object'], ['wallSeconds', 'number'], ['threads', 'number'], ['host', 'string'],
];

/** Checks the shape of a record (fields and their types); `where` names file and line in the error. */
export function checkRecord(value: unknown, where: string): RunRecord {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError(`${where}: not a results record (expected a JSON object per line)`);
  }
  const r = value as Record<string, unknown>;
  for (const [field, type] of REQUIRED) {
    if (!(field in r) || typeof r[field] !== type) {
      throw new InputError(`${where}: not a results record: field '${field}' ${field in r ? `is not a ${type}` : 'is missing'}`);
    }
  }
  if (r.v !== RECORD_VERSION) {
    throw new InputError(`${where}: record version ${String(r.v)}, this radixnet reads version ${RECORD_VERSION}; use the radixnet that wrote it`);
  }
  if (!Array.isArray(r.history)) throw new InputError(`${where}: not a results record: 'history' is not a list`);
  const t = r.topology as Record<string, unknown>;
  if (t === null || typeof t.radices !== 'string' || typeof t.sparsity !== 'number') {
    throw new InputError(`${where}: not a results record: 'topology' lacks radices or sparsity`);
  }
  return value as RunRecord;
}

function short(id: string): string {
  return id.slice(0, 12);
}
