// A dataset copied into kernel memory, so that each training step gathers its batch rows straight from it with one
// multithreaded kernel (gather_in) instead of a host copy plus a transpose.
import type { KernelMemory } from '../kernels/memory.js';

export class ResidentData {
  /** Byte offset of x ([count, features] row-major f32) in kernel memory. */
  readonly ptr: number;
  private released = false;

  /** Copies x ([count, features] row-major) into `memory`. */
  constructor(private readonly memory: KernelMemory, readonly source: Float32Array, readonly features: number) {
    this.ptr = memory.putF32(source);
  }

  get count(): number {
    return this.source.length / this.features;
  }

  /** Gives the memory back (idempotent). */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.memory.free(this.ptr);
  }
}
