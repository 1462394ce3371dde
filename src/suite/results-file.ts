// Results files: one JSON record per line, appended whole (one write, then fsync) so that a killed writer leaves at
// most a torn last line, by one writer at a time (a lock file beside the results, see src/data/file-lock.ts), so that
// two sweeps given the same --out never both run and record the same runs.
//
// A results file is user input: reading takes regular files only (never a device or a FIFO, which could be endless or
// block forever), streams them line by line under LIMITS.recordBytes per line and LIMITS.resultsBytes in all, checks
// every record's shape, depth, parameters (by the experiment's own option parsers) and plan id (recomputed from the
// parameters), and never counts a run twice: a key that appears again is collapsed when the copies agree (up to
// timing and host) and refused, naming both lines, when they differ. A torn last line is dropped (and cut off the file,
// by byte offset, before more is appended); a complete last line that only lacks its newline is kept.
//
// A file named *.gz is read through gunzip under the same limits (the decompressed bytes count), so results kept
// compressed (as the docs' own are) summarize, plot and merge as they are; records are only ever appended to plain
// files, so a .gz is never a writer's --out.
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { gunzipSync } from 'node:zlib';
import { tryLock, type FileLock } from '../data/file-lock.js';
import { InputError } from '../errors.js';
import { checkJsonDepth, formatBytes, LIMITS } from '../topology/cost.js';
import { RECORD_VERSION, type RunRecord } from './experiment.js';
import { getExperiment } from './experiments/index.js';
import { checkParams } from './param-specs.js';
import { canonicalJson, planId as computePlanId } from './plan.js';

export interface ReadResultsOptions {
  /** Refuse records of any other plan (the message says which plan the file holds). */
  planId?: string;
  /**
   * Make the file ready for appending (the runner does, holding the writer's lock): cut a torn last line off, end a
   * complete last line that lacks its newline. Default false: only skip the torn line.
   */
  repair?: boolean;
  /** Where warnings go (a dropped torn line); default stderr. */
  warn?: (message: string) => void;
}

export interface ResultsFile {
  /** One record per run, in file order (a repeated identical copy is left out). */
  records: RunRecord[];
  /** The line of the file each record was read from (1-based), parallel to `records`. */
  lines: number[];
  /** Whether a torn last line was dropped. */
  tornLine: boolean;
  /** Keys whose line appeared again, identical up to timing and host (each counted once). */
  duplicates: string[];
}

/** Where a record was read: `file:line`. */
export interface RecordAt {
  record: RunRecord;
  where: string;
}

