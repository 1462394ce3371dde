// A dataset copied into kernel memory, so that each training step gathers its batch rows straight from it with one
// multithreaded kernel (gather_in) instead of a host copy plus a transpose. With its labels resident too, a
// single-threaded step needs nothing from the host but the batch's row indices (Mlp's fused step).
import type { KernelMemory } from '../kernels/memory.js';

export class ResidentData {
  /** Byte offset of x ([count, features] row-major f32) in kernel memory. */
  readonly ptr: number;
  /** Byte offset of the labels (count i32), or 0 when only x is resident. */
  readonly labelsPtr: number;
  private released = false;
  /** Kept for the engine's life (keptResident): worth a feature-major copy for evaluation. */
  kept = false;
  /** The rows transposed, [features, ldb] feature-major and zero-padded (evaluation reads batches of columns from it
   * with no gather), made on first use by Mlp for kept data; freed with the rows. */
  featureMajor: { ptr: number; ldb: number } | null = null;

  /**
   * Copies x ([count, features] row-major) into `memory`, and `labels` (count integers, already checked) when given;
   * `labels` is kept so a step can tell that the labels it is given are these.
   */
  constructor(
    private readonly memory: KernelMemory,
    readonly source: Float32Array,
    readonly features: number,
    readonly labels?: ArrayLike<number>,
  ) {
    this.ptr = memory.putF32(source);
    try {
      this.labelsPtr = labels ? memory.putI32(labels) : 0;
    } catch (err) {
      memory.free(this.ptr);
      throw err;
    }
  }

  get count(): number {
    return this.source.length / this.features;
  }

  get isReleased(): boolean {
    return this.released;
  }

  /** Gives the memory back (idempotent). */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.memory.free(this.ptr);
    if (this.labelsPtr) this.memory.free(this.labelsPtr);
    if (this.featureMajor) this.memory.free(this.featureMajor.ptr);
    this.featureMajor = null;
  }
}

// Copies kept for the life of an engine's memory (see Mlp.keepResident), per region of a source buffer: a sweep worker
// trains many models on the same training, validation and test arrays, and each is copied and checked once, not once
// per run. Keyed by buffer, offset and length, not by array object, so a subarray made again for each run (the first N
// test samples) finds its copy instead of leaving a new one behind every run.
const kept = new WeakMap<KernelMemory, WeakMap<ArrayBufferLike, Map<string, ResidentData>>>();

/** Whether two arrays view the same elements of the same buffer (or are the same array). */
function sameView(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a === b) return true;
  if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b)) return false;
  return (
    a.buffer === b.buffer &&
    a.byteOffset === b.byteOffset &&
    a.byteLength === b.byteLength &&
    a.constructor === b.constructor
  );
}

/**
 * The copy of x (with labels y) kept in `memory`, made (after `check`) on first use; the same rows with other labels
 * or another width are a different dataset and replace it. The copy holds the values of its first use: arrays changed
 * in place later are not read again.
 */
export function keptResident(
  memory: KernelMemory,
  x: Float32Array,
  y: ArrayLike<number>,
  features: number,
  check: () => void,
): ResidentData {
  let byBuffer = kept.get(memory);
  if (!byBuffer) kept.set(memory, (byBuffer = new WeakMap()));
  let byRegion = byBuffer.get(x.buffer);
  if (!byRegion) byBuffer.set(x.buffer, (byRegion = new Map()));
  const region = `${x.byteOffset}:${x.length}`;
  const have = byRegion.get(region);
  if (have && sameView(have.labels!, y) && have.features === features && !have.isReleased) return have;
  check();
  have?.release();
  const data = new ResidentData(memory, x, features, y);
  data.kept = true;
  byRegion.set(region, data);
  return data;
}
