// A multilayer perceptron resident in kernel memory: ReLU hidden layers, softmax output, sparse cross-entropy loss.
// Each weight layer is a mask (RadiX-Net, random, pruned or full); only its nonzeros are stored, computed and updated.
//
// Memory of one model (byte offsets into the engine's shared memory):
//   params  [w | g | slot m | slot v], each P floats: every layer's weights in CSR order, then the biases
//   acts    A[0..L] (n_l, ldb) activations, A[0] the input;  dA[1..L] their gradients (dA[L] = dlogits)
//   stage   (batch, n_0) batch-major input rows as the user gave them; labels, loss, correct (ldb) per column
import { InputError } from '../errors.js';
import { Rng } from '../random.js';
import { SparseMask } from '../topology/mask.js';
import { splitEven, type Task } from '../kernels/pool.js';
import type { Engine } from './engine.js';
import { Layer, type LayerIO } from './layer.js';
import { Arena, type KernelMemory } from '../kernels/memory.js';
import { formatBytes, KERNEL_MEMORY_BYTES, mlpBytes } from '../topology/cost.js';
import { Optimizer } from './optimizer.js';
import { KernelProgram } from '../kernels/program.js';
import { keptResident, ResidentData } from './resident.js';
import { checkBatchSize, resolveMlpSpec, type InitName, type MlpConfig, type MlpSpec } from './mlp-spec.js';
import { checkData, checkFinite, checkSamples, checkStep, labelAt } from './mlp-input.js';

export type { InitName, MlpConfig, MlpSpec } from './mlp-spec.js';

/** What training changes in a model (Mlp.trainingState): parameters, optimizer slots and step count. */
export interface TrainingState {
  optimizer: 'adam' | 'sgd';
  /** Optimizer steps taken (Adam's t). */
  step: number;
  /** The flat parameter vector (Mlp.parameters' layout). */
  params: Float32Array;
  /** The optimizer's slot buffers, each laid out like params: Adam [m, v], SGD with momentum [velocity], plain SGD []. */
  slots: Float32Array[];
}

/** Loss and accuracy of one step or one evaluation. */
export interface Metrics {
  loss: number;
  accuracy: number;
}

/** Where a training step spends its time (ms, summed over steps), when profiling is on. */
export interface StepProfile {
  gather: number;
  forward: number;
  loss: number;
  gradInput: number;
  gradWeights: number;
  optimizer: number;
  steps: number;
}

// plain arithmetic, not `(n + 3) & ~3`: the bit operation wraps to a negative number from n = 2^31 - 3 on
const ceil4 = (n: number): number => Math.ceil(n / 4) * 4;

/**
 * Columns per window of an evaluation over kept rows (evaluateWide): wide enough that each sparse row's index walk is
 * paid for many columns, narrow enough that the window's input columns and activations stay in cache from layer to
 * layer. Measured (CPU time, validation x3 + test of LeNet-300-100 on one thread): 128, 256, 512 and 1024 columns
 * within 15% of each other, 512 the least.
 */
const EVAL_WINDOW = 512;

/** Buffers of evaluations over kept rows: activations, dlogits, loss, correct and probabilities, `ldb` columns wide. */
interface WideBuffers {
  ldb: number;
  acts: number[];
  dz: number;
  loss: number;
  correct: number;
  probs: number;
  blocks: number[];
  programs: Map<string, KernelProgram>;
}

export class Mlp {
  /** The spec this model was built from, with every default resolved. */
  readonly config: MlpConfig;
  readonly sizes: readonly number[];
  readonly layers: readonly Layer[];
  readonly hasBias: boolean;
  readonly optimizer: Optimizer;
  /** Parameters stored (nonzero weights + biases). */
  readonly paramCount: number;
  /** When set, each step adds its time per phase here (phases then run as separate dispatches). */
  profile: StepProfile | null = null;
  private readonly engine: Engine;
  private readonly w: number;
  private readonly g: number;
  private readonly paramSplit: Int32Array;
  /** Every block of kernel memory this model holds, freed together by dispose. */
  private readonly arena: Arena;
  /** The batch buffers' blocks, freed when they grow. */
  private batchBlocks: number[] = [];
  private capacity = 0;
  private ldb = 0;
  private acts: number[] = [];
  private grads: number[] = [];
  private stage = 0;
  private labels = 0;
  private rows = 0;
  private lossBuf = 0;
  private correctBuf = 0;
  private out = 0;
  private disposed = false;
  /** Fused training steps built for (resident data, batch size), newest last; freed when the batch buffers move. */
  /** The fused programs built, with what each is for; compared field by field (every step looks one up). */
  private programs: { kind: 'train' | 'eval'; ptr: number; labelsPtr: number; n: number; program: KernelProgram }[] =
    [];
  /** Evaluation over kept rows (evaluateWide): its buffers and programs, made on first use. */
  private wide: WideBuffers | null = null;
  /** A view of the rows buffer for the fused step (views of shared memory stay valid when it grows). */
  private rowsView: Int32Array<ArrayBufferLike> = new Int32Array(0);
  /** Views of a step's per-sample loss and correct flags (capacity long), made with the batch buffers. */
  private lossView: Float32Array<ArrayBufferLike> = new Float32Array(0);
  private correctView: Int32Array<ArrayBufferLike> = new Int32Array(0);

