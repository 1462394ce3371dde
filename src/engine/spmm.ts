// One masked matmul y = x (W * M) and its two gradients on our kernels, for callers whose data is batch-major
// host arrays (tfjs tensors, plain Float32Arrays) rather than a whole model resident in kernel memory.
//
//   forward      x [batch, nIn]  -> y  [batch, nOut]     transpose_in, the layer's forward kernel, transpose_out
//   gradInput    dy [batch, nOut] -> dx [batch, nIn]     transpose_in, spmm_bwd_x (gemm_bwd_x when dense), transpose_out
//   gradWeights  x, dy            -> dW (nnz, CSR order) or dense [nIn, nOut] with zeros off the mask
//
// Which kernels run is the engine Layer's choice (src/engine/layer.ts), the same as in a resident model: spmm_fwd
// and spmm_bwd_w over CSR, spmm_runs_fwd / spmm_pair_fwd / spmm_pair_bwd_w when the mask has runs of inputs or
// outputs with identical rows (RadiX-Nets do), gemm_* for a full mask.
//
// The kernels want feature-major activations, so every call copies its batch-major input into kernel memory and
// transposes it there with the SIMD kernel, and copies the result back. Buffers live as long as the Spmm (one set per
// mask and batch capacity). Inputs and weights can carry a `key` (any object, e.g. a tfjs dataId): a key seen last
// time means "same data", so the copy, transpose or weight gather is skipped — that is what keeps the weight gather
// and x's transpose off a training step's backward pass.
import { InputError } from '../errors.js';
import type { Engine } from './engine.js';
import { Layer, type LayerIO } from './layer.js';
import { SparseMask } from '../topology/mask.js';
import { formatBytes, KERNEL_MEMORY_BYTES } from '../topology/cost.js';

/** Where the weights come from: CSR-ordered nonzeros (length nnz), or a dense [nIn, nOut] kernel to gather from. */
export type SpmmWeights = Float32Array | { dense: ArrayLike<number>; key?: object };

/** Time (ms) spent copying between host arrays and kernel memory vs in kernels, summed over calls while profiling. */
export interface SpmmProfile {
  copyIn: number;
  copyOut: number;
  kernels: number;
  calls: number;
}

// plain arithmetic, not `(n + 3) & ~3`: the bit operation wraps to a negative number from n = 2^31 - 3 on
const ceil4 = (n: number): number => Math.ceil(n / 4) * 4;

export class Spmm {
  readonly nIn: number;
  readonly nOut: number;
  readonly nnz: number;
  readonly mask: SparseMask;
  /** When set, each call adds its copy and kernel times here. */
  profile: SpmmProfile | null = null;
  private readonly engine: Engine;
  private readonly layer: Layer;
  private readonly w: number;
  private readonly g: number;
  private capacity = 0;
  private ldb = 0;
  // feature-major (features, ldb) buffers
  private x = 0;
  private y = 0;
  private dy = 0;
  private dx = 0;
  // batch-major (capacity, max(nIn, nOut)) staging for copies in and out
  private stage = 0;
  // what x, dy and w hold now (null: unknown), so repeated inputs skip their copy
  private xKey: object | null = null;
  private xBatch = 0;
  private dyKey: object | null = null;
  private dyBatch = 0;
  private wKey: object | null = null;

  /** Allocates the mask's structure and weight buffers in `engine`'s memory; batch buffers grow on first use. */
  constructor(engine: Engine, mask: SparseMask, batchCapacity = 0) {
    this.engine = engine;
    this.mask = mask;
    this.nIn = mask.nIn;
    this.nOut = mask.nOut;
    this.nnz = mask.nnz;
    const mem = engine.memory;
    // no activation and no bias here: tfjs (or the caller) applies them, so the op stays a plain masked matmul
    // a checked copy: the caller's mask may have been changed since it was made (kernels trust the structure)
    this.layer = new Layer(SparseMask.copyOf(mask, 'the mask'), false, 0, -1, mem, engine.pool.chunks);
    this.w = mem.allocF32(Math.max(1, this.nnz));
    this.g = mem.allocF32(Math.max(1, this.nnz));
    if (batchCapacity > 0) this.ensureCapacity(batchCapacity);
  }

  /** Batch size the buffers hold now. */
  get batchCapacity(): number {
    return this.capacity;
  }

