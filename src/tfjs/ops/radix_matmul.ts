// RadixMatMul: y [batch, out] = x [batch, in] · (kernel [in, out] * mask), as a tfjs kernel running our wasm SIMD
// kernels (src/engine/spmm.ts -> src/engine/layer.ts -> assembly/spmm.ts, spmm_runs.ts, gemm.ts), with its gradient.
//
//   RadixMatMul             {x, kernel}  -> y        cpu, wasm: the mask's forward kernel
//   RadixMatMulGradInput    {dy, kernel} -> dx       cpu, wasm: spmm_bwd_x (gemm_bwd_x for a full mask)
//   RadixMatMulGradWeights  {x, dy}      -> dkernel  cpu, wasm: the mask's weight-gradient kernel, scattered to
//                                                    [in, out], 0 off the mask
// The engine's Layer picks the kernels per mask: spmm_fwd / spmm_bwd_w over CSR, the run and pair kernels
// (spmm_runs_fwd, spmm_pair_fwd, spmm_pair_bwd_w) for RadiX-Net-like masks, gemm_* for a full mask.
//
// attrs: {mask: id} names a mask registered with `maskId` (tfjs attributes are plain values, not objects).
// Only the mask's nonzeros of `kernel` are read, so entries off the mask act as zeros whatever they hold, exactly
// like tf.matMul(x, kernel * mask); and dkernel is exactly 0 off the mask, so no optimizer ever moves them.
//
// Other backends (tensorflow from tfjs-node, webgl, ...) have no such kernel: there the op is tfjs' own
// tf.matMul(x, kernel * mask), so a model runs everywhere and comparisons run the same math.
//
// Data crosses between tfjs' memory and ours at the edges: the cpu backend keeps tensors in JS typed arrays and the
// wasm backend in its own (non-shared) heap, while our kernels run on one shared WebAssembly.Memory. The copies are
// keyed by tfjs dataId, so weights are gathered once per weight update and x is transposed once per forward/backward.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { InputError } from '../../errors.js';
import { Engine } from '../../engine/engine.js';
import { Spmm, type SpmmProfile } from '../../engine/spmm.js';
import type { SparseMask } from '../../topology/mask.js';
import { Mask } from '../mask.js';
import '../backends.js';
import { checkOneTfjsCopy, tfjsCopiesProblem } from '../peer.js';

/** Kernel name of y [batch, out] = x [batch, in] · (kernel [in, out] * mask); inputs {x, kernel}, attrs {mask}. */
export const RADIX_MATMUL = 'RadixMatMul';
/** Kernel name of dx [batch, in] = dy [batch, out] · (kernel * mask)^T; inputs {dy, kernel}, attrs {mask}. */
export const RADIX_MATMUL_GRAD_INPUT = 'RadixMatMulGradInput';
/** Kernel name of dkernel [in, out] = (x^T dy) * mask, exact zeros off the mask; inputs {x, dy}, attrs {mask}. */
export const RADIX_MATMUL_GRAD_WEIGHTS = 'RadixMatMulGradWeights';

/** Backends on which RadixMatMul runs our kernels; elsewhere it is tf.matMul of the masked kernel. */
export const RADIX_BACKENDS = ['cpu', 'wasm'] as const;

/**
 * How radixMatMul computes: `auto` our kernels on cpu/wasm and tfjs' masked matMul elsewhere; `radix` our kernels or
 * an InputError; `masked` always tf.matMul(x, kernel * mask) (the paper's way, for comparisons).
 */
export type Implementation = 'auto' | 'radix' | 'masked';

// --- the masks and the engine our kernels run on -----------------------------------------------------------------

interface Entry {
  sparse: SparseMask;
  spmm: Spmm | null;
}

const entries: Entry[] = [];
const byHash = new Map<string, number[]>();
let engine: Engine | null = null;
let profiling: SpmmProfile | null = null;

/** The id under which the op knows `mask`; equal masks share one id (and one set of kernel buffers). */
export function maskId(mask: SparseMask | Mask): number {
  const sparse = mask instanceof Mask ? mask.sparse : mask;
  const hash = sparse.hash();
  const ids = byHash.get(hash) ?? [];
  for (const id of ids) if (entries[id].sparse.equals(sparse)) return id;
  entries.push({ sparse, spmm: null });
  ids.push(entries.length - 1);
  byHash.set(hash, ids);
  return entries.length - 1;
}

function entryOf(attrs: tf.NamedAttrMap | undefined): Entry {
  const id = attrs?.mask;
  if (typeof id !== 'number' || !entries[id])
    throw new Error(`${RADIX_MATMUL}: attrs.mask must be an id from maskId(), got ${String(id)}`);
  return entries[id];
}

