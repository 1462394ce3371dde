// One weight layer of an MLP, resident in kernel memory: its sparse structure (CSR over outputs and the CSC over
// inputs that dX needs; for RadiX-Net-like masks also runs of inputs and pairs of outputs with identical rows, which
// the forward and dW kernels of assembly/spmm_runs.ts use), where its weights live in the model's parameter block,
// and the kernel tasks that run it.
import type { SparseMask } from '../topology/mask.js';
import type { Allocator } from '../kernels/memory.js';
import { splitByPrefix, splitEven, type Task } from '../kernels/pool.js';
import { csrRuns, meanRunLength, outputPairs } from '../kernels/runs.js';
import { transposeCsr } from '../kernels/csr.js';

/**
 * Mean nonzeros per run from which the forward walks runs (spmm_runs_fwd, spmm_pair_fwd) instead of CSR indices.
 * A run saves an index load per nonzero but costs a setup and a mispredicted exit, so short runs lose to CSR and
 * runs of about 10 at random places only tie; RadiX-Nets' longer, regular runs win, more with output pairs
 * (outputPairs). `node dist/bench/kernels.js` times both on runs of 2, 4, 10 and 30 (docs/performance.md, design measurements).
 * The weight gradient walks CSR indices (its index work is per 4 nonzeros, amortized over the batch) and uses the
 * pair kernel whenever outputs pair up.
 */
export const MIN_RUN_LENGTH = 8;

/** Buffers one layer reads and writes during a step; all feature-major (features, ldb) f32 except noted. */
export interface LayerIO {
  /** This layer's input activations (nIn, ldb). */
  x: number;
  /** Pre-softmax or post-ReLU output (nOut, ldb). */
  y: number;
  /** Gradient w.r.t. the output (nOut, ldb). */
  dy: number;
  /** Gradient w.r.t. the input (nIn, ldb), or 0 for the first layer (no one needs it). */
  dx: number;
  /** Whether the input came through a ReLU (so dx is masked by x > 0). */
  inputRelu: boolean;
}

/** What a sparse layer derives from its mask on the host: the CSC over inputs, runs of inputs, output pairs. */
interface Derived {
  csc: ReturnType<typeof transposeCsr>;
  runs: ReturnType<typeof csrRuns> | null;
  pairs: ReturnType<typeof outputPairs>;
}

// Masks are immutable, so what a layer derives from one is kept with it: a sweep that trains the same topology
// again (another seed, another experiment) builds its layers without deriving them again.
const derivedOf = new WeakMap<SparseMask, Derived>();

function derive(mask: SparseMask): Derived {
  let d = derivedOf.get(mask);
  if (!d) {
    const runs = csrRuns(mask.rowPtr, mask.colIdx);
    d = {
      csc: transposeCsr(mask.rowPtr, mask.colIdx, mask.nIn),
      runs: meanRunLength(runs, mask.nnz) >= MIN_RUN_LENGTH ? runs : null,
      pairs: outputPairs(mask.rowPtr, mask.colIdx),
    };
    derivedOf.set(mask, d);
  }
  return d;
}

export class Layer {
  readonly nIn: number;
  readonly nOut: number;
  readonly nnz: number;
  /** Dense layers (every connection present) use the GEMM kernels: no index loads at all. */
  readonly dense: boolean;
  readonly relu: boolean;
  /** Host copies of the structure (CSR over outputs), for scattering weights to dense kernels. */
  readonly rowPtr: Int32Array;
  readonly colIdx: Int32Array;
  // kernel-memory offsets of the structure (0 for dense layers)
  private readonly pRowPtr: number = 0;
  private readonly pColIdx: number = 0;
  private readonly pColPtr: number = 0;
  private readonly pRowIdx: number = 0;
  private readonly pWPos: number = 0;
  // run-compressed rows (0 when the forward uses CSR): see MIN_RUN_LENGTH
  private readonly pRunPtr: number = 0;
  private readonly pRuns: number = 0;
  // output pairs with identical rows (outputPairs), their count and split by work; pPairs 0 when none are used
  private readonly pPairs: number = 0;
  private readonly nPairEntries: number = 0;
  private readonly hasPairs: boolean = false;
  private readonly pairSplit: Int32Array = new Int32Array(0);
  // chunks for the pool's threads to claim, computed once: by nonzeros over outputs (fwd, dW) and over inputs (dX)
  private readonly outSplit: Int32Array;
  private readonly inSplit: Int32Array;
  /** Element offsets of this layer's weights and bias inside the model's parameter block (bias -1 when none). */
  readonly wOffset: number;
  readonly bOffset: number;