  /** Grows the batch buffers to hold `batch` samples (geometrically, so a growing batch reallocates rarely). */
  ensureCapacity(batch: number): void {
    if (batch <= this.capacity) return;
    const mem = this.engine.memory;
    const cap = Math.max(batch, Math.min(2 * this.capacity, batch + 1024));
    const ldb = ceil4(cap);
    const bytes = 4 * ldb * (2 * this.nIn + 2 * this.nOut + Math.max(this.nIn, this.nOut));
    if (!(bytes <= KERNEL_MEMORY_BYTES)) {
      throw new InputError(
        `a batch of ${batch} rows of a [${this.nIn}, ${this.nOut}] layer needs about ${formatBytes(bytes)} of kernel memory, ` +
          `over the ${formatBytes(KERNEL_MEMORY_BYTES)} WebAssembly allows; pass fewer rows at a time`,
      );
    }
    // the old buffers are scratch: freed first, so the larger ones can reuse their space
    for (const ptr of [this.x, this.y, this.dy, this.dx, this.stage]) if (ptr !== 0) mem.free(ptr);
    this.x = mem.allocF32(this.nIn * ldb);
    this.y = mem.allocF32(this.nOut * ldb);
    this.dy = mem.allocF32(this.nOut * ldb);
    this.dx = mem.allocF32(this.nIn * ldb);
    this.stage = mem.allocF32(ldb * Math.max(this.nIn, this.nOut));
    this.capacity = cap;
    this.ldb = ldb;
    this.xKey = this.dyKey = null;
  }

  /** y [batch, nOut] = x [batch, nIn] · (W * M), batch-major. `out` (length batch * nOut) receives y when given. */
  forward(x: Float32Array, weights: SpmmWeights, opts: { out?: Float32Array; xKey?: object } = {}): Float32Array {
    const batch = this.batchOf(x, this.nIn, 'x');
    if (batch === 0) return checkOut(opts.out, 0, 'output');
    this.loadWeights(weights);
    this.loadInput(x, batch, opts.xKey);
    const nb = ceil4(batch);
    this.timed('kernels', () => this.engine.pool.run(this.layer.forward(this.w, 0, this.io(), nb, this.ldb)));
    return this.readOut(this.y, this.nOut, batch, opts.out);
  }

  /** dx [batch, nIn] = dy [batch, nOut] · (W * M)^T, batch-major. */
  gradInput(dy: Float32Array, weights: SpmmWeights, opts: { out?: Float32Array; dyKey?: object } = {}): Float32Array {
    const batch = this.batchOf(dy, this.nOut, 'dy');
    if (batch === 0) return checkOut(opts.out, 0, 'output');
    this.loadWeights(weights);
    this.loadGradOutput(dy, batch, opts.dyKey);
    const nb = ceil4(batch);
    this.timed('kernels', () => this.engine.pool.run(this.layer.gradInput(this.w, this.io(), nb, this.ldb)));
    return this.readOut(this.dx, this.nIn, batch, opts.out);
  }

  /**
   * dW = x^T dy on the mask's nonzeros only: x [batch, nIn], dy [batch, nOut]. Returns the nnz values in CSR order,
   * or with `dense: true` a [nIn, nOut] kernel (Keras layout) with exact zeros off the mask.
   */
  gradWeights(
    x: Float32Array,
    dy: Float32Array,
    opts: { dense?: boolean; out?: Float32Array; xKey?: object; dyKey?: object } = {},
  ): Float32Array {
    const batch = this.batchOf(x, this.nIn, 'x');
    const batchDy = this.batchOf(dy, this.nOut, 'dy');
    if (batch !== batchDy)
      throw new InputError(`gradWeights: x has ${batch} samples but dy has ${batchDy}; they must match`);
    if (batch === 0) this.engine.memory.f32(this.g, this.nnz).fill(0);
    else {
      this.loadInput(x, batch, opts.xKey);
      this.loadGradOutput(dy, batch, opts.dyKey);
      const nb = ceil4(batch);
      this.timed('kernels', () => this.engine.pool.run(this.layer.gradWeights(this.g, 0, this.io(), nb, this.ldb)));
    }
    const t0 = this.profile ? performance.now() : 0;
    const g = this.engine.memory.f32(this.g, this.nnz);
    let result: Float32Array;
    if (opts.dense) {
      const size = this.nIn * this.nOut;
      result = checkOut(opts.out, size, 'gradWeights');
      if (opts.out) result.fill(0);
      const { rowPtr, colIdx } = this.mask;
      const nOut = this.nOut;
      for (let o = 0; o < nOut; o++) {
        for (let k = rowPtr[o]; k < rowPtr[o + 1]; k++) result[colIdx[k] * nOut + o] = g[k];
      }
    } else {
      result = checkOut(opts.out, this.nnz, 'gradWeights');
      result.set(g);
    }
    if (this.profile) this.profile.copyOut += performance.now() - t0;
    return result;
  }