  constructor(engine: Engine, spec: MlpSpec) {
    this.engine = engine;
    const cfg = (this.config = resolveMlpSpec(spec));
    const sizes = cfg.sizes;
    const L = sizes.length - 1;
    const slots = Optimizer.slots(cfg.optimizer);
    checkFits(sizes, cfg.masks, slots, cfg.batchSize, engine.memory);
    // full masks for dense layers only now that the model is known to fit
    const resolved = cfg.masks.map((m, l) => m ?? SparseMask.full(sizes[l], sizes[l + 1]));
    this.sizes = sizes;
    this.hasBias = cfg.bias;
    const mem = (this.arena = new Arena(engine.memory));
    const chunks = engine.pool.chunks;
    let offset = 0;
    const wOffsets = resolved.map((m) => ((offset += m.nnz), offset - m.nnz));
    const bOffsets = sizes.slice(1).map((n) => (this.hasBias ? ((offset += n), offset - n) : -1));
    this.paramCount = offset;
    const P = this.paramCount;
    try {
      this.layers = resolved.map((m, l) => new Layer(m, l < L - 1, wOffsets[l], bOffsets[l], mem, chunks));
      this.w = mem.allocF32(P);
      this.g = mem.allocF32(P);
      const m = slots >= 1 ? mem.allocF32(P) : 0;
      const v = slots >= 2 ? mem.allocF32(P) : 0;
      this.optimizer = new Optimizer(cfg.optimizer, m, v);
      this.paramSplit = splitEven(P, chunks);
      this.initWeights(cfg.init, cfg.stddev, cfg.seed);
      this.ensureCapacity(cfg.batchSize);
    } catch (err) {
      // a model that could not be built holds nothing
      mem.freeAll();
      throw err;
    }
  }

  /** Number of weight layers. */
  get depth(): number {
    return this.layers.length;
  }

  /** Batch size the buffers hold now. */
  get batchCapacity(): number {
    return this.capacity;
  }

  /** Grows the batch buffers to hold `batch` samples (no-op when they already do). */
  ensureCapacity(batch: number): void {
    this.checkAlive();
    checkBatchSize(batch);
    if (batch <= this.capacity) return;
    const bytes = this.batchBufferSizes(batch).reduce((s, b) => s + b, 0);
    if (!(bytes <= KERNEL_MEMORY_BYTES)) {
      throw new InputError(
        `a batch of ${batch} samples needs about ${formatBytes(bytes)} of kernel memory for layers ${this.sizes.join(',')}, ` +
          `over the ${formatBytes(KERNEL_MEMORY_BYTES)} WebAssembly allows; use a smaller batch size`,
      );
    }
    // the old buffers are scratch: freed first, so the larger ones can reuse their space
    const before = this.capacity;
    this.freeBatchBuffers();
    try {
      this.allocBatchBuffers(batch);
    } catch (err) {
      this.freeBatchBuffers();
      if (before > 0) this.allocBatchBuffers(before);
      throw err;
    }
  }

  /**
   * Bytes of each batch buffer for `batch` samples, in allocation order: activations A[0..L], gradients dA[1..L],
   * the input stage, labels, rows, loss, correct and the output.
   */
  private batchBufferSizes(batch: number): number[] {
    const ldb = ceil4(batch);
    return [
      ...this.sizes.map((n) => 4 * n * ldb),
      ...this.sizes.slice(1).map((n) => 4 * n * ldb),
      4 * ldb * this.sizes[0],
      4 * ldb,
      4 * ldb,
      4 * ldb,
      4 * ldb,
      4 * ldb * this.classes,
    ];
  }

  private allocBatchBuffers(batch: number): void {
    const sizes = this.batchBufferSizes(batch);
    const ptrs: number[] = [];
    for (const bytes of sizes) {
      ptrs.push(this.arena.alloc(bytes));
      this.batchBlocks.push(ptrs[ptrs.length - 1]);
    }
    const L = this.sizes.length;
    this.acts = ptrs.slice(0, L);
    this.grads = [0, ...ptrs.slice(L, 2 * L - 1)];
    [this.stage, this.labels, this.rows, this.lossBuf, this.correctBuf, this.out] = ptrs.slice(2 * L - 1);
    this.lossView = this.engine.memory.f32(this.lossBuf, batch);
    this.correctView = this.engine.memory.i32(this.correctBuf, batch);
    this.capacity = batch;
    this.ldb = ceil4(batch);
  }

