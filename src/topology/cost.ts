// What a request will cost, known from its inputs before any work starts, and the limits it is held to. Every entry
// point (CLI, library constructors, the serverless example, model loading) estimates here and refuses with the
// estimate and the limit in one line, instead of finding out gigabytes or minutes later. The limits are plain
// numbers: change them on LIMITS at run time, or through the environment variable named beside each.
import { InputError } from '../errors.js';

const MiB = 2 ** 20;
const GiB = 2 ** 30;

/**
 * A number from the environment variable `name`, or `fallback` when it is unset or empty. Anything else must be a
 * plain decimal number (no hex, no Infinity) from `min` to `max`, whole when `integer`; otherwise an InputError names
 * the variable, its text and the valid range: a typo must never silently become the default or "no limit".
 */
export function envNumber(
  name: string,
  fallback: number,
  range: { min: number; max: number; integer?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): number {
  const text = env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const value = /^\s*[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(text) ? Number(text) : NaN;
  if (
    !Number.isFinite(value) ||
    value < range.min ||
    value > range.max ||
    (range.integer && !Number.isInteger(value))
  ) {
    throw new InputError(
      `${name} is '${text.length > 40 ? `${text.slice(0, 40)}...` : text}'; give ${range.integer ? 'a whole number' : 'a number'} ` +
        `from ${range.min} to ${range.max} (or unset it for the default, ${fallback})`,
    );
  }
  return value;
}

/**
 * A size or count limit: RADIXNET_... from the environment (a whole number from 1 to 2^53 - 1), read at first use so
 * that a bad value is the one-line error of the command that uses it, not a crash at startup; assignable.
 */
function limit(
  name: string,
  fallback: number,
  range = { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true },
): PropertyDescriptor {
  let value: number | undefined;
  return {
    enumerable: true,
    get: () => (value ??= envNumber(name, fallback, range)),
    set: (v: number) => {
      value = v;
    },
  };
}

export interface Limits {
  /** Host memory one request may allocate (RADIXNET_MAX_MEMORY_BYTES, default 4 GiB). */
  memoryBytes: number;
  /** A saved model's topology file (RADIXNET_MAX_MODEL_JSON_BYTES, default 256 MiB). */
  modelJsonBytes: number;
  /** A saved model's weights, all files together (RADIXNET_MAX_WEIGHT_BYTES, default 2 GiB). */
  weightBytes: number;
  /** Files written without --force (--dense-out; RADIXNET_MAX_OUTPUT_BYTES, default 256 MiB). */
  outputBytes: number;
  /** Candidate radix lists an enumeration may examine without --force (RADIXNET_MAX_ENUMERATION, default 200,000). */
  enumeration: number;
  /** Elementary steps (mask entries built, lists checked) one request may take (RADIXNET_MAX_WORK, default 2e9). */
  work: number;
  /**
   * One line (record) of a results file (RADIXNET_MAX_RECORD_BYTES, default 16 MiB; the largest the suite writes, a
   * saliency run's maps, is under 100 KiB).
   */
  recordBytes: number;
  /** A whole results file (RADIXNET_MAX_RESULTS_BYTES, default 1 GiB: a full Fig. 4 sweep is about 3 MiB). */
  resultsBytes: number;
  /** Nesting of arrays and objects in any JSON a user hands in (RADIXNET_MAX_JSON_DEPTH, default 64). */
  jsonDepth: number;
  /**
   * Milliseconds a lock's holder that this process cannot check directly (another host or PID namespace) may go
   * without touching the lock before it counts as dead (RADIXNET_LOCK_STALE_MS, 100 to 86400000, default 30 s;
   * a live holder touches it every quarter of this).
   */
  lockStaleMs: number;
}

/** The limits every cost check uses (bytes, counts). Assign to change them for this process. */
export const LIMITS: Limits = Object.defineProperties({} as Limits, {
  memoryBytes: limit('RADIXNET_MAX_MEMORY_BYTES', 4 * GiB),
  modelJsonBytes: limit('RADIXNET_MAX_MODEL_JSON_BYTES', 256 * MiB),
  weightBytes: limit('RADIXNET_MAX_WEIGHT_BYTES', 2 * GiB),
  outputBytes: limit('RADIXNET_MAX_OUTPUT_BYTES', 256 * MiB),
  enumeration: limit('RADIXNET_MAX_ENUMERATION', 200_000),
  work: limit('RADIXNET_MAX_WORK', 2e9),
  recordBytes: limit('RADIXNET_MAX_RECORD_BYTES', 16 * MiB),
  resultsBytes: limit('RADIXNET_MAX_RESULTS_BYTES', GiB),
  jsonDepth: limit('RADIXNET_MAX_JSON_DEPTH', 64),
  lockStaleMs: limit('RADIXNET_LOCK_STALE_MS', 30_000, { min: 100, max: 86_400_000, integer: true }),
});

/** 1536 -> "1.5 KiB", 3e9 -> "2.8 GiB". */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${bytes} bytes` : `${v < 10 ? v.toFixed(1) : v.toFixed(0)} ${units[u]}`;
}

/** A rough rate for turning step counts into seconds in messages (simple loop iterations per second on one core). */
export const STEPS_PER_SECOND = 1e8;

/** What a request needs: bytes of memory at its peak and elementary steps (loop iterations) of work. */
export interface Cost {
  bytes: number;
  steps: number;
}

/**
 * Throws an InputError when `cost` is over LIMITS.memoryBytes or LIMITS.work (or the limits given), naming the
 * request (`what`), the estimate, the limit and the fix.
 */
export function checkCost(
  what: string,
  cost: Cost,
  fix: string,
  limits: { bytes?: number; bytesName?: string } = {},
): void {
  const maxBytes = limits.bytes ?? LIMITS.memoryBytes;
  if (!(cost.bytes <= maxBytes)) {
    throw new InputError(
      `${what} needs about ${formatBytes(cost.bytes)} of memory, over the ${formatBytes(maxBytes)} limit (${limits.bytesName ?? 'RADIXNET_MAX_MEMORY_BYTES'}); ${fix}`,
    );
  }
  if (!(cost.steps <= LIMITS.work)) {
    throw new InputError(
      `${what} takes about ${cost.steps.toExponential(1)} steps (~${formatSeconds(cost.steps / STEPS_PER_SECOND)}), over the ${LIMITS.work.toExponential(1)}-step limit (RADIXNET_MAX_WORK); ${fix}`,
    );
  }
}

/**
 * For work that is allowed but large (enumerations, --dense-out files): above `limit` it needs `force`. `what` reads
 * as the start of a sentence that the size completes ("the enumeration ... would examine"). Returns a warning line to
 * print when forced past the limit, else null.
 */
export function checkSoftLimit(
  what: string,
  size: number,
  limit: number,
  env: string,
  force: boolean | undefined,
  show: (n: number) => string = String,
): string | null {
  if (size <= limit) return null;
  if (!force)
    throw new InputError(
      `${what} ${show(size)}, over the ${show(limit)} allowed without --force (${env}); narrow the request, or add --force (force: true) to go ahead`,
    );
  return `warning: ${what} ${show(size)}, over the ${show(limit)} limit; going ahead because of --force`;
}

function formatSeconds(s: number): string {
  return s < 100
    ? `${s.toFixed(s < 10 ? 1 : 0)} s`
    : s < 7200
      ? `${(s / 60).toFixed(0)} min`
      : `${(s / 3600).toFixed(0)} h`;
}

// --- estimates ----------------------------------------------------------------------------------------------

/** CSR masks with `nnz[l]` connections on layers n_0..n_L: rowPtr (n_{l+1} + 1) and colIdx (nnz) int32s, built once. */
export function maskCost(layers: readonly number[], nnz: readonly number[]): Cost {
  let ints = 0;
  for (let l = 0; l < nnz.length; l++) ints += layers[l + 1] + 1 + nnz[l];
  return { bytes: 4 * ints, steps: ints };
}

/** Bytes of the dense 0/1 masks of layers n_0..n_L written as NPY (one byte each) or JSON (about two characters each). */
export function denseOutBytes(layers: readonly number[], format: 'json' | 'npy'): number {
  let bytes = 0;
  for (let l = 0; l + 1 < layers.length; l++)
    bytes += format === 'npy' ? layers[l] * layers[l + 1] + 128 : 2 * layers[l] * layers[l + 1] + 3 * layers[l];
  return bytes;
}

/**
 * An Mlp in kernel memory (see engine/mlp.ts): per stored weight, the weight, its gradient and `slots` optimizer
 * values (4 bytes each) plus the sparse structure (16 bytes per nonzero of a masked layer); activations and gradients
 * of every layer for `batch` samples; the input stage; and `samples` rows made resident for training.
 * @param stored per weight layer: weights stored (nnz, or n_l * n_{l+1} when dense)
 * @param sparse per weight layer: whether it has a mask (its CSR/CSC structures live in kernel memory too)
 */
export function mlpBytes(
  layers: readonly number[],
  stored: readonly number[],
  sparse: readonly boolean[],
  slots: number,
  batch: number,
  samples = 0,
): number {
  let bytes = 0;
  for (let l = 0; l < stored.length; l++) {
    bytes +=
      stored[l] * 4 * (2 + slots) +
      (sparse[l] ? 16 * stored[l] + 8 * (layers[l] + layers[l + 1]) : 0) +
      4 * layers[l + 1];
  }
  const ldb = Math.ceil(batch / 4) * 4; // not (batch + 3) & ~3, which wraps negative from 2^31 - 3
  const units = layers.reduce((s, n) => s + n, 0);
  bytes += 2 * units * 4 * ldb + ldb * layers[0] * 4 + 5 * 4 * ldb + ldb * layers[layers.length - 1] * 4;
  return bytes + samples * layers[0] * 4;
}

/**
 * A tfjs model of dense [n_l, n_{l+1}] kernels trained by model.fit: kernel, mask, gradient, Adam's two slots and the
 * masked kernel (6 floats per dense entry), activations of a batch, and the training data as tensors.
 */
export function tfjsFitBytes(layers: readonly number[], batch: number, samples: number): number {
  let bytes = 0;
  for (let l = 0; l + 1 < layers.length; l++) bytes += 6 * 4 * layers[l] * layers[l + 1];
  const units = layers.reduce((s, n) => s + n, 0);
  return bytes + 4 * 4 * units * batch + 4 * samples * (layers[0] + 1);
}

/**
 * Checks a request to write dense 0/1 masks of layers n_0..n_L to `file` (.json or .npy) before anything is built:
 * above LIMITS.outputBytes it needs `force` (then returns a warning line); a layer whose dense form does not fit in
 * LIMITS.memoryBytes is refused outright.
 */
export function checkDenseOut(layers: readonly number[], file: string, force?: boolean): string | null {
  const format = file.endsWith('.json') ? 'json' : file.endsWith('.npy') ? 'npy' : null;
  if (format === null) throw new InputError(`--dense-out file '${file}' must end in .json or .npy`);
  const largest = layers.slice(1).reduce((m, n, l) => Math.max(m, n * layers[l]), 0);
  checkCost(
    `a dense mask of ${formatBytes(largest)} (layers ${layers.join(',')})`,
    { bytes: largest, steps: largest },
    'write the masks in compressed form instead (radixnet topology --json)',
  );
  return checkSoftLimit(
    `the --dense-out ${format.toUpperCase()} of layers ${layers.join(',')} would write`,
    denseOutBytes(layers, format),
    LIMITS.outputBytes,
    'RADIXNET_MAX_OUTPUT_BYTES',
    force,
    formatBytes,
  );
}

/** Kernel memory a model may use: wasm32's 4 GiB less a margin for the workers' stacks. */
export const KERNEL_MEMORY_BYTES = 2 ** 32 - 2 ** 26;
/** tfjs-backend-wasm's heap: 32-bit pointers that go wrong past 2 GiB ("memory access out of bounds"). */
export const TFJS_WASM_BYTES = 2 ** 31;
/** MNIST training samples the paper's 90% split keeps, and the test samples. */
export const MNIST_TRAIN_SAMPLES = 54_000;
export const MNIST_TEST_SAMPLES = 10_000;

/** Refuses (InputError) an engine model plus its resident data that would not fit in kernel memory. */
export function checkKernelMemory(what: string, bytes: number, fix: string): void {
  checkCost(what, { bytes, steps: 0 }, fix, {
    bytes: KERNEL_MEMORY_BYTES,
    bytesName: 'WebAssembly memory is limited to 4 GiB',
  });
}

/**
 * Refuses JSON text nested deeper than LIMITS.jsonDepth (arrays and objects) before it is parsed: the parser copes,
 * but every walk over the value afterwards (comparing, hashing, printing it in a message) would overflow the stack.
 * `what` names the input (`results.jsonl:3`, `model.json`, `the request body`). One pass, no allocation.
 */
export function checkJsonDepth(text: string, what: string, max = LIMITS.jsonDepth): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) {
        throw new InputError(
          `${what}: nests arrays and objects more than ${max} deep (RADIXNET_MAX_JSON_DEPTH); it is not data this program wrote`,
        );
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}
