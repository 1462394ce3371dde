// Host-side allocation in the one shared WebAssembly.Memory that every kernel instance (main thread and workers) uses.
// Kernels never allocate: the host hands them byte offsets. A first-fit free list with coalescing: memory given back
// in any order is reused by later allocations (of any model), and a free block at the top lowers the top, so a
// workload of create, train, dispose runs in bounded memory whatever order its models are disposed in. An Arena
// remembers what one owner allocated so that the owner frees it all at once.
import { InputError } from '../errors.js';

const PAGE = 65536;
/** 4 GiB: the wasm32 limit. */
export const MAX_PAGES = 65536;
const MAX_BYTES = MAX_PAGES * PAGE;
/** The AssemblyScript module keeps no static data, but leave the first page unused so that 0 means "no buffer". */
const BASE = PAGE;
/** Every block starts and ends on a cache line. */
const GRAIN = 64;

const roundUp = (n: number, to: number): number => Math.ceil(n / to) * to;

/** What allocating code needs: KernelMemory itself, or an Arena that frees its owner's blocks together. */
export interface Allocator {
  alloc(bytes: number, align?: number, zero?: boolean): number;
  allocF32(n: number): number;
  allocI32(n: number): number;
  putF32(data: ArrayLike<number>): number;
  putI32(data: ArrayLike<number>): number;
}

interface Block {
  ptr: number;
  size: number;
}

export class KernelMemory implements Allocator {
  readonly memory: WebAssembly.Memory;
  private top = BASE;
  /** Free blocks below top, sorted by offset, never adjacent (adjacent ones are merged). */
  private readonly freeList: Block[] = [];
  /** Live blocks: offset -> size in bytes (a multiple of GRAIN). */
  private readonly live = new Map<number, number>();