  private freeBatchBuffers(): void {
    // programs point into the batch buffers
    for (const p of this.programs) for (const b of p.program.blocks) this.arena.free(b);
    this.programs = [];
    for (const ptr of this.batchBlocks) this.arena.free(ptr);
    this.batchBlocks = [];
    this.capacity = 0;
  }

  /**
   * Throws an InputError, before anything is allocated, when growing the batch buffers to `batch` and making
   * `samples` training rows resident (what fit allocates) will not fit in kernel memory.
   */
  checkFitMemory(batch: number, samples: number): void {
    this.checkAlive();
    const sizes = batch > this.capacity ? this.batchBufferSizes(batch) : [];
    sizes.push(4 * samples * this.inputs, 4 * samples);
    // the current batch buffers count as held: a growth frees them first, so this errs on the safe side
    const mem = this.engine.memory;
    if (!mem.fits(sizes)) {
      const bytes = sizes.reduce((s, b) => s + b, 0);
      throw new InputError(
        `training needs ${formatBytes(bytes)} more kernel memory (batch ${batch}, ${samples} resident samples of ${this.inputs} values and their labels) but only ${formatBytes(KERNEL_MEMORY_BYTES - mem.allocated)} of the 4 GiB WebAssembly memory is free; use a smaller batch or fewer samples, or dispose models no longer used`,
      );
    }
  }

  get classes(): number {
    return this.sizes[this.sizes.length - 1];
  }

  get inputs(): number {
    return this.sizes[0];
  }

  /**
   * One optimizer step on `n` samples: rows `order[start..start+n)` of x ([N, n_0] row-major, or resident in kernel
   * memory) and labels y, or rows start..start+n when order is null. Inputs are trusted (train checks them once).
   * `classWeights` (one per class) weighs each sample's loss by its class, as Keras' classWeight does.
   */
  trainStepOn(
    x: Float32Array | ResidentData,
    y: ArrayLike<number>,
    order: Int32Array | null,
    start: number,
    n: number,
    classWeights?: ArrayLike<number>,
  ): Metrics {
    this.checkAlive();
    checkStep(x, y, order, start, n, this.inputs, this.capacity);
    if (this.canFuse(x, y, classWeights)) return this.fusedStep(x as ResidentData, order, start, n);
    const nb = this.loadBatch(x, y, order, start, n);
    this.forwardLoss(n, nb);
    if (classWeights) this.weighClasses(classWeights, n);
    const pool = this.engine.pool;
    for (const [gw, gx] of this.backwardTasks(nb)) {
      if (!gx) this.timed('gradWeights', () => pool.run(gw));
      else if (this.profile) {
        this.timed('gradWeights', () => pool.run(gw));
        this.timed('gradInput', () => pool.run(gx));
      } else pool.run(gw, gx);
    }
    const update = this.optimizer.update(this.w, this.g, this.paramCount, this.paramSplit);
    this.timed('optimizer', () => pool.run(update));
    if (this.profile) this.profile.steps++;
    return this.readMetrics(n);
  }

  /**
   * Whether a step runs fused (one call into wasm, or with threads one pool dispatch): rows and labels
   * resident (the labels given being the resident ones), no class weights (applied on the host between kernels) and
   * no profile (which times each phase apart). `fused = false` forces the separate kernel calls (tests compare both).
   */
  private canFuse(x: Float32Array | ResidentData, y: ArrayLike<number>, classWeights?: ArrayLike<number>): boolean {
    return (
      this.fused && x instanceof ResidentData && x.labelsPtr !== 0 && x.labels === y && !classWeights && !this.profile
    );
  }

  /** Run single-threaded steps on resident data as one wasm call each (default true; false: one call per kernel). */
  fused = true;
  /** Steps this model ran fused (tests and benchmarks read it). */
  fusedSteps = 0;

  /**
   * One training step as one call into wasm: the kernel program of this batch size and dataset (gather the rows and
   * labels, forward, loss, backward, optimizer), the same kernel calls in the same order as the step above, so the
   * same bits. The host writes the batch's row indices and the optimizer's step-dependent arguments first.
   */
  private fusedStep(x: ResidentData, order: Int32Array | null, start: number, n: number): Metrics {
    const program = this.programFor(x, n, 'train');
    const rows = this.rowsView;
    if (order) for (let b = 0; b < n; b++) rows[b] = order[start + b];
    else for (let b = 0; b < n; b++) rows[b] = start + b;
    const update = this.optimizer.update(this.w, this.g, this.paramCount, this.paramSplit);
    const last = program.count - 1;
    for (let a = 0; a < update.args.length; a++) program.setArg(last, a, update.args[a]);
    program.run(this.engine.pool.kernels);
    this.fusedSteps++;
    return this.readMetrics(n);
  }