  constructor(mask: SparseMask, relu: boolean, wOffset: number, bOffset: number, mem: Allocator, chunks: number) {
    this.nIn = mask.nIn;
    this.nOut = mask.nOut;
    this.nnz = mask.nnz;
    this.relu = relu;
    this.rowPtr = mask.rowPtr;
    this.colIdx = mask.colIdx;
    this.wOffset = wOffset;
    this.bOffset = bOffset;
    this.dense = mask.nnz === mask.nIn * mask.nOut;
    if (this.dense) {
      this.outSplit = splitEven(this.nOut, chunks);
      this.inSplit = splitEven(this.nIn, chunks);
      return;
    }
    const { csc, runs, pairs } = derive(mask);
    this.pRowPtr = mem.putI32(mask.rowPtr);
    this.pColIdx = mem.putI32(mask.colIdx);
    this.pColPtr = mem.putI32(csc.colPtr);
    this.pRowIdx = mem.putI32(csc.rowIdx);
    this.pWPos = mem.putI32(csc.wPos);
    this.hasPairs = pairs.paired > 0;
    if (runs) {
      this.pRunPtr = mem.putI32(runs.runPtr);
      this.pRuns = mem.putI32(runs.runs);
    }
    if (this.pRuns || this.hasPairs) {
      this.pPairs = mem.putI32(pairs.pairs);
      this.nPairEntries = pairs.entries;
      this.pairSplit = splitByPrefix(pairs.work, pairs.entries, chunks);
    }
    this.outSplit = splitByPrefix(mask.rowPtr, this.nOut, chunks);
    this.inSplit = splitByPrefix(csc.colPtr, this.nIn, chunks);
  }

  /** y = act(W x + b) over nb batch columns. `w`, `b` are byte offsets of this layer's weights and bias (0 = none). */
  forward(w: number, b: number, io: LayerIO, nb: number, ldb: number): Task {
    const relu = this.relu ? 1 : 0;
    if (this.pRuns && !this.hasPairs) {
      // no pairs (RadiX-Net's last layer): the pair kernel would only add a call per output
      return {
        kernel: 'spmm_runs_fwd',
        n: this.nOut,
        bounds: this.outSplit,
        args: [this.pRowPtr, this.pRunPtr, this.pRuns, w, b, io.x, io.y, nb, ldb, relu],
      };
    }
    if (this.pRuns) {
      return {
        kernel: 'spmm_pair_fwd',
        n: this.nPairEntries,
        bounds: this.pairSplit,
        args: [this.pPairs, this.pRowPtr, this.pRunPtr, this.pRuns, w, b, io.x, io.y, nb, ldb, relu],
      };
    }
    return this.dense
      ? { kernel: 'gemm_fwd', n: this.nOut, bounds: this.outSplit, args: [w, this.nIn, b, io.x, io.y, nb, ldb, relu] }
      : {
          kernel: 'spmm_fwd',
          n: this.nOut,
          bounds: this.outSplit,
          args: [this.pRowPtr, this.pColIdx, w, b, io.x, io.y, nb, ldb, relu],
        };
  }

  /** dW (and db) from dy and x, on the nonzeros only. `g`, `gb` are byte offsets of the gradient slots. */
  gradWeights(g: number, gb: number, io: LayerIO, nb: number, ldb: number): Task {
    if (this.hasPairs) {
      return {
        kernel: 'spmm_pair_bwd_w',
        n: this.nPairEntries,
        bounds: this.pairSplit,
        args: [this.pPairs, this.pRowPtr, this.pColIdx, io.dy, io.x, g, gb, nb, ldb],
      };
    }
    return this.dense
      ? { kernel: 'gemm_bwd_w', n: this.nOut, bounds: this.outSplit, args: [this.nIn, io.dy, io.x, g, gb, nb, ldb] }
      : {
          kernel: 'spmm_bwd_w',
          n: this.nOut,
          bounds: this.outSplit,
          args: [this.pRowPtr, this.pColIdx, io.dy, io.x, g, gb, nb, ldb],
        };
  }

  /** dx = (W^T dy) * relu'(x). Must run before W is updated. */
  gradInput(w: number, io: LayerIO, nb: number, ldb: number): Task {
    const a = io.inputRelu ? io.x : 0;
    return this.dense
      ? {
          kernel: 'gemm_bwd_x',
          n: this.nIn,
          bounds: this.inSplit,
          args: [w, this.nIn, this.nOut, io.dy, a, io.dx, nb, ldb],
        }
      : {
          kernel: 'spmm_bwd_x',
          n: this.nIn,
          bounds: this.inSplit,
          args: [this.pColPtr, this.pRowIdx, this.pWPos, w, io.dy, a, io.dx, nb, ldb],
        };
  }

  /** Scatters this layer's weights (CSR order) into a dense [nIn, nOut] kernel (Keras layout); zeros elsewhere. */
  toDense(weights: Float32Array): Float32Array {
    const out = new Float32Array(this.nIn * this.nOut);
    for (let o = 0; o < this.nOut; o++) {
      for (let k = this.rowPtr[o]; k < this.rowPtr[o + 1]; k++) out[this.colIdx[k] * this.nOut + o] = weights[k];
    }
    return out;
  }

  /** Gathers the mask's entries of a dense [nIn, nOut] kernel into CSR order (entries off the mask are ignored). */
  fromDense(kernel: ArrayLike<number>, into: Float32Array): void {
    for (let o = 0; o < this.nOut; o++) {
      for (let k = this.rowPtr[o]; k < this.rowPtr[o + 1]; k++) into[k] = kernel[this.colIdx[k] * this.nOut + o];
    }
  }
}
