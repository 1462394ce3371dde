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

  /**
   * Copies x ([count, features] row-major) into `memory`, and `labels` (count integers, already checked) when given;
   * `labels` is kept so a step can tell that the labels it is given are these.
   */
  constructor(private readonly memory: KernelMemory, readonly source: Float32Array, readonly features: number, readonly labels?: ArrayLike<number>) {
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
  }
}

// Copies kept for the life of an engine's memory (see Mlp.keepResident), per source array: a sweep worker trains many
// models on the same training, validation and test arrays, and each is copied and checked once, not once per run.
const kept = new WeakMap<KernelMemory, WeakMap<Float32Array, ResidentData>>();

/**
 * The copy of x (with labels y) kept in `memory`, made (after `check`) on first use; the same x with other labels or
 * another width is a different dataset and replaces it.
 */
export function keptResident(memory: KernelMemory, x: Float32Array, y: ArrayLike<number>, features: number, check: () => void): ResidentData {
  let byArray = kept.get(memory);
  if (!byArray) kept.set(memory, (byArray = new WeakMap()));
  const have = byArray.get(x);
  if (have && have.labels === y && have.features === features && !have.isReleased) return have;
  check();
  have?.release();
  const data = new ResidentData(memory, x, features, y);
  byArray.set(x, data);
  return data;
}