  /**
   * The kernel program of a fused training step ('train') or evaluation batch ('eval': gather, forward, loss) on data
   * `x` and `n` samples, built on first use (a few kept per model).
   */
  private programFor(x: ResidentData, n: number, kind: 'train' | 'eval'): KernelProgram {
    const found = this.programs.find(
      (p) => p.n === n && p.ptr === x.ptr && p.labelsPtr === x.labelsPtr && p.kind === kind,
    );
    if (found) return found.program;
    const nb = ceil4(n);
    const F = this.inputs;
    // the calls in groups, one group per dispatch of the separate-call path (calls of a group write different
    // buffers); with threads, a barrier ends each group
    const groups: Task[][] = [
      [
        { kernel: 'gather_in', n: F, args: [x.ptr, this.rows, n, F, this.acts[0], this.ldb] },
        { kernel: 'gather_labels', n, args: [x.labelsPtr, this.rows, this.labels] },
      ],
      ...this.forwardTasks(nb).map((t) => [t]),
      [this.lossTask(n, nb)],
      ...(kind === 'eval'
        ? []
        : [
            ...this.backwardTasks(nb).map(([gw, gx]) => (gx ? [gw, gx] : [gw])),
            // its step-dependent arguments are written before each run
            [this.optimizer.template(this.w, this.g, this.paramCount)],
          ]),
    ];
    const tasks = groups.flat();
    const barrierAfter = groups.flatMap((g) => g.map((_, i) => i === g.length - 1));
    const program = new KernelProgram(this.engine.memory, this.arena, tasks, { pool: this.engine.pool, barrierAfter });
    this.programs.push({ kind, ptr: x.ptr, labelsPtr: x.labelsPtr, n, program });
    // a run over several datasets (train, then fine-tune on another) keeps the latest few
    if (this.programs.length > 8) for (const b of this.programs.shift()!.program.blocks) this.arena.free(b);
    this.rowsView = this.engine.memory.i32(this.rows, this.capacity);
    return program;
  }

  /**
   * Loss and accuracy on a dataset (x [N, n_0], y [N], or rows and labels resident in kernel memory), in batches of
   * the model's capacity; no update.
   */
  evaluate(x: Float32Array | ResidentData, y: ArrayLike<number>): Metrics {
    if (x instanceof ResidentData) return this.evaluateParts(x, [x.count])[0];
    const count = this.checkData(x, y, 'evaluate');
    return this.evaluateRange(x, y, 0, count);
  }

  /**
   * Loss and accuracy of consecutive parts of resident rows and labels (part sizes `counts`, e.g. validation then test
   * rows resident as one set), in one pass; each part is batched from its own start, so each gives what evaluating
   * it alone gives, bit for bit.
   */
  evaluateParts(data: ResidentData, counts: readonly number[]): Metrics[] {
    this.checkAlive();
    if (!data.labels) throw new InputError('evaluate: resident data needs its labels (model.resident(x, y))');
    const total = counts.reduce((s, c) => s + c, 0);
    if (counts.some((c) => !Number.isInteger(c) || c < 1) || total > data.count) {
      throw new InputError(
        `evaluate: parts ${counts.join(', ')} must be whole counts of at least 1, together at most the ${data.count} resident samples`,
      );
    }
    let from = 0;
    return counts.map((c) => {
      const m = this.evaluateRange(data, data.labels!, from, c);
      from += c;
      return m;
    });
  }

  /**
   * Loss, accuracy and class probabilities ([count, classes] row-major, predict's bits) of resident rows and labels in
   * one pass: the test set of a run, whose confusion matrix needs the predictions (a second pass with predict costs
   * as much again).
   */
  evaluatePredict(data: ResidentData): { metrics: Metrics; probabilities: Float32Array } {
    this.checkAlive();
    if (!data.labels) throw new InputError('evaluate: resident data needs its labels (model.resident(x, y))');
    const wide = data.kept && this.canFuse(data, data.labels) ? this.evaluateWide(data, 0, data.count, true) : null;
    if (wide) return { metrics: wide.metrics, probabilities: wide.probabilities! };
    return { metrics: this.evaluate(data, data.labels), probabilities: this.predict(data.source) };
  }

  private evaluateRange(x: Float32Array | ResidentData, y: ArrayLike<number>, from: number, count: number): Metrics {
    if (x instanceof ResidentData && x.kept && this.canFuse(x, y)) {
      const wide = this.evaluateWide(x, from, count, false);
      if (wide) return wide.metrics;
    }
    let loss = 0;
    let correct = 0;
    const fuse = x instanceof ResidentData && this.canFuse(x, y);
    for (let s = 0; s < count; s += this.capacity) {
      const n = Math.min(this.capacity, count - s);
      if (fuse) {
        const program = this.programFor(x as ResidentData, n, 'eval');
        const rows = this.rowsView;
        for (let b = 0; b < n; b++) rows[b] = from + s + b;
        program.run(this.engine.pool.kernels);
      } else {
        const nb = this.loadBatch(x, y, null, from + s, n);
        this.forwardLoss(n, nb);
      }
      const m = this.readMetrics(n);
      loss += m.loss * n;
      correct += m.accuracy * n;
    }
    return { loss: loss / count, accuracy: correct / count };
  }

