// What a request will cost, known from its inputs before any work starts, and the limits it is held to. Every entry
// point (CLI, library constructors, the serverless example, model loading) estimates here and refuses with the
// estimate and the limit in one line, instead of finding out gigabytes or minutes later. The limits are plain
// numbers: change them on LIMITS at run time, or through the environment variable named beside each.
import { InputError } from '../errors.js';

const MiB = 2 ** 20;
const GiB = 2 ** 30;

function fromEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text);
  if (!(value > 0)) throw new InputError(`${name} is '${text}'; give a positive number`);
  return value;
}

/** The limits every cost check uses (bytes, counts). Assign to change them for this process. */
export const LIMITS = {
  /** Host memory one request may allocate (RADIXNET_MAX_MEMORY_BYTES, default 4 GiB). */
  memoryBytes: fromEnv('RADIXNET_MAX_MEMORY_BYTES', 4 * GiB),
  /** A saved model's topology file (RADIXNET_MAX_MODEL_JSON_BYTES, default 256 MiB). */
  modelJsonBytes: fromEnv('RADIXNET_MAX_MODEL_JSON_BYTES', 256 * MiB),
  /** A saved model's weights, all files together (RADIXNET_MAX_WEIGHT_BYTES, default 2 GiB). */
  weightBytes: fromEnv('RADIXNET_MAX_WEIGHT_BYTES', 2 * GiB),
  /** Files written without --force (--dense-out; RADIXNET_MAX_OUTPUT_BYTES, default 256 MiB). */
  outputBytes: fromEnv('RADIXNET_MAX_OUTPUT_BYTES', 256 * MiB),
  /** Radix lists an enumeration may examine without --force (RADIXNET_MAX_ENUMERATION, default 2,000,000). */
  enumeration: fromEnv('RADIXNET_MAX_ENUMERATION', 2_000_000),
  /** Elementary steps (mask entries built, lists checked) one request may take (RADIXNET_MAX_WORK, default 2e9). */
  work: fromEnv('RADIXNET_MAX_WORK', 2e9),
};

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