function spmmOf(entry: Entry): Spmm {
  // tfjs kernels are synchronous, so the default engine is the single-threaded one made synchronously
  engine ??= Engine.createSync();
  entry.spmm ??= new Spmm(engine, entry.sparse);
  entry.spmm.profile = profiling;
  return entry.spmm;
}

/**
 * Runs the op's kernels on `threads` threads from now on (default: 1, made synchronously on first use). Workers
 * spin while tfjs runs other ops, so this pays off for large layers and batches only.
 */
export async function setRadixThreads(threads: number): Promise<void> {
  const next = await Engine.create({ threads });
  engine?.close();
  engine = next;
  for (const e of entries) e.spmm = null;
}

/** Starts (or, with null, stops) adding the op's copy and kernel times into one profile; returns it. */
export function profileRadixOps(on: boolean): SpmmProfile | null {
  profiling = on ? { copyIn: 0, copyOut: 0, kernels: 0, calls: 0 } : null;
  for (const e of entries) if (e.spmm) e.spmm.profile = profiling;
  return profiling;
}

// --- kernels: the same three functions over two ways of reaching tfjs' data ----------------------------------------

/** Reading inputs and writing one output in a backend's memory. */
interface Io {
  /** A float32 view or array of the tensor's values (valid until the next allocation on the backend). */
  read(t: tf.TensorInfo): Float32Array;
  /** Makes a float32 output of `shape` and fills it through `fill` (which receives where to write, or must return it). */
  write(shape: number[], fill: (out: Float32Array | undefined) => Float32Array): tf.TensorInfo;
}

function cpuIo(backend: tf.KernelBackend): Io {
  const b = backend as tf.KernelBackend & {
    makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
  };
  return {
    // the cpu backend's readSync hands back its own array: no copy
    read: (t) => b.readSync(t.dataId) as Float32Array,
    write: (shape, fill) => b.makeTensorInfo(shape, 'float32', fill(undefined)),
  };
}

function wasmIo(backend: tf.KernelBackend): Io {
  const b = backend as unknown as BackendWasm;
  return {
    // views into the wasm heap (readSync would copy); taken after makeOutput, which may grow and detach the heap
    read: (t) => b.typedArrayFromHeap(t) as Float32Array,
    write: (shape, fill) => {
      const out = b.makeOutput(shape, 'float32');
      fill(b.typedArrayFromHeap(out) as Float32Array);
      return out;
    },
  };
}

function checkFloat32(t: tf.TensorInfo, what: string): void {
  if (t.dtype !== 'float32')
    throw new InputError(
      `${RADIX_MATMUL}: ${what} has dtype ${t.dtype}; it must be float32 (cast with tf.cast(${what}, 'float32'))`,
    );
}

function forwardKernel(io: (b: tf.KernelBackend) => Io): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, kernel } = inputs as { x: tf.TensorInfo; kernel: tf.TensorInfo };
    const entry = entryOf(attrs);
    const spmm = spmmOf(entry);
    const batch = x.shape[0];
    const a = io(backend as tf.KernelBackend);
    return a.write([batch, spmm.nOut], (out) =>
      spmm.forward(a.read(x), { dense: a.read(kernel), key: kernel.dataId }, { out, xKey: x.dataId }),
    );
  };
}

function gradInputKernel(io: (b: tf.KernelBackend) => Io): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, kernel } = inputs as { dy: tf.TensorInfo; kernel: tf.TensorInfo };
    const spmm = spmmOf(entryOf(attrs));
    const a = io(backend as tf.KernelBackend);
    return a.write([dy.shape[0], spmm.nIn], (out) =>
      spmm.gradInput(a.read(dy), { dense: a.read(kernel), key: kernel.dataId }, { out, dyKey: dy.dataId }),
    );
  };
}

function gradWeightsKernel(io: (b: tf.KernelBackend) => Io): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const spmm = spmmOf(entryOf(attrs));
    const a = io(backend as tf.KernelBackend);
    return a.write([spmm.nIn, spmm.nOut], (out) =>
      spmm.gradWeights(a.read(x), a.read(dy), { dense: true, out, xKey: x.dataId, dyKey: dy.dataId }),
    );
  };
}

const IO: Record<(typeof RADIX_BACKENDS)[number], (b: tf.KernelBackend) => Io> = { cpu: cpuIo, wasm: wasmIo };
/** Our forward kernel per backend: what the registry must hold for the op to run our code. */
const ourForward = new Map<string, tf.KernelFunc>();