  /**
   * Evaluation of rows [from, from + count) of kept resident data, forward only, in one program run (one wasm call on
   * one thread): the rows transposed once per engine (data.featureMajor), so each window of EVAL_WINDOW columns reads
   * its input straight from that copy with no gather, through activation buffers as wide as the data. Each column's
   * arithmetic is that of the batched path (kernels run SIMD over columns, each summed in one fixed order), and the
   * loss and accuracy are summed in the batched path's order (per batch of the model's capacity), so the results are
   * its bits. Null when the copies do not fit kernel memory (the caller then batches).
   */
  private evaluateWide(
    data: ResidentData,
    from: number,
    count: number,
    probabilities: boolean,
  ): { metrics: Metrics; probabilities?: Float32Array } | null {
    const mem = this.engine.memory;
    const C = this.classes;
    if (!data.featureMajor) {
      const ldb = ceil4(data.count) + 4; // room for a window's last SIMD vector at any start column
      const bytes = 4 * data.features * ldb;
      if (!mem.fits([bytes])) return null;
      const ptr = mem.alloc(bytes); // zeroed: the padding columns
      this.engine.pool.run({
        kernel: 'transpose_in',
        n: data.features,
        args: [data.ptr, data.count, data.features, ptr, ldb],
      });
      data.featureMajor = { ptr, ldb };
    }
    const { ptr: xT, ldb } = data.featureMajor;
    const wide = this.wideBuffers(ldb);
    if (!wide) return null;
    const key = `${xT}:${data.labelsPtr}:${ldb}:${from}:${count}:${probabilities}`;
    let program = wide.programs.get(key);
    if (!program) {
      const tasks: Task[] = [];
      for (let c = from; c < from + count; c += EVAL_WINDOW) {
        const n = Math.min(EVAL_WINDOW, from + count - c);
        const nb = ceil4(n);
        const at = (ptr: number): number => ptr + 4 * c;
        this.layers.forEach((layer, l) => {
          const io: LayerIO = {
            x: at(l === 0 ? xT : wide.acts[l - 1]),
            y: at(wide.acts[l]),
            dy: 0,
            dx: 0,
            inputRelu: false,
          };
          tasks.push(layer.forward(this.wAt(layer.wOffset), this.wAt(layer.bOffset), io, nb, ldb));
        });
        const z = at(wide.acts[this.depth - 1]);
        tasks.push({
          kernel: 'softmax_xent',
          n: nb,
          args: [z, data.labelsPtr + 4 * c, C, n, ldb, at(wide.dz), at(wide.loss), at(wide.correct), 1 / n],
        });
        if (probabilities) tasks.push({ kernel: 'softmax_fwd', n: nb, args: [z, C, ldb, at(wide.probs)] });
      }
      program = new KernelProgram(mem, this.arena, tasks, {
        pool: this.engine.pool,
        barrierAfter: tasks.map(() => true),
      });
      wide.programs.set(key, program);
      // a few datasets and parts at a time (validation, test): the oldest program goes
      if (wide.programs.size > 8) {
        const [oldest, old] = wide.programs.entries().next().value!;
        for (const b of old.blocks) this.arena.free(b);
        wide.programs.delete(oldest);
      }
    }
    program.run(this.engine.pool.kernels);
    // summed as evaluateRange sums batches of the model's capacity (readMetrics, then loss * n), for the same bits
    const lossAt = mem.f32(wide.loss, ldb);
    const correctAt = mem.i32(wide.correct, ldb);
    let loss = 0;
    let correct = 0;
    for (let s = 0; s < count; s += this.capacity) {
      const n = Math.min(this.capacity, count - s);
      let sl = 0;
      let sc = 0;
      for (let b = from + s; b < from + s + n; b++) {
        sl += lossAt[b];
        sc += correctAt[b];
      }
      loss += (sl / n) * n;
      correct += (sc / n) * n;
    }
    const metrics = { loss: loss / count, accuracy: correct / count };
    if (!probabilities) return { metrics };
    const p = mem.f32(wide.probs, C * ldb);
    const out = new Float32Array(count * C);
    for (let k = 0; k < C; k++) for (let i = 0; i < count; i++) out[i * C + k] = p[k * ldb + from + i];
    return { metrics, probabilities: out };
  }