/** Reads and checks a results file; a file that does not exist reads as empty. */
export function readResults(path: string, opts: ReadResultsOptions = {}): ResultsFile {
  if (opts.repair) refuseGzipOut(path);
  const lines = readLines(path);
  if (lines === null) return { records: [], lines: [], tornLine: false, duplicates: [] };
  const { complete, last, size } = lines;
  const records: RunRecord[] = [];
  const recordLines: number[] = [];
  const seen = new Map<string, { line: number; same: string }>();
  const duplicates: string[] = [];
  const checker = new RecordChecker();
  let tornLine = false;
  let goodBytes = size; // where the file stops being whole records
  let needsNewline = false;
  const take = (value: unknown, lineNo: number): void => {
    const where = `${path}:${lineNo}`;
    const record = checker.check(value, where);
    const expected = opts.planId ?? records[0]?.planId ?? record.planId;
    if (record.planId !== expected) {
      throw new InputError(
        `${where}: this results file holds runs of plan ${short(record.planId)} ` +
          `(${record.experiment}), not plan ${short(expected)}; use another --out file (or the same parameters)`,
      );
    }
    const same = sameRunText(record);
    const before = seen.get(record.key);
    if (before === undefined) {
      seen.set(record.key, { line: lineNo, same });
      records.push(record);
      recordLines.push(lineNo);
    } else if (before.same === same) {
      duplicates.push(record.key);
    } else {
      throw new InputError(
        `${where}: run '${shortKey(record.key)}' is also at line ${before.line} with different results; ` +
          'two writers or a concatenation mixed runs: keep one of the two lines and read again',
      );
    }
  };
  for (let i = 0; i < complete.length; i++) {
    const { text, start } = complete[i];
    const value = parseLine(text, `${path}:${i + 1}`);
    if (value === NOT_JSON) {
      if (i === complete.length - 1 && last === null) {
        // a complete-looking last line that is not JSON: also what a killed writer can leave
        tornLine = true;
        goodBytes = start;
        break;
      }
      throw new InputError(
        `${path}:${i + 1}: line is not JSON (a corrupt record in the middle of the file); ` +
          `restore the file or remove that line, then run again`,
      );
    }
    take(value, i + 1);
  }
  if (last !== null) {
    // no newline at the end: a whole record that lost only its newline is kept, anything else was torn by a kill
    const value = parseLine(last.text, `${path}:${complete.length + 1}`);
    if (value === NOT_JSON) {
      tornLine = true;
      goodBytes = last.start;
    } else {
      take(value, complete.length + 1);
      needsNewline = true;
    }
  }
  if (tornLine) {
    const warn = opts.warn ?? ((m: string) => process.stderr.write(`radixnet: warning: ${m}\n`));
    warn(`${path}: dropped a torn last line (a run killed while writing); that run will be redone`);
  }
  if (opts.repair && (tornLine || needsNewline)) {
    const fd = openSync(path, 'r+');
    try {
      if (tornLine) ftruncateSync(fd, goodBytes);
      else writeSync(fd, '\n', size);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  return { records, lines: recordLines, tornLine, duplicates };
}

/** What two copies of one run must agree on: everything but when and where it ran. */
export function sameRunText(r: RunRecord): string {
  return canonicalJson(withoutTiming(r));
}

/** Fields that depend on when and where a run ran: ignored when comparing duplicate records. */
export function withoutTiming(r: RunRecord): unknown {
  const { wallSeconds: _w, host: _h, threads: _t, ...rest } = r;
  return { ...rest, history: r.history.map(({ seconds: _s, samplesPerSecond: _p, ...e }) => e) };
}

const NOT_JSON = Symbol('not JSON');

function parseLine(text: string, where: string): unknown {
  checkJsonDepth(text, where);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

interface Line {
  text: string;
  /** Byte offset of the line's first byte. */
  start: number;
}

/**
 * The lines of a regular file, read in chunks; `last` is the text after the final newline (null when the file ends
 * with one). Offsets are bytes, whatever the text decodes to. Null when the file does not exist.
 */
function readLines(path: string): { complete: Line[]; last: Line | null; size: number } | null {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer before we can see that it is one
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new InputError(`cannot read results file ${path}: ${code ?? (err as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      throw new InputError(
        `${path} is ${kindOf(st)}, not a regular file; results are read from files only (save the records to a file first)`,
      );
    }
    if (st.size > LIMITS.resultsBytes) {
      throw new InputError(
        `${path} is ${formatBytes(st.size)}, over the ${formatBytes(LIMITS.resultsBytes)} limit on a results file (RADIXNET_MAX_RESULTS_BYTES); split it or raise the limit`,
      );
    }
    // a .gz is split into lines from its decompressed bytes exactly as a plain file is from its own
    const text = isGzip(path) ? gunzipped(path, fd, st.size) : null;
    const size = text ? text.length : st.size;
    const readAt = (into: Buffer, bytes: number, at: number): number =>
      text ? text.copy(into, 0, at, at + bytes) : readSync(fd, into, 0, bytes, at);
    const complete: Line[] = [];
    const chunk = Buffer.allocUnsafe(1 << 20);
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let lineStart = 0;
    let offset = 0;
    // only what the file held when opened: a writer appending meanwhile cannot make this read endless
    while (offset < size) {
      const n = readAt(chunk, Math.min(chunk.length, size - offset), offset);
      if (n === 0) break;
      let from = 0;
      for (let nl = chunk.indexOf(0x0a, 0); nl >= 0 && nl < n; nl = chunk.indexOf(0x0a, from)) {
        checkLineLength(path, complete.length + 1, pendingBytes + nl - from);
        pending.push(chunk.subarray(from, nl));
        complete.push({ text: decode(pending), start: lineStart });
        lineStart = offset + nl + 1;
        pending = [];
        pendingBytes = 0;
        from = nl + 1;
      }
      if (from < n) {
        pendingBytes += n - from;
        checkLineLength(path, complete.length + 1, pendingBytes);
        pending.push(Buffer.from(chunk.subarray(from, n)));
      }
      offset += n;
    }
    const last = pendingBytes > 0 ? { text: decode(pending), start: lineStart } : null;
    return { complete, last, size: offset };
  } finally {
    closeSync(fd);
  }
}

const isGzip = (path: string): boolean => path.toLowerCase().endsWith('.gz');

function refuseGzipOut(path: string): void {
  if (isGzip(path)) {
    throw new InputError(
      `--out ${path} names a gzip file; records are appended to plain JSON lines: give a name without .gz (gunzip a kept file first) and run again`,
    );
  }
}

/** The decompressed bytes of a gzip-compressed results file (open as `fd`), never more than LIMITS.resultsBytes. */
function gunzipped(path: string, fd: number, size: number): Buffer {
  const packed = Buffer.allocUnsafe(size);
  for (let off = 0; off < size;) {
    const n = readSync(fd, packed, off, size - off, off);
    if (n === 0) break;
    off += n;
  }
  try {
    return gunzipSync(packed, { maxOutputLength: LIMITS.resultsBytes });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new InputError(
        `${path} decompresses to over the ${formatBytes(LIMITS.resultsBytes)} limit on a results file (RADIXNET_MAX_RESULTS_BYTES); split it or raise the limit`,
      );
    }
    throw new InputError(
      `${path} is named .gz but is not a whole gzip file (${code ?? (err as Error).message}); gunzip it to see what is wrong, or rename it`,
    );
  }
}

function checkLineLength(path: string, line: number, bytes: number): void {
  if (bytes > LIMITS.recordBytes) {
    throw new InputError(
      `${path}:${line}: a line over ${formatBytes(LIMITS.recordBytes)}, longer than any record radixnet writes (RADIXNET_MAX_RECORD_BYTES); it is not a results file`,
    );
  }
}

function decode(parts: Buffer[]): string {
  // invalid UTF-8 decodes to U+FFFD: the line is still judged as JSON, and offsets stay in bytes
  const d = new StringDecoder('utf8');
  return parts.map((p) => d.write(p)).join('') + d.end();
}

function kindOf(st: import('node:fs').Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isDirectory()) return 'a directory';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** An open results file that records are appended to, by this process alone (it holds `PATH.lock`). */
export class ResultsWriter {
  private constructor(
    private fd: number,
    readonly path: string,
    private lock: FileLock,
  ) {}

  /**
   * Takes the results file's lock and opens it for appending, creating it and its directory. Refused (InputError):
   * a place that cannot be written, anything but a regular file (a device, a pipe, /dev/stdout: write to a file and
   * read it with `radixnet summarize`), and a file another live process is writing.
   */
  static open(path: string): ResultsWriter {
    refuseGzipOut(path);
    const cannot = (err: unknown): InputError => {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      return new InputError(`cannot write results to ${path} (${code}); choose a writable --out file`);
    };
    const existing = statOrNull(path);
    if (existing && !existing.isFile()) {
      throw new InputError(
        `--out ${path} is ${kindOf(existing)}, not a regular file; results are appended to a file (then print them with radixnet summarize FILE)`,
      );
    }
    let lock: FileLock;
    try {
      mkdirSync(dirname(path), { recursive: true });
      lock = lockResults(path);
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw cannot(err);
    }
    try {
      const fd = openSync(path, 'a');
      if (!fstatSync(fd).isFile()) {
        closeSync(fd);
        throw new InputError(`--out ${path} is not a regular file; results are appended to a file`);
      }
      return new ResultsWriter(fd, path, lock);
    } catch (err) {
      lock.release();
      if (err instanceof InputError) throw err;
      throw cannot(err);
    }
  }

  /** Appends one record as one line with a single write, then fsyncs, so a crash never leaves half a record inside. */
  append(record: RunRecord): void {
    this.lock.check(
      `the lock ${this.path}.lock was removed while this process was writing ${this.path}; stop the other writer and run again`,
    );
    const bytes = Buffer.from(recordLine(record));
    for (let off = 0; off < bytes.length;) off += writeSync(this.fd, bytes, off);
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.lock.release();
  }
}

/**
 * Takes the writer's lock of the results file `path` (`PATH.lock`); a live holder is an InputError naming it. Release
 * it when done writing.
 */
export function lockResults(path: string): FileLock {
  const got = tryLock(`${path}.lock`, LIMITS.lockStaleMs);
  if ('release' in got) return got;
  throw new InputError(
    `${path} is being written by ${got.holder}; one writer per results file (two would run and record the same runs): ` +
      `wait for it or use another --out file; if no such process runs, delete ${path}.lock`,
  );
}

/** The line a record is stored as (JSON in the record's own key order, then a newline). */
export function recordLine(record: RunRecord): string {
  return JSON.stringify(record) + '\n';
}

const REQUIRED: [keyof RunRecord, string][] = [
  ['v', 'number'],
  ['experiment', 'string'],
  ['planId', 'string'],
  ['params', 'object'],
  ['index', 'number'],
  ['key', 'string'],
  ['tags', 'object'],
  ['config', 'object'],
  ['topology', 'object'],
  ['history', 'object'],
  ['final', 'object'],
  ['wallSeconds', 'number'],
  ['threads', 'number'],
  ['host', 'string'],
];

/** Checks the shape of a record (fields and their types); `where` names file and line in the error. */
export function checkRecord(value: unknown, where: string): RunRecord {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError(`${where}: not a results record (expected a JSON object per line)`);
  }
  const r = value as Record<string, unknown>;
  for (const [field, type] of REQUIRED) {
    if (!Object.hasOwn(r, field) || typeof r[field] !== type) {
      throw new InputError(
        `${where}: not a results record: field '${field}' ${Object.hasOwn(r, field) ? `is not a ${type}` : 'is missing'}`,
      );
    }
  }
  if (r.v !== RECORD_VERSION) {
    throw new InputError(
      `${where}: record version ${String(r.v).slice(0, 20)}, this radixnet reads version ${RECORD_VERSION}; use the radixnet that wrote it`,
    );
  }
  const bad = (what: string): never => {
    throw new InputError(`${where}: not a results record: ${what}`);
  };
  if (r.params === null || Array.isArray(r.params)) bad("'params' is not an object");
  if (r.tags === null || Array.isArray(r.tags)) bad("'tags' is not an object");
  for (const v of Object.values(r.tags as object))
    if (v !== null && typeof v === 'object') bad('a tag is not a string, number, boolean or null');
  if (Array.isArray(r.config)) bad("'config' is not an object or null");
  if (!Number.isSafeInteger(r.index) || (r.index as number) < 0) bad("'index' is not a whole number >= 0");
  if (!/^[0-9a-f]{64}$/.test(r.planId as string)) bad("'planId' is not 64 hex digits");
  if (!(Number.isFinite(r.wallSeconds) && (r.wallSeconds as number) >= 0)) bad("'wallSeconds' is not a number >= 0");
  if (!Array.isArray(r.history)) bad("'history' is not a list");
  for (const e of r.history as unknown[]) {
    if (!e || typeof e !== 'object' || Array.isArray(e)) bad("an entry of 'history' is not an object");
    for (const [k, v] of Object.entries(e as object))
      if (!isMetric(k, v))
        bad(`'history' holds ${k.slice(0, 40)} = ${String(JSON.stringify(v)).slice(0, 20)}, not a ${metricKind(k)}`);
  }
  const t = r.topology as Record<string, unknown>;
  if (t === null || Array.isArray(t) || typeof t.radices !== 'string' || !isFraction(t.sparsity))
    bad("'topology' lacks radices or a sparsity in [0, 1]");
  for (const k of ['weights', 'denseWeights']) {
    if (t[k] !== undefined && !(Number.isSafeInteger(t[k]) && (t[k] as number) >= 0))
      bad(`'topology.${k}' is not a whole number >= 0`);
  }
  if (!(t.kroneckerSparsity === null || t.kroneckerSparsity === undefined || isFraction(t.kroneckerSparsity)))
    bad("'topology.kroneckerSparsity' is not in [0, 1]");
  if (r.final !== null) {
    const f = r.final as Record<string, unknown>;
    if (Array.isArray(f)) bad("'final' is not an object or null");
    for (const [k, v] of Object.entries(f))
      if (!isMetric(k, v)) bad(`'final.${k.slice(0, 40)}' is not a ${metricKind(k)}`);
  }
  if (r.data !== undefined && (r.data === null || typeof r.data !== 'object' || Array.isArray(r.data)))
    bad("'data' is not an object");
  return value as RunRecord;
}

/** Accuracies are fractions, everything else a finite number >= 0; null stands for a metric not measured (or NaN). */
function isMetric(name: string, v: unknown): boolean {
  if (v === null) return true;
  // per-class outcomes: recall per class (null for a class without samples), confusion counts [true][predicted]
  if (/recall/i.test(name)) return Array.isArray(v) && v.every((x) => x === null || isFraction(x));
  if (/confusion/i.test(name))
    return (
      Array.isArray(v) && v.every((row) => Array.isArray(row) && row.every((x) => Number.isSafeInteger(x) && x >= 0))
    );
  if (/accuracy/i.test(name)) return isFraction(v);
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

function metricKind(name: string): string {
  if (/recall/i.test(name)) return 'list of fractions in [0, 1] or null';
  if (/confusion/i.test(name)) return 'list of lists of whole numbers >= 0';
  return /accuracy/i.test(name) ? 'fraction in [0, 1] or null' : 'finite number >= 0 or null';
}

function isFraction(v: unknown): boolean {
  return typeof v === 'number' && v >= 0 && v <= 1;
}

/**
 * Checks records beyond their shape: the experiment exists, its parameters are values its options take, and the plan
 * id is the one those parameters give. Parameters repeat on every line: each distinct set is checked once.
 */
class RecordChecker {
  private checked = new Map<string, string>();

  check(value: unknown, where: string): RunRecord {
    const record = checkRecord(value, where);
    const paramsText = canonicalJson(record.params);
    const key = `${record.experiment}\n${paramsText}`;
    let id = this.checked.get(key);
    if (id === undefined) {
      let exp;
      try {
        exp = getExperiment(record.experiment);
      } catch (err) {
        throw new InputError(`${where}: ${(err as Error).message}`);
      }
      checkParams(exp, record.params, where);
      id = computePlanId(record.experiment, record.params);
      this.checked.set(key, id);
    }
    if (record.planId !== id) {
      throw new InputError(
        `${where}: planId ${short(record.planId)} is not the plan of the record's own params (${short(id)}); the record was edited`,
      );
    }
    return record;
  }
}

/** Checks one parsed record fully (shape, experiment, params, plan id), as readResults does every line. */
export function checkRecordFully(value: unknown, where: string): RunRecord {
  return new RecordChecker().check(value, where);
}

function statOrNull(path: string): import('node:fs').Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function short(id: string): string {
  return id.slice(0, 12);
}

function shortKey(key: string): string {
  return key.length > 80 ? `${key.slice(0, 77)}...` : key;
}