  /** @param initialBytes memory to reserve up front (grown on demand later, before workers run a kernel). */
  constructor(initialBytes = 16 * PAGE) {
    const pages = Math.max(17, Math.ceil(initialBytes / PAGE));
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared: true });
  }

  /** End of the highest live block (bytes from 0): what the heap spans now. */
  get used(): number {
    return this.top;
  }

  /** Bytes in live blocks. */
  get allocated(): number {
    let sum = 0;
    for (const size of this.live.values()) sum += size;
    return sum;
  }

  /** Bytes in free blocks below the top (reusable without growing). */
  get freeBytes(): number {
    return this.freeList.reduce((s, b) => s + b.size, 0);
  }

  /** Number of live blocks. */
  get blocks(): number {
    return this.live.size;
  }

  /**
   * Allocates `bytes` (rounded up to a cache line) at an offset aligned to `align` (a power of two, default 64),
   * zero-filled unless `zero` is false. Reuses the first free block that fits, else grows the top.
   */
  alloc(bytes: number, align = GRAIN, zero = true): number {
    if (!Number.isInteger(bytes) || bytes < 0)
      throw new Error(`alloc: bytes must be a non-negative integer, got ${bytes}`);
    if (!Number.isInteger(align) || align < 1 || (align & (align - 1)) !== 0)
      throw new Error(`alloc: align must be a power of two, got ${align}`);
    // a zero-byte allocation still gets its own block, so every offset handed out is distinct and can be freed
    const size = roundUp(Math.max(bytes, 1), GRAIN);
    const step = Math.max(align, GRAIN);
    let ptr = -1;
    for (let k = 0; k < this.freeList.length; k++) {
      const b = this.freeList[k];
      const start = roundUp(b.ptr, step);
      if (start + size > b.ptr + b.size) continue;
      const tail = { ptr: start + size, size: b.ptr + b.size - start - size };
      const head = { ptr: b.ptr, size: start - b.ptr };
      this.freeList.splice(k, 1, ...[head, tail].filter((x) => x.size > 0));
      ptr = start;
      break;
    }
    if (ptr < 0) {
      const start = roundUp(this.top, step);
      this.ensure(start + size);
      if (start > this.top) this.insertFree({ ptr: this.top, size: start - this.top });
      this.top = start + size;
      ptr = start;
    }
    this.live.set(ptr, size);
    if (zero) new Uint8Array(this.memory.buffer, ptr, size).fill(0);
    return ptr;
  }

  /** Gives a block back; its neighbours merge with it, and a free block ending at the top lowers the top. */
  free(ptr: number): void {
    const size = this.live.get(ptr);
    if (size === undefined) throw new Error(`free: offset ${ptr} is not a live allocation (freed twice?)`);
    this.live.delete(ptr);
    this.insertFree({ ptr, size });
    const last = this.freeList[this.freeList.length - 1];
    if (last && last.ptr + last.size === this.top) {
      this.top = last.ptr;
      this.freeList.pop();
    }
  }

  /**
   * Whether blocks of these sizes (bytes) could all be allocated now, first fit, without passing the 4 GiB limit:
   * a dry run, so pre-checks count exactly what holes and the top can still hold (for the default cache-line
   * alignment, which is what models and datasets use).
   */
  fits(sizes: readonly number[]): boolean {
    const holes = this.freeList.map((b) => ({ ...b }));
    let top = this.top;
    for (const bytes of sizes) {
      const size = roundUp(Math.max(bytes, 1), GRAIN);
      const hole = holes.find((b) => b.size >= size);
      if (hole) {
        hole.ptr += size;
        hole.size -= size;
      } else {
        top += size;
        if (top > MAX_BYTES) return false;
      }
    }
    return true;
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
    const ptr = this.alloc(data.length * 4, GRAIN, false);
    this.f32(ptr, data.length).set(data);
    return ptr;
  }

  putI32(data: ArrayLike<number>): number {
    const ptr = this.alloc(data.length * 4, GRAIN, false);
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

  /** The current top, for `release`: a scratch region for tests and benchmarks that allocate and drop in a stack. */
  mark(): number {
    return this.top;
  }

  /** Frees every live block at or above `mark` (blocks allocated after it that landed in holes below stay live). */
  release(mark: number): void {
    if (mark < BASE || mark > this.top) throw new Error(`release: bad mark ${mark}`);
    for (const ptr of [...this.live.keys()].filter((p) => p >= mark)) this.free(ptr);
  }

  private insertFree(block: Block): void {
    const list = this.freeList;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].ptr < block.ptr) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, block);
    // merge with the next, then with the previous
    if (lo + 1 < list.length && block.ptr + block.size === list[lo + 1].ptr) {
      block.size += list[lo + 1].size;
      list.splice(lo + 1, 1);
    }
    if (lo > 0 && list[lo - 1].ptr + list[lo - 1].size === block.ptr) {
      list[lo - 1].size += block.size;
      list.splice(lo, 1);
    }
  }

  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE);
    const total = have / PAGE + pages;
    if (total > MAX_PAGES) {
      throw new InputError(
        `out of kernel memory: needs ${(end / 2 ** 20).toFixed(0)} MiB but WebAssembly memory is limited to 4096 MiB; use smaller layers, batch or dataset, or dispose models no longer used`,
      );
    }
    // grow by at least 50% to keep the number of grows (and stale views) small
    this.memory.grow(Math.min(MAX_PAGES - have / PAGE, Math.max(pages, Math.ceil(have / PAGE / 2))));
  }
}

/** The blocks one owner (a model, a dataset) allocated, freed together with freeAll. */
export class Arena implements Allocator {
  private readonly ptrs = new Set<number>();

  constructor(readonly memory: KernelMemory) {}

  alloc(bytes: number, align?: number, zero?: boolean): number {
    return this.own(this.memory.alloc(bytes, align, zero));
  }

  allocF32(n: number): number {
    return this.own(this.memory.allocF32(n));
  }

  allocI32(n: number): number {
    return this.own(this.memory.allocI32(n));
  }

  putF32(data: ArrayLike<number>): number {
    return this.own(this.memory.putF32(data));
  }

  putI32(data: ArrayLike<number>): number {
    return this.own(this.memory.putI32(data));
  }

  /** Frees one block of this arena (0, "no buffer", is ignored). */
  free(ptr: number): void {
    if (ptr === 0) return;
    if (!this.ptrs.delete(ptr)) throw new Error(`Arena.free: offset ${ptr} does not belong to this arena`);
    this.memory.free(ptr);
  }

  /** Frees every block of this arena. */
  freeAll(): void {
    for (const ptr of this.ptrs) this.memory.free(ptr);
    this.ptrs.clear();
  }

  private own(ptr: number): number {
    this.ptrs.add(ptr);
    return ptr;
  }
}