  /** The wide evaluation buffers for data `ldb` columns wide (grown when smaller), or null when they do not fit. */
  private wideBuffers(ldb: number): WideBuffers | null {
    if (this.wide && this.wide.ldb >= ldb) return this.wide;
    const rows = [...this.sizes.slice(1), this.classes, 1, 1, this.classes];
    if (this.wide) {
      for (const b of this.wide.blocks) this.arena.free(b);
      for (const prog of this.wide.programs.values()) for (const b of prog.blocks) this.arena.free(b);
    }
    this.wide = null;
    if (!this.engine.memory.fits(rows.map((r) => 4 * r * ldb))) return null;
    // not zeroed: every column a kernel reads was written before in the same program run
    const blocks = rows.map((r) => this.arena.alloc(4 * r * ldb, undefined, false));
    const L = this.depth;
    this.wide = {
      ldb,
      acts: blocks.slice(0, L),
      dz: blocks[L],
      loss: blocks[L + 1],
      correct: blocks[L + 2],
      probs: blocks[L + 3],
      blocks,
      programs: new Map(),
    };
    return this.wide;
  }

  /** Class probabilities for x ([N, n_0] row-major): returns [N, classes] row-major. */
  predict(x: Float32Array): Float32Array {
    this.checkAlive();
    const count = checkSamples(x, this.inputs, 'predict');
    const C = this.classes;
    const result = new Float32Array(count * C);
    const pool = this.engine.pool;
    for (let s = 0; s < count; s += this.capacity) {
      const n = Math.min(this.capacity, count - s);
      const nb = this.loadBatch(x, null, null, s, n);
      this.forward(nb);
      const z = this.acts[this.depth];
      pool.run({ kernel: 'softmax_fwd', n: nb, args: [z, C, this.ldb, z] });
      pool.run({ kernel: 'transpose_out', n, args: [z, C, this.ldb, this.out] });
      result.set(this.engine.memory.f32(this.out, n * C), s * C);
    }
    return result;
  }

  /** Per layer: the dense [n_l, n_{l+1}] kernel (zeros off the mask) and the bias (when the model has one). */
  getWeights(): { kernel: Float32Array; bias?: Float32Array }[] {
    return this.readParams(this.w);
  }

  /** Gradients of the last step, laid out like getWeights (zeros off the mask). */
  getGradients(): { kernel: Float32Array; bias?: Float32Array }[] {
    return this.readParams(this.g);
  }

  /** Sets weights from dense kernels (entries off the mask are ignored) and biases. */
  setWeights(weights: { kernel: ArrayLike<number>; bias?: ArrayLike<number> }[]): void {
    this.checkAlive();
    if (weights.length !== this.depth)
      throw new InputError(`setWeights: got ${weights.length} layers, the model has ${this.depth}`);
    const all = this.engine.memory.f32(this.w, this.paramCount);
    this.layers.forEach((layer, l) => {
      const { kernel, bias } = weights[l];
      if (kernel.length !== layer.nIn * layer.nOut) {
        throw new InputError(
          `setWeights: layer ${l} kernel has ${kernel.length} values, expected ${layer.nIn}x${layer.nOut} = ${layer.nIn * layer.nOut}`,
        );
      }
      checkFinite(kernel, `setWeights: layer ${l} kernel`);
      layer.fromDense(kernel, all.subarray(layer.wOffset, layer.wOffset + layer.nnz));
      if (this.hasBias) {
        if (!bias || bias.length !== layer.nOut)
          throw new InputError(`setWeights: layer ${l} needs a bias of ${layer.nOut} values`);
        all.set(bias, layer.bOffset);
      }
    });
  }

  /**
   * The flat parameter vector (nonzero weights in CSR order, then biases): a view, valid until memory grows and
   * until dispose (after which the memory belongs to other models: drop the view).
   */
  parameters(): Float32Array {
    this.checkAlive();
    return this.engine.memory.f32(this.w, this.paramCount);
  }

  /**
   * A copy of everything training changes: the parameters, the optimizer's slots (Adam's m and v, SGD's momentum) and
   * its step count. A model given it back (`restoreTrainingState`) trains on to the same bits as one never stopped:
   * checkpoints are this plus the epoch (the batch order replays from the seed, src/engine/train.ts).
   */
  trainingState(): TrainingState {
    this.checkAlive();
    const mem = this.engine.memory;
    return {
      optimizer: this.optimizer.spec.name,
      step: this.optimizer.step,
      params: mem.f32(this.w, this.paramCount).slice(),
      slots: this.optimizer.slotOffsets.map((at) => mem.f32(at, this.paramCount).slice()),
    };
  }