  /** Forgets which inputs and weights are loaded (call after changing data in place under the same key). */
  invalidate(): void {
    this.xKey = this.dyKey = this.wKey = null;
  }

  // --- copies in and out ------------------------------------------------------------------------------------

  private io(): LayerIO {
    return { x: this.x, y: this.y, dy: this.dy, dx: this.dx, inputRelu: false };
  }

  private batchOf(a: Float32Array, width: number, name: string): number {
    if (!(a instanceof Float32Array))
      throw new InputError(
        `${name} must be a Float32Array, got ${a === null ? 'null' : ((a as object)?.constructor?.name ?? typeof a)}`,
      );
    if (a.length % width !== 0) {
      throw new InputError(
        `${name} has ${a.length} values, not a multiple of its ${width} features per sample (mask ${this.nIn} x ${this.nOut})`,
      );
    }
    const batch = a.length / width;
    if (batch > 0) this.ensureCapacity(batch);
    return batch;
  }

  private loadWeights(weights: SpmmWeights): void {
    const t0 = this.profile ? performance.now() : 0;
    const w = this.engine.memory.f32(this.w, this.nnz);
    if (weights instanceof Float32Array) {
      if (weights.length !== this.nnz)
        throw new InputError(`weights have ${weights.length} values but the mask has ${this.nnz} nonzeros (CSR order)`);
      w.set(weights);
      this.wKey = null;
    } else {
      if (weights.key !== undefined && weights.key === this.wKey) return;
      if (weights.dense.length !== this.nIn * this.nOut) {
        throw new InputError(
          `dense kernel has ${weights.dense.length} values but the mask is ${this.nIn} x ${this.nOut} = ${this.nIn * this.nOut}`,
        );
      }
      this.layer.fromDense(weights.dense, w);
      this.wKey = weights.key ?? null;
    }
    if (this.profile) this.profile.copyIn += performance.now() - t0;
  }

  private loadInput(x: Float32Array, batch: number, key: object | undefined): void {
    if (key !== undefined && key === this.xKey && batch === this.xBatch) return;
    this.transposeIn(x, batch, this.nIn, this.x);
    this.xKey = key ?? null;
    this.xBatch = batch;
  }

  private loadGradOutput(dy: Float32Array, batch: number, key: object | undefined): void {
    if (key !== undefined && key === this.dyKey && batch === this.dyBatch) return;
    this.transposeIn(dy, batch, this.nOut, this.dy);
    this.dyKey = key ?? null;
    this.dyBatch = batch;
  }

  /** Copies batch-major `src` [batch, width] into the stage and transposes it into feature-major `dst`. */
  private transposeIn(src: Float32Array, batch: number, width: number, dst: number): void {
    const t0 = this.profile ? performance.now() : 0;
    this.engine.memory.f32(this.stage, batch * width).set(src);
    const t1 = this.profile ? performance.now() : 0;
    this.engine.pool.run({ kernel: 'transpose_in', n: width, args: [this.stage, batch, width, dst, this.ldb] });
    if (this.profile) {
      this.profile.copyIn += t1 - t0;
      this.profile.kernels += performance.now() - t1;
    }
  }

  /** Transposes feature-major `src` (width, ldb) to batch-major and copies it out. */
  private readOut(src: number, width: number, batch: number, out: Float32Array | undefined): Float32Array {
    const t0 = this.profile ? performance.now() : 0;
    this.engine.pool.run({ kernel: 'transpose_out', n: batch, args: [src, width, this.ldb, this.stage] });
    const t1 = this.profile ? performance.now() : 0;
    const result = checkOut(out, batch * width, 'output');
    result.set(this.engine.memory.f32(this.stage, batch * width));
    if (this.profile) {
      this.profile.kernels += t1 - t0;
      this.profile.copyOut += performance.now() - t1;
      this.profile.calls++;
    }
    return result;
  }

  private timed(what: 'kernels', fn: () => void): void {
    if (!this.profile) return fn();
    const t0 = performance.now();
    fn();
    this.profile[what] += performance.now() - t0;
  }
}

function checkOut(out: Float32Array | undefined, n: number, what: string): Float32Array {
  if (!out) return new Float32Array(n);
  if (out.length !== n) throw new InputError(`${what}: out has ${out.length} values, expected ${n}`);
  return out;
}
