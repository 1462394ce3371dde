// A saved model on disk: a folder holding model.json (topology + weights manifest) and the weights file it names.
// Saving is checked before any work (so a long training never ends in a refused save) and never leaves a reader a
// mix of two models or a truncated file: the weights go to a new, uniquely named file, then model.json is replaced
// by rename, then the old weights go. A lock file keeps two writers from interleaving. Loading trusts nothing in the
// folder: paths stay inside it, and every size is checked against the manifest and the limits before a byte is read.
// Plain node:fs only (no tfjs), so the CLI can check a --save target before it loads tfjs.
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { tryLock, type FileLock, type LockHeld } from '../data/file-lock.js';
import { checkJsonDepth, envNumber, formatBytes, LIMITS } from '../topology/cost.js';

/** The default name of the topology file in a model folder. */
export const MODEL_JSON = 'model.json';
/** Held (created with O_EXCL) by the one process writing into a model folder; holds "pid token". */
export const LOCK_FILE = '.radixnet-save.lock';
const WEIGHTS_PATTERN = /^weights-[0-9a-f]{16}\.bin$/;
const TEMP_PATTERN = /^\..+\.tmp-[0-9a-f]{12}$/;

/** Where a model is saved: its folder and the name of its topology file there. */
export interface ModelTarget {
  dir: string;
  json: string;
}

/** `dir` means dir/model.json; `dir/name.json` means that file, and `dir` is still the model's folder. */
export function modelTarget(path: string): ModelTarget {
  if (typeof path !== 'string' || path.trim() === '')
    throw new InputError(`a model path must be a non-empty string, got ${JSON.stringify(path)}`);
  const full = resolve(path);
  return full.endsWith('.json') ? { dir: dirname(full), json: basename(full) } : { dir: full, json: MODEL_JSON };
}

/**
 * Checks that a model can be saved at `path` without losing anything: the folder exists and is writable or can be
 * created, is not a file, and holds no other model (unless `force`). Throws an InputError naming the fix; returns the
 * target. Call it before training; the save calls it again.
 */
export function checkSaveTarget(path: string, opts: { force?: boolean } = {}): ModelTarget {
  const target = modelTarget(path);
  const { dir } = target;
  const st = statOrNull(dir);
  if (st) {
    if (!st.isDirectory())
      throw new InputError(
        `cannot save a model to ${dir}: it is a file, not a folder; give a new folder (model.json and its weights are written inside)`,
      );
    checkWritable(dir, dir);
    const others = modelFiles(dir).filter((name) => name !== target.json);
    if (others.length > 0 && !opts.force) {
      throw new InputError(
        `${dir} already holds another model (${others.join(', ')}); saving ${target.json} there would put two models in one folder: choose an empty folder, or add --force (force: true) to save beside it`,
      );
    }
    return target;
  }
  let parent = dirname(dir);
  while (parent !== dirname(parent) && !statOrNull(parent)) parent = dirname(parent);
  if (!statOrNull(parent)?.isDirectory())
    throw new InputError(
      `cannot create the model folder ${dir}: ${parent} is a file, not a folder; choose another path`,
    );
  checkWritable(parent, dir);
  return target;
}

/**
 * Writes a model into its folder so that a reader sees the previous model or this one, never a mix: weights to a new
 * uniquely named file (fsynced), model.json through a temporary file and a rename, then the old weights are removed.
 * Holds the folder's lock throughout (waiting for another writer, taking over a dead one's lock).
 * @param modelJSON the topology file's fields other than weightsManifest
 * @param weightSpecs the manifest's weight entries (name, shape, dtype), in the order of `weights`
 * @returns bytes written (topology file + weights)
 */