  /** Puts back a state from `trainingState` of a model of the same layers, masks, bias and optimizer. */
  restoreTrainingState(state: TrainingState): void {
    this.checkAlive();
    const P = this.paramCount;
    const offsets = this.optimizer.slotOffsets;
    const fail = (what: string): never => {
      throw new InputError(`restoreTrainingState: ${what}; restore a state taken from a model built the same way`);
    };
    if (state.optimizer !== this.optimizer.spec.name)
      fail(`the state is of optimizer ${state.optimizer}, this model trains with ${this.optimizer.spec.name}`);
    if (!(Number.isInteger(state.step) && state.step >= 0)) fail(`step must be a whole number >= 0, got ${state.step}`);
    if (state.params.length !== P) fail(`the state has ${state.params.length} parameters, this model ${P}`);
    if (state.slots.length !== offsets.length)
      fail(`the state has ${state.slots.length} optimizer slots, this model's optimizer ${offsets.length}`);
    state.slots.forEach((s, k) => s.length !== P && fail(`optimizer slot ${k} has ${s.length} values, not ${P}`));
    checkFinite(state.params, 'restoreTrainingState: params');
    const mem = this.engine.memory;
    mem.f32(this.w, P).set(state.params);
    offsets.forEach((at, k) => mem.f32(at, P).set(state.slots[k]));
    this.optimizer.step = state.step;
  }

  /** Frees every block of the model (whatever order models are disposed in, later models reuse the space). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.arena.freeAll();
    this.batchBlocks = [];
    this.capacity = 0;
  }

  // --- step pieces -------------------------------------------------------------------------------------------

  private io(l: number): LayerIO {
    return { x: this.acts[l], y: this.acts[l + 1], dy: this.grads[l + 1], dx: this.grads[l], inputRelu: l > 0 };
  }

  private wAt(offset: number): number {
    return offset < 0 ? 0 : this.w + offset * 4;
  }

  private gAt(offset: number): number {
    return offset < 0 ? 0 : this.g + offset * 4;
  }

  /**
   * Copies `x` (and its labels `y`, checked, when given: single-threaded steps on it then run fused) into kernel memory
   * for fast batch gathers; release() it when done (train does both).
   */
  /**
   * Like resident(x, y), but the copy stays in the engine's memory after use and later calls with the same arrays
   * (from any model of this engine) get it back without copying or checking again: for sweeps, which train many models
   * on one dataset. Never release() it; it lives as long as the engine's memory.
   */
  keepResident(x: Float32Array, y: ArrayLike<number>): ResidentData {
    this.checkAlive();
    return keptResident(this.engine.memory, x, y, this.inputs, () => this.checkData(x, y, 'resident'));
  }

  resident(x: Float32Array, y?: ArrayLike<number>): ResidentData {
    this.checkAlive();
    if (y) this.checkData(x, y, 'resident');
    return new ResidentData(this.engine.memory, x, this.inputs, y);
  }

  /**
   * Puts the batch into A[0] (feature-major) and its labels into the label buffer: a gather kernel over the rows of a
   * resident dataset, or else a host copy of the rows into the stage and a transpose kernel.
   */
  private loadBatch(
    x: Float32Array | ResidentData,
    y: ArrayLike<number> | null,
    order: Int32Array | null,
    start: number,
    n: number,
  ): number {
    const t0 = this.profile ? performance.now() : 0;
    const F = this.inputs;
    const mem = this.engine.memory;
    const labels = mem.i32(this.labels, n);
    if (x instanceof ResidentData) {
      const rows = mem.i32(this.rows, n);
      for (let b = 0; b < n; b++) {
        const row = order ? order[start + b] : start + b;
        rows[b] = row;
        if (y) labels[b] = labelAt(y, row, this.classes);
      }
      this.engine.pool.run({ kernel: 'gather_in', n: F, args: [x.ptr, this.rows, n, F, this.acts[0], this.ldb] });
    } else {
      const stage = mem.f32(this.stage, n * F);
      for (let b = 0; b < n; b++) {
        const row = order ? order[start + b] : start + b;
        stage.set(x.subarray(row * F, row * F + F), b * F);
        if (y) labels[b] = labelAt(y, row, this.classes);
      }
      this.engine.pool.run({ kernel: 'transpose_in', n: F, args: [this.stage, n, F, this.acts[0], this.ldb] });
    }
    if (this.profile) this.profile.gather += performance.now() - t0;
    return ceil4(n);
  }

  /** The forward kernels, one per layer, in order (each reads what the one before wrote). */
  private forwardTasks(nb: number): Task[] {
    return this.layers.map((layer, l) =>
      layer.forward(this.wAt(layer.wOffset), this.wAt(layer.bOffset), this.io(l), nb, this.ldb),
    );
  }

  private lossTask(n: number, nb: number): Task {
    return {
      kernel: 'softmax_xent',
      n: nb,
      args: [
        this.acts[this.depth],
        this.labels,
        this.classes,
        n,
        this.ldb,
        this.grads[this.depth],
        this.lossBuf,
        this.correctBuf,
        1 / n,
      ],
    };
  }

  /**
   * The backward kernels from the last layer to the first: per layer its weight gradient and (except the first
   * layer, whose input gradient no one needs) its input gradient, which read the same dy and write different buffers,
   * so a pool may run the two in one dispatch.
   */
  private backwardTasks(nb: number): [Task, Task | null][] {
    const out: [Task, Task | null][] = [];
    for (let l = this.depth - 1; l >= 0; l--) {
      const layer = this.layers[l];
      const io = this.io(l);
      const gw = layer.gradWeights(this.gAt(layer.wOffset), this.gAt(layer.bOffset), io, nb, this.ldb);
      out.push([gw, l === 0 ? null : layer.gradInput(this.wAt(layer.wOffset), io, nb, this.ldb)]);
    }
    return out;
  }

