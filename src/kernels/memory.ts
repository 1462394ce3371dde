// Host-side allocation in the one shared WebAssembly.Memory that every kernel instance (main thread and workers) uses.
// Kernels never allocate: the host hands them byte offsets. Allocation is a bump pointer with marks, because models
// allocate once and keep their buffers for their whole life.
import { InputError } from '../errors.js';

const PAGE = 65536;
/** 4 GiB: the wasm32 limit. */
export const MAX_PAGES = 65536;
/** The AssemblyScript module keeps no static data, but leave the first page unused so that 0 means "no buffer". */
const BASE = PAGE;

export class KernelMemory {
  readonly memory: WebAssembly.Memory;
  private top = BASE;

  /** @param initialBytes memory to reserve up front (grown on demand later, before workers run a kernel). */
  constructor(initialBytes = 16 * PAGE) {
    const pages = Math.max(17, Math.ceil(initialBytes / PAGE));
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared: true });
  }

  /** Bytes in use (the bump pointer). */
  get used(): number {
    return this.top;
  }

  /** Allocates `bytes` (rounded up to `align`, default 64 = a cache line) and returns the byte offset, zero-filled unless `zero` is false. */
  alloc(bytes: number, align = 64, zero = true): number {
    if (!Number.isInteger(bytes) || bytes < 0) throw new Error(`alloc: bytes must be a non-negative integer, got ${bytes}`);
    const ptr = Math.ceil(this.top / align) * align;
    const end = ptr + Math.max(bytes, 0);
    this.ensure(end);
    this.top = end;
    if (zero) new Uint8Array(this.memory.buffer, ptr, bytes).fill(0);
    return ptr;
  }

  /** Allocates and zero-fills `n` float32 values. */
  allocF32(n: number): number {
    return this.alloc(n * 4);
  }

  /** Allocates and zero-fills `n` int32 values. */
  allocI32(n: number): number {
    return this.alloc(n * 4);
  }

  /** Copies `data` into a new allocation and returns its offset. */
  putF32(data: ArrayLike<number>): number {
    const ptr = this.alloc(data.length * 4, 64, false);
    this.f32(ptr, data.length).set(data);
    return ptr;
  }

  putI32(data: ArrayLike<number>): number {
    const ptr = this.alloc(data.length * 4, 64, false);
    this.i32(ptr, data.length).set(data);
    return ptr;
  }

  /** A fresh view (views made before a grow do not cover the new pages, so never cache them across allocations). */
  f32(ptr: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, n);
  }

  i32(ptr: number, n: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, n);
  }

  /** Current bump position, to release everything allocated after it with `release`. */
  mark(): number {
    return this.top;
  }

  /** Releases every allocation made after `mark` (their offsets must not be used again). */
  release(mark: number): void {
    if (mark < BASE || mark > this.top) throw new Error(`release: bad mark ${mark}`);
    this.top = mark;
  }

  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE);
    const total = have / PAGE + pages;
    if (total > MAX_PAGES) {
      throw new InputError(
        `out of kernel memory: needs ${(end / 2 ** 20).toFixed(0)} MiB but WebAssembly memory is limited to 4096 MiB; use smaller layers, batch or dataset`,
      );
    }
    // grow by at least 50% to keep the number of grows (and stale views) small
    this.memory.grow(Math.min(MAX_PAGES - have / PAGE, Math.max(pages, Math.ceil(have / PAGE / 2))));
  }
}