export async function writeModelFolder(
  path: string,
  modelJSON: Record<string, unknown>,
  weightSpecs: unknown[],
  weights: Uint8Array,
  opts: { force?: boolean } = {},
): Promise<number> {
  const target = checkSaveTarget(path, opts);
  const { dir } = target;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new InputError(
      `cannot create the model folder ${dir} (${(err as NodeJS.ErrnoException).code}); choose another path`,
    );
  }
  const release = await acquireLock(dir);
  try {
    const jsonPath = join(dir, target.json);
    const previous = referencedFiles(jsonPath);
    const weightsName = `weights-${randomBytes(8).toString('hex')}.bin`;
    writeDurable(join(dir, weightsName), weights);
    await pausePoint();
    const text = JSON.stringify({ ...modelJSON, weightsManifest: [{ paths: [weightsName], weights: weightSpecs }] });
    const temp = join(dir, `.${target.json}.tmp-${randomBytes(6).toString('hex')}`);
    writeDurable(temp, Buffer.from(text));
    renameSync(temp, jsonPath);
    syncDir(dir);
    removeUnreferenced(dir, previous);
    return Buffer.byteLength(text) + weights.length;
  } finally {
    release();
  }
}

/**
 * Replaces the file `name` in a model folder (created when missing) so that a reader sees the old file or the new one,
 * never a part: the bytes go to a temporary file (fsynced), which is renamed over `name`, under the folder's save lock.
 * Synchronous (waiting for another writer's lock included), so a training loop can call it between two epochs.
 * Returns the file's path.
 */
export function replaceFileSync(dir: string, name: string, bytes: Uint8Array): string {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new InputError(
      `cannot create the folder ${dir} (${(err as NodeJS.ErrnoException).code}); choose another path`,
    );
  }
  const release = acquireLockSync(dir);
  try {
    const path = join(dir, name);
    // a temporary file a killed writer left is not kept: its name is this pattern's, removed by the next save
    const temp = join(dir, `.${name}.tmp-${randomBytes(6).toString('hex')}`);
    writeDurable(temp, bytes);
    pausePointSync();
    renameSync(temp, path);
    syncDir(dir);
    for (const n of readdirSync(dir))
      if (n.startsWith(`.${name}.tmp-`) && TEMP_PATTERN.test(n)) rmSync(join(dir, n), { force: true });
    return path;
  } finally {
    release();
  }
}

/** A model folder's files as read, every size and path checked. */
export interface ModelFiles {
  /** The topology file read. */
  jsonPath: string;
  /** Its parsed content; weightsManifest is checked, the rest is the caller's to check. */
  modelJSON: Record<string, unknown> & { modelTopology: object };
  /** The manifest's entries, concatenated in order. */
  weightSpecs: WeightSpec[];
  /** All weight files, concatenated in manifest order. */
  weightData: ArrayBuffer;
}

/** One weightsManifest entry, as tfjs writes it. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number };
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/**
 * Reads a saved model (`path` = its folder, or its topology file) without trusting it: the topology file must be a
 * regular file under LIMITS.modelJsonBytes, weightsManifest must name files inside the folder, and their total size
 * must equal what the manifest's shapes need (and stay under LIMITS.weightBytes) before any is read. Every defect is
 * an InputError naming the file and the field. Retries when a writer replaces the model between the two reads.
 */
export function readModelFolder(path: string): ModelFiles {
  for (let attempt = 0; ; attempt++) {
    try {
      return readOnce(path);
    } catch (err) {
      if (!(err instanceof Replaced) || attempt >= 3) throw err instanceof Replaced ? new InputError(err.message) : err;
    }
  }
}

/** The weights a reader found gone while model.json changed under it: a concurrent save, so read again. */
class Replaced extends Error {}