  private forward(nb: number): void {
    const pool = this.engine.pool;
    this.timed('forward', () => {
      for (const task of this.forwardTasks(nb)) pool.run(task);
    });
  }

  private forwardLoss(n: number, nb: number): void {
    this.forward(nb);
    const task = this.lossTask(n, nb);
    this.timed('loss', () => this.engine.pool.run(task));
  }

  /**
   * Keras' classWeight: each sample's loss and output gradient times its class' weight (`weights[label]`, one per
   * class), so the step minimises the mean of weight * loss. Applied on this thread between the loss and the backward
   * kernels; the accuracy stays unweighted, as Keras reports it.
   */
  private weighClasses(weights: ArrayLike<number>, n: number): void {
    const mem = this.engine.memory;
    const labels = mem.i32(this.labels, n);
    const loss = mem.f32(this.lossBuf, n);
    const dz = mem.f32(this.grads[this.depth], this.classes * this.ldb);
    for (let b = 0; b < n; b++) {
      const w = weights[labels[b]];
      loss[b] *= w;
      for (let c = 0; c < this.classes; c++) dz[c * this.ldb + b] *= w;
    }
  }

  private readMetrics(n: number): Metrics {
    const loss = this.lossView;
    const correct = this.correctView;
    let sl = 0;
    let sc = 0;
    for (let b = 0; b < n; b++) {
      sl += loss[b];
      sc += correct[b];
    }
    return { loss: sl / n, accuracy: sc / n };
  }

  private timed(phase: Exclude<keyof StepProfile, 'steps'>, fn: () => void): void {
    if (!this.profile) return fn();
    const t0 = performance.now();
    fn();
    this.profile[phase] += performance.now() - t0;
  }

  private readParams(base: number): { kernel: Float32Array; bias?: Float32Array }[] {
    this.checkAlive();
    const all = this.engine.memory.f32(base, this.paramCount);
    return this.layers.map((layer) => ({
      kernel: layer.toDense(all.subarray(layer.wOffset, layer.wOffset + layer.nnz)),
      ...(this.hasBias ? { bias: all.slice(layer.bOffset, layer.bOffset + layer.nOut) } : {}),
    }));
  }

  private initWeights(init: InitName, stddev: number, seed: number): void {
    const rng = new Rng(seed);
    const all = this.engine.memory.f32(this.w, this.paramCount);
    for (const layer of this.layers) {
      // Keras' glorot uses the dense kernel's fans, so a masked layer starts on the same scale as its dense twin
      const limit = Math.sqrt(6 / (layer.nIn + layer.nOut));
      for (let k = 0; k < layer.nnz; k++) {
        all[layer.wOffset + k] = init === 'normal' ? rng.normal() * stddev : (2 * rng.next() - 1) * limit;
      }
    }
  }

  /** Validates x ([N, n_0]) and y (N labels in [0, classes)); returns N. */
  checkData(x: Float32Array, y: ArrayLike<number>, what: string): number {
    this.checkAlive();
    return checkData(x, y, this.inputs, this.classes, what);
  }

  private checkAlive(): void {
    if (this.disposed)
      throw new InputError('this model was disposed: its memory now belongs to other models; create a new Mlp');
  }
}

/**
 * Fails before anything is allocated when the model cannot fit in wasm32's 4 GiB: weights, gradients and optimizer
 * slots (4 bytes each per stored weight), the sparse structure (about 16 bytes per nonzero) and the batch buffers.
 */
function checkFits(
  sizes: readonly number[],
  masks: readonly (SparseMask | null)[],
  slots: number,
  batch: number,
  memory: KernelMemory,
): void {
  const stored = sizes.slice(1).map((n, l) => masks[l]?.nnz ?? sizes[l] * n);
  const sparse = sizes.slice(1).map((n, l) => Boolean(masks[l]) && stored[l] < sizes[l] * n);
  const bytes = mlpBytes(sizes, stored, sparse, slots, batch);
  const free = KERNEL_MEMORY_BYTES - memory.allocated;
  if (bytes > free) {
    const others =
      memory.allocated > 2 ** 20
        ? `only ${formatBytes(Math.max(0, free))} of the 4 GiB WebAssembly memory is free (dispose models no longer used)`
        : 'WebAssembly memory is limited to 4 GiB';
    throw new InputError(
      `model needs about ${formatBytes(bytes)} of kernel memory (layers ${sizes.join(',')}, batch ${batch}) but ${others}; use sparser masks, smaller layers or a smaller batch`,
    );
  }
}