for (const backendName of RADIX_BACKENDS) {
  const io = IO[backendName];
  const kernels: [string, tf.KernelFunc][] = [
    [RADIX_MATMUL, forwardKernel(io)],
    [RADIX_MATMUL_GRAD_INPUT, gradInputKernel(io)],
    [RADIX_MATMUL_GRAD_WEIGHTS, gradWeightsKernel(io)],
  ];
  for (const [kernelName, kernelFunc] of kernels) {
    // a second copy of this module (two builds in one process) must not re-register: tfjs warns on duplicates
    if (!tf.getKernel(kernelName, backendName)) tf.registerKernel({ kernelName, backendName, kernelFunc });
  }
  // a second radixnet copy finds the first one's kernels, which know only the first one's mask ids: there the op is
  // not active and computes tf.matMul of the masked kernel instead
  ourForward.set(backendName, kernels[0][1]);
}

/**
 * Whether RadixMatMul runs our kernels now: the active backend is cpu or wasm, its registered kernel is this
 * module's, and only one copy of tfjs-core is loaded (with two, tensors of the other copy never reach our op).
 */
export function radixKernelsActive(): boolean {
  const backend = tf.getBackend();
  const registered = tf.getKernel(RADIX_MATMUL, backend)?.kernelFunc;
  return registered !== undefined && registered === ourForward.get(backend) && tfjsCopiesProblem() === null;
}

if (!tf.getGradient(RADIX_MATMUL)) {
  tf.registerGradient({
    kernelName: RADIX_MATMUL,
    inputsToSave: ['x', 'kernel'],
    gradFunc: (dy, saved, attrs) => {
      const [x, kernel] = saved;
      const g = dy as tf.Tensor2D;
      if (!radixKernelsActive()) {
        // the backend changed between forward and backward: fall back to tfjs' ops on the masked kernel
        const masked = () => tf.mul(kernel, maskTensor(attrs));
        return {
          x: () => tf.matMul(g, masked(), false, true),
          kernel: () => tf.mul(tf.matMul(x, g, true, false), maskTensor(attrs)),
        };
      }
      return {
        x: () => tf.engine().runKernel(RADIX_MATMUL_GRAD_INPUT, { dy: g, kernel }, attrs) as tf.Tensor,
        kernel: () => tf.engine().runKernel(RADIX_MATMUL_GRAD_WEIGHTS, { x, dy: g }, attrs) as tf.Tensor,
      };
    },
  });
}

const maskTensors = new Map<number, Mask>();

function maskTensor(attrs: tf.NamedAttrMap | undefined): tf.Tensor2D {
  const id = attrs?.mask as number;
  let m = maskTensors.get(id);
  if (!m) maskTensors.set(id, (m = Mask.fromSparse(entryOf(attrs).sparse)));
  return m.toTensor();
}

// --- the op ------------------------------------------------------------------------------------------------------

/**
 * y [batch, out] = x [batch, in] · (kernel [in, out] * mask). Differentiable in x and kernel; d kernel is exactly 0
 * off the mask. x and kernel must be float32. See `Implementation` for where it runs our kernels.
 */
export function radixMatMul(
  x: tf.Tensor2D,
  kernel: tf.Tensor2D,
  mask: Mask,
  implementation: Implementation = 'auto',
): tf.Tensor2D {
  checkOneTfjsCopy();
  if (!(x instanceof tf.Tensor) || !(kernel instanceof tf.Tensor))
    throw new InputError(`radixMatMul: x and kernel must be tf.Tensors`);
  if (x.rank !== 2)
    throw new InputError(`radixMatMul: x must be 2-D [batch, ${mask.nIn}], got shape [${x.shape.join(', ')}]`);
  if (kernel.rank !== 2 || kernel.shape[0] !== mask.nIn || kernel.shape[1] !== mask.nOut) {
    throw new InputError(
      `radixMatMul: kernel has shape [${kernel.shape.join(', ')}] but the mask is [${mask.nIn}, ${mask.nOut}]; they must match`,
    );
  }
  if (x.shape[1] !== mask.nIn)
    throw new InputError(`radixMatMul: x has ${x.shape[1]} features per sample but the mask has ${mask.nIn} inputs`);
  checkFloat32(x, 'x');
  checkFloat32(kernel, 'kernel');
  if (implementation !== 'auto' && implementation !== 'radix' && implementation !== 'masked') {
    throw new InputError(`radixMatMul: implementation must be auto, radix or masked, got "${String(implementation)}"`);
  }
  const ours = implementation !== 'masked' && radixKernelsActive();
  if (implementation === 'radix' && !ours) {
    throw new InputError(
      `radixMatMul: implementation "radix" needs the cpu or wasm backend, but the active backend is "${tf.getBackend()}"; ` +
        `switch with tf.setBackend('cpu') or use implementation "auto" (tf.matMul of the masked kernel there)`,
    );
  }
  if (!ours) return tf.matMul(x, mask.apply(kernel));
  if (x.shape[0] === 0) return tf.zeros([0, mask.nOut]);
  return tf.engine().runKernel(RADIX_MATMUL, { x, kernel }, { mask: maskId(mask) }) as tf.Tensor2D;
}