function readOnce(path: string): ModelFiles {
  const full = resolve(path);
  const jsonPath = full.endsWith('.json') && !statOrNull(full)?.isDirectory() ? full : join(full, MODEL_JSON);
  const dir = dirname(jsonPath);
  const st = statOrNull(jsonPath);
  if (!st)
    throw new InputError(
      `no saved model at ${jsonPath}: save one there first (radixnet train --save ${dir}, or saveModel(model, '${dir}'))`,
    );
  if (!st.isFile()) throw new InputError(`${jsonPath} is not a regular file; give a model folder or its model.json`);
  if (st.size > LIMITS.modelJsonBytes) {
    throw new InputError(
      `${jsonPath} is ${formatBytes(st.size)}, over the ${formatBytes(LIMITS.modelJsonBytes)} limit on a topology file (RADIXNET_MAX_MODEL_JSON_BYTES); it is not a radixnet model`,
    );
  }
  let modelJSON: unknown;
  const text = readFileSync(jsonPath, 'utf8');
  // before parsing: tfjs walks the topology recursively, and a file of nested brackets would overflow its stack
  checkJsonDepth(text, jsonPath);
  try {
    modelJSON = JSON.parse(text);
  } catch (err) {
    throw new InputError(`cannot read the model at ${jsonPath}: ${oneLine(err)}`);
  }
  if (!isObject(modelJSON) || !isObject(modelJSON.modelTopology))
    throw new InputError(`${jsonPath} is not a tfjs model.json: field modelTopology is missing or not an object`);
  const manifest = modelJSON.weightsManifest;
  if (!Array.isArray(manifest) || manifest.length === 0) {
    throw new InputError(
      `${jsonPath} has no weightsManifest, so its weights are missing (loading it would give random weights); save the model again`,
    );
  }
  const specs: WeightSpec[] = [];
  const files: { path: string; size: number; field: string }[] = [];
  let expected = 0;
  let found = 0;
  manifest.forEach((group: unknown, g) => {
    const field = `weightsManifest[${g}]`;
    if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new InputError(`${jsonPath}: ${field} must be an object with "paths" and "weights" arrays`);
    }
    let groupBytes = 0;
    group.weights.forEach((spec: unknown, k) => {
      groupBytes += specBytes(spec, `${jsonPath}: ${field}.weights[${k}]`);
      specs.push(spec as WeightSpec);
    });
    let groupFound = 0;
    group.paths.forEach((p: unknown, k) => {
      const f = confined(dir, p, `${jsonPath}: ${field}.paths[${k}]`, jsonPath, st);
      files.push({ path: f.path, size: f.size, field: `${field}.paths[${k}]` });
      groupFound += f.size;
    });
    if (groupFound !== groupBytes) {
      throw new InputError(
        `${jsonPath}: ${field} names files of ${groupFound} bytes but its weights' shapes need ${groupBytes}; the weights file is truncated, damaged or belongs to another model`,
      );
    }
    expected += groupBytes;
    found += groupFound;
  });
  if (specs.length === 0)
    throw new InputError(`${jsonPath}: weightsManifest lists no weights; a model without weights cannot be loaded`);
  if (expected > LIMITS.weightBytes) {
    throw new InputError(
      `${jsonPath}: the weights take ${formatBytes(expected)}, over the ${formatBytes(LIMITS.weightBytes)} limit (RADIXNET_MAX_WEIGHT_BYTES)`,
    );
  }
  const data = new Uint8Array(found);
  let at = 0;
  for (const f of files) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(f.path);
    } catch (err) {
      if (changed(jsonPath, st))
        throw new Replaced(`${jsonPath} kept changing while it was read; try again when no save is running`);
      throw new InputError(
        `${jsonPath}: ${f.field} ${f.path} cannot be read (${(err as NodeJS.ErrnoException).code ?? oneLine(err)})`,
      );
    }
    if (bytes.length !== f.size) {
      if (changed(jsonPath, st))
        throw new Replaced(`${jsonPath} kept changing while it was read; try again when no save is running`);
      throw new InputError(`${jsonPath}: ${f.field} ${f.path} changed size while it was read`);
    }
    data.set(bytes, at);
    at += bytes.length;
  }
  return { jsonPath, modelJSON: modelJSON as ModelFiles['modelJSON'], weightSpecs: specs, weightData: data.buffer };
}

/** Bytes one manifest entry takes, after checking its name, shape and dtype. */
function specBytes(spec: unknown, where: string): number {
  if (!isObject(spec)) throw new InputError(`${where} must be an object {name, shape, dtype}`);
  if (typeof spec.name !== 'string') throw new InputError(`${where}.name must be a string`);
  const shape = spec.shape;
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0 || d > 2 ** 31 - 1)) {
    throw new InputError(`${where}.shape must be an array of whole numbers, got ${short(shape)}`);
  }
  let dtype = spec.dtype;
  if (typeof dtype !== 'string' || !['float32', 'int32', 'bool'].includes(dtype)) {
    throw new InputError(`${where}.dtype is ${short(dtype)}; a radixnet model stores float32, int32 or bool weights`);
  }
  if (spec.quantization !== undefined) {
    const q = spec.quantization;
    if (!isObject(q) || typeof q.dtype !== 'string' || !['uint8', 'uint16', 'float16'].includes(q.dtype)) {
      throw new InputError(`${where}.quantization.dtype must be uint8, uint16 or float16`);
    }
    dtype = q.dtype;
  }
  const elements = (shape as number[]).reduce((a, b) => a * b, 1);
  return elements * DTYPE_BYTES[dtype as string];
}

/** A manifest path resolved inside `dir` (symbolic links included) to a regular file. */
function confined(
  dir: string,
  p: unknown,
  where: string,
  jsonPath: string,
  jsonStat: Stats,
): { path: string; size: number } {
  if (typeof p !== 'string' || p === '' || p.includes('\0'))
    throw new InputError(`${where} must be a file name, got ${short(p)}`);
  const inside = (root: string, candidate: string): boolean => {
    const rel = relative(root, candidate);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  };
  const full = resolve(dir, p);
  if (isAbsolute(p) || !inside(dir, full))
    throw new InputError(
      `${where} is ${short(p)}, outside the model folder ${dir}; weights must be files in the model's folder`,
    );
  let real: string;
  try {
    real = realpathSync(full);
  } catch (err) {
    if (changed(jsonPath, jsonStat))
      throw new Replaced(`${jsonPath} kept changing while it was read; try again when no save is running`);
    throw new InputError(
      `${where} names ${full}, which is missing (${(err as NodeJS.ErrnoException).code}); the model folder is incomplete`,
    );
  }
  if (!inside(realpathSync(dir), real))
    throw new InputError(
      `${where} links to ${real}, outside the model folder ${dir}; weights must be files in the model's folder`,
    );
  const st = statSync(real);
  if (!st.isFile()) throw new InputError(`${where} names ${full}, which is not a regular file`);
  return { path: real, size: st.size };
}

function changed(jsonPath: string, before: Stats): boolean {
  const now = statOrNull(jsonPath);
  return !now || now.ino !== before.ino || now.mtimeMs !== before.mtimeMs || now.size !== before.size;
}

// --- writing pieces -----------------------------------------------------------------------------------------

function writeDurable(path: string, bytes: Uint8Array): void {
  const fd = openSync(path, 'w');
  try {
    for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // some file systems cannot fsync a directory; the rename is still atomic there
  }
}

/** Weight files `jsonPath` names now (plain names inside its folder), to remove once a new save replaces it. */
function referencedFiles(jsonPath: string): string[] {
  try {
    const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as { weightsManifest?: { paths?: unknown[] }[] };
    return (json.weightsManifest ?? [])
      .flatMap((g) => g.paths ?? [])
      .filter((p): p is string => typeof p === 'string' && basename(p) === p);
  } catch {
    return [];
  }
}

/**
 * Removes the replaced model's weight files and what killed saves left (our weights-*.bin and temporary files),
 * keeping anything a model file in the folder still names.
 */
function removeUnreferenced(dir: string, previous: string[]): void {
  const names = readdirSync(dir);
  const keep = new Set(modelFiles(dir).flatMap((json) => referencedFiles(join(dir, json))));
  for (const name of new Set([...previous, ...names.filter((n) => WEIGHTS_PATTERN.test(n) || TEMP_PATTERN.test(n))])) {
    if (!keep.has(name)) rmSync(join(dir, name), { force: true });
  }
}

/**
 * How long a save waits for another live process's save into the same folder (ms): RADIXNET_SAVE_LOCK_WAIT_MS, 0
 * (fail at once) to one day, default 120 s. Read at each save, so a bad value is an error of that save.
 */
function lockWaitMs(): number {
  return envNumber('RADIXNET_SAVE_LOCK_WAIT_MS', 120_000, { min: 0, max: 86_400_000, integer: true });
}

/**
 * Takes the folder's save lock, waiting while a live process holds it. A lock whose holder is gone (killed mid-save,
 * also in a container restarted under the same pid: see src/data/file-lock.ts) is taken over at once, or once it has
 * gone untouched for LIMITS.lockStaleMs when its holder is on another host or in another PID namespace.
 */
async function acquireLock(dir: string): Promise<() => void> {
  const waitMs = lockWaitMs();
  const t0 = Date.now();
  for (;;) {
    const release = tryFolderLock(dir, t0, waitMs, { folder: 'the model folder', doing: 'saving a model into' });
    if (release) return release;
    await sleep(20);
  }
}

/** acquireLock for synchronous callers: the same rules, waiting by blocking the thread (20 ms at a time). */
function acquireLockSync(dir: string): () => void {
  const waitMs = lockWaitMs();
  const t0 = Date.now();
  for (;;) {
    const release = tryFolderLock(dir, t0, waitMs, { folder: 'the folder', doing: 'writing into' });
    if (release) return release;
    sleepSync(20);
  }
}

/**
 * One try at a folder's save lock for a wait that began at t0: its release, or null while a live holder keeps it and
 * less than waitMs has gone by; past that, or when the lock cannot be made at all, a one-line InputError.
 */
function tryFolderLock(
  dir: string,
  t0: number,
  waitMs: number,
  words: { folder: string; doing: string },
): (() => void) | null {
  const path = join(dir, LOCK_FILE);
  let got: FileLock | LockHeld;
  try {
    got = tryLock(path, LIMITS.lockStaleMs);
  } catch (err) {
    throw new InputError(
      `cannot lock ${words.folder} ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); choose a folder you can write to`,
    );
  }
  if ('release' in got) {
    const lock = got;
    return () => lock.release();
  }
  if (Date.now() - t0 >= waitMs) {
    throw new InputError(
      `another process, ${got.holder}, has been ${words.doing} ${dir} for ${((Date.now() - t0) / 1000).toFixed(0)} s or more ` +
        `(RADIXNET_SAVE_LOCK_WAIT_MS=${waitMs}); wait for it, or delete ${path} if no such process runs`,
    );
  }
  return null;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** pausePoint for synchronous writers (replaceFileSync): stops after the temporary file is written, before the rename. */
function pausePointSync(): void {
  const gate = process.env.RADIXNET_SAVE_PAUSE;
  if (!gate) return;
  writeFileSync(`${gate}.paused`, String(process.pid));
  while (!existsSync(gate)) sleepSync(10);
}

/**
 * A test hook: with RADIXNET_SAVE_PAUSE=FILE set, a save stops between writing its weights and replacing model.json
 * (holding the lock), creates FILE.paused, and resumes once FILE exists. Tests kill or race a writer there.
 */
async function pausePoint(): Promise<void> {
  const gate = process.env.RADIXNET_SAVE_PAUSE;
  if (!gate) return;
  writeFileSync(`${gate}.paused`, String(process.pid));
  while (!existsSync(gate)) await sleep(10);
}

// --- small helpers ------------------------------------------------------------------------------------------

function checkWritable(dir: string, target: string): void {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new InputError(
      `cannot save a model to ${target}: ${dir} is not writable (${(err as NodeJS.ErrnoException).code}); choose a folder you can write to`,
    );
  }
}

/** Topology files of models in `dir`: *.json files whose opening names a modelTopology. */
function modelFiles(dir: string): string[] {
  return readdirSync(dir).filter((name) => {
    if (!name.endsWith('.json') || name.startsWith('.')) return false;
    try {
      const fd = openSync(join(dir, name), 'r');
      try {
        const head = Buffer.alloc(4096);
        return head
          .subarray(0, readSync(fd, head, 0, head.length, 0))
          .toString('utf8')
          .includes('"modelTopology"');
      } finally {
        closeSync(fd);
      }
    } catch {
      return false;
    }
  });
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** The first line of an error's message (tfjs' messages run over several). */
export function oneLine(err: unknown): string {
  return String((err as Error)?.message ?? err)
    .split('\n')[0]
    .trim();
}
