// Graph Challenge inference on the kernels (assembly/challenge.ts): inputs in rounds of up to 128 batches, each batch
// a block of kernel memory that one thread carries through a layer at a time (one dispatch per layer, split over the
// batches), so threads share nothing but the layer. Layers come from a LayerSource one at a time: they stay resident
// when all of them fit the layer budget, else each round asks for each layer again (regenerated from the formula or
// read from its file), so memory is bounded by one round's blocks plus one layer (challengeMemory). Everything between
// the layers that touches activations runs in the kernels on every thread too (laying out a round's inputs from a
// stage, repacking survivors into fewer batches): done on the host, those serial steps took a third of the time of
// 1024 x 120 on 2 threads (docs/graph-challenge.md). The host keeps the bookkeeping: ids, live counts, the parity.
import { InputError } from '../errors.js';
import type { SparseImage } from '../data/challenge-inputs.js';
import { KERNEL_MEMORY_BYTES, formatBytes } from '../topology/cost.js';
import type { ChallengeLayer } from '../topology/challenge-net.js';
import { MAX_CHUNKS } from '../kernels/dispatch.js';
import { Engine } from './engine.js';
import { challengeBlock, sliceItemBytes, BLOCK_IDS, BLOCK_MADDS } from '../kernels/challenge-block.js';

export { challengeBlock };

/** Where layers come from: generated (ChallengeNet) or read from files; `layer(l)` may be called once per round. */
export interface LayerSource {
  readonly neurons: number;
  readonly layers: number;
  layer(l: number): ChallengeLayer;
}

export interface ChallengeInferOptions {
  bias: number;
  /** The clamp (default 32). */
  ymax?: number;
  /** Samples per batch (a multiple of 4; default by neurons, challengeBatch). */
  batch?: number;
  /** Bytes of batch blocks per round (default 512 MiB). */
  roundBytes?: number;
  /** Pixels the input stage holds (default: 2^21, or one batch of full images when that is more). */
  stagePixels?: number;
  /** Bytes all layers may take to stay resident across rounds (default 1 GiB). */
  residentBytes?: number;
  /** Called after each round with the inputs done so far. */
  onRound?: (done: number) => void;
}

export interface ChallengeInference {
  /** 0-based rows of the inputs with a nonzero in the last layer, ascending. */
  categories: Int32Array;
  /** Inputs that went in (rows with at least one pixel). */
  samples: number;
  /** Inference seconds: laying out the inputs and every layer's dispatches (not making or reading layers). */
  seconds: number;
  /** CPU seconds of the process (all threads) over the same spans as `seconds`: on a loaded machine, the time the
   * work had the cores, where `seconds` also counts the waits for them. */
  cpuSeconds: number;
  /** Seconds per layer, summed over rounds. */
  layerSeconds: number[];
  /** Seconds spent making or reading layers (excluded from `seconds`). */
  layerLoadSeconds: number;
  /** Multiply-adds the kernels did (one per live input row per live sample, counted in 4-sample vectors). */
  madds: number;
  /** Live samples after each layer, summed over rounds. */
  liveAfter: number[];
  rounds: number;
  batch: number;
  batchesPerRound: number;
  threads: number;
  /** Peak bytes of kernel memory this run held (blocks of a round + layers). */
  kernelBytes: number;
}

/**
 * The batch width for `neurons`: 28 x 2^k samples (whole 7-vector register tiles, assembly/challenge.ts), the largest
 * whose two buffers of neurons x batch f32 stay within 1 MiB (a core's L2), at least 28.
 */
export function challengeBatch(neurons: number): number {
  let b = 112;
  while (b > 28 && 2 * neurons * b * 4 > 2 ** 20) b /= 2;
  return b;
}

/** Most items (batch x slice) a sliced layer dispatch has: its scratch is allocated for this many. */
export const SLICE_ITEMS = 16;

/**
 * Slices per batch for a layer of `nb` batches on `threads` threads: 1 (a batch per claim) while there are at least
 * two batches per thread; below that each batch's output rows are cut into slices, so that about 4 items per thread
 * (at most SLICE_ITEMS in all, each at least 64 rows) keep every thread busy: the large networks' last inputs, and
 * the long networks' few survivors, are one or two batches.
 */
export function sliceCount(nb: number, threads: number, neurons: number): number {
  if (threads < 2 || nb >= 2 * threads) return 1;
  const s = Math.min(Math.floor(SLICE_ITEMS / nb), Math.floor((4 * threads) / nb), Math.floor(neurons / 64));
  return s >= 2 ? s : 1;
}

/** Bytes a layer takes in kernel memory. */
export function layerBytes(neurons: number, nnz: number): number {
  return 4 * (neurons + 1) + 8 * nnz + 3 * 64;
}

/** What a run will hold at its peak, before it starts: the round's blocks and the layers (resident, or one). */
export function challengeMemory(
  neurons: number,
  layers: number,
  nnzPerLayer: number,
  samples: number,
  opts: Pick<ChallengeInferOptions, 'batch' | 'roundBytes' | 'residentBytes' | 'stagePixels'> = {},
): {
  batch: number;
  batchesPerRound: number;
  blockBytes: number;
  layerBytes: number;
  resident: boolean;
  /** Pixels the input stage holds, and its bytes (with its offsets). */
  stagePixels: number;
  stageBytes: number;
  /** Bytes of the sliced kernels' scratch. */
  sliceBytes: number;
  kernelBytes: number;
} {
  const batch = opts.batch ?? challengeBatch(neurons);
  const { stride } = challengeBlock(neurons, batch);
  const roundBytes = opts.roundBytes ?? 512 * 2 ** 20;
  const batches = Math.max(1, Math.ceil(samples / batch));
  const batchesPerRound = Math.max(1, Math.min(MAX_CHUNKS, batches, Math.floor(roundBytes / stride)));
  const one = layerBytes(neurons, nnzPerLayer);
  const resident = one * layers <= (opts.residentBytes ?? 2 ** 30);
  const lb = resident ? one * layers : one;
  // the stage holds whole batches of pixels (i32 neuron, f32 value): at least one batch of full images, 2^21 pixels
  // (16 MiB) when that is more, so that a round is laid out in a few dispatches
  const stagePixels = Math.max(opts.stagePixels ?? 2 ** 21, batch * neurons);
  // (and the repack's offsets: 2 (batchesPerRound + 1) i32)
  const stageBytes = 8 * stagePixels + 12 * (batchesPerRound + 1) + 4 * (batchesPerRound * batch + 1);
  const sliceBytes = SLICE_ITEMS * sliceItemBytes(neurons, batch);
  return {
    batch,
    batchesPerRound,
    blockBytes: stride * batchesPerRound,
    layerBytes: lb,
    resident,
    stagePixels,
    stageBytes,
    sliceBytes,
    kernelBytes: stride * batchesPerRound + lb + stageBytes + sliceBytes,
  };
}

/**
 * Runs `images` through the layers of `source` and returns the categories, the time and the work. `engine` should be
 * made with `adaptive: false` (a layer's dispatch is long; the pool's single-thread probes would cost whole layers).
 */
export function challengeInfer(
  engine: Engine,
  source: LayerSource,
  images: Iterable<SparseImage>,
  samplesHint: number,
  opts: ChallengeInferOptions,
): ChallengeInference {
  const n = source.neurons;
  const L = source.layers;
  const ymax = opts.ymax ?? 32;
  const probe = source.layer(0);
  const nnz = probe.idx.length;
  const plan = challengeMemory(n, L, nnz, samplesHint, opts);
  if (plan.kernelBytes > KERNEL_MEMORY_BYTES) {
    throw new InputError(
      `this run needs ${formatBytes(plan.kernelBytes)} of kernel memory, over its ${formatBytes(KERNEL_MEMORY_BYTES)}; lower the round size or use fewer neurons`,
    );
  }
  const { batch: ldb, batchesPerRound } = plan;
  if (ldb % 4 !== 0 || ldb < 4) throw new InputError(`the batch must be a positive multiple of 4, got ${ldb}`);
  const block = challengeBlock(n, ldb);
  const mem = engine.memory;
  const pool = engine.pool;
  // zeroed now, before any timing: the first touch of a page costs a fault, which is allocation, not inference
  const act = mem.alloc(block.stride * batchesPerRound, 64, true);
  // the stage: a round's inputs as (batch -> samples, sample -> pixels) offsets and pixels, bptr[0] = sptr[0] = 0
  const stage = {
    pixels: plan.stagePixels,
    bptr: mem.alloc(4 * (batchesPerRound + 1), 64, true),
    sptr: mem.alloc(4 * (batchesPerRound * ldb + 1), 64, true),
    cols: mem.alloc(4 * plan.stagePixels, 64, false),
    vals: mem.alloc(4 * plan.stagePixels, 64, false),
  };
  // the sliced kernels' scratch, SLICE_ITEMS items
  const sliceScratch = mem.alloc(SLICE_ITEMS * sliceItemBytes(n, ldb), 64, false);
  // the repack's offsets: new batch starts and old live prefix, up to batchesPerRound + 1 each
  const offsets = mem.alloc(8 * (batchesPerRound + 1), 64, false);
  const resident: { ptr: number; idx: number; w: number; nnz: number }[] = [];
  let scratch: { ptr: number; idx: number; w: number; nnz: number } | null = null;
  const upload = (layer: ChallengeLayer, into?: { ptr: number; idx: number; w: number; nnz: number }) => {
    const k = layer.idx.length;
    const at =
      into && into.nnz >= k
        ? into
        : {
            ptr: mem.alloc(4 * (n + 1), 64, false),
            idx: mem.alloc(4 * k, 64, false),
            w: mem.alloc(4 * k, 64, false),
            nnz: k,
          };
    if (into && at !== into) for (const p of [into.ptr, into.idx, into.w]) mem.free(p);
    const buf = mem.memory.buffer;
    new Int32Array(buf, at.ptr, n + 1).set(layer.ptr);
    new Int32Array(buf, at.idx, k).set(layer.idx);
    new Float32Array(buf, at.w, k).set(layer.w);
    return at;
  };
  const checkLayer = (layer: ChallengeLayer, l: number) => {
    if (layer.neurons !== n || layer.ptr.length !== n + 1)
      throw new InputError(`layer ${l + 1} has ${layer.neurons} neurons, not ${n}`);
  };
  const layerSeconds = new Array<number>(L).fill(0);
  const liveAfter = new Array<number>(L).fill(0);
  let layerLoadSeconds = 0;
  let seconds = 0;
  let cpuSeconds = 0;
  let madds = 0;
  let samples = 0;
  let rounds = 0;
  const categories: number[] = [];
  const it = images[Symbol.iterator]();
  let pending = it.next();
  // the next batch: up to ldb images with pixels, checked; `held` is one that did not fit the stage, kept for the next
  let held: { ims: SparseImage[]; pixels: number } | null = null;
  const nextBatch = (): { ims: SparseImage[]; pixels: number } | null => {
    const ims: SparseImage[] = [];
    let pixels = 0;
    while (ims.length < ldb && !pending.done) {
      const im = pending.value;
      pending = it.next();
      if (im.cols.length === 0) continue;
      for (let k = 0; k < im.cols.length; k++) {
        const i = im.cols[k];
        if (!(i >= 0 && i < n)) throw new InputError(`input row ${im.row + 1} has neuron ${i + 1}, outside 1..${n}`);
      }
      ims.push(im);
      pixels += im.cols.length;
    }
    if (pixels > stage.pixels)
      throw new InputError(
        `a batch of ${ims.length} inputs has ${pixels} pixels, more than ${ims.length} x ${n} neurons`,
      );
    return ims.length > 0 ? { ims, pixels } : null;
  };
  try {
    while (held || !pending.done) {
      // one round: images are made or read first, as many batches as the stage holds (not timed: the challenge times
      // neither reading its files nor, here, making the inputs), then copied into the stage and laid out in their
      // blocks by the kernels, on every thread
      let nb = 0;
      while (nb < batchesPerRound) {
        const group: { ims: SparseImage[]; pixels: number }[] = [];
        let stagedPixels = 0;
        while (nb + group.length < batchesPerRound) {
          const next: { ims: SparseImage[]; pixels: number } | null = held ?? nextBatch();
          held = null;
          if (!next) break;
          if (stagedPixels + next.pixels > stage.pixels) {
            held = next;
            break;
          }
          group.push(next);
          stagedPixels += next.pixels;
        }
        if (group.length === 0) break;
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        const buf = mem.memory.buffer;
        const i32 = new Int32Array(buf);
        const f32 = new Float32Array(buf);
        let px = 0;
        let sm = 0;
        group.forEach(({ ims }, k) => {
          const ids = (act + (nb + k) * block.stride + BLOCK_IDS) >> 2;
          ims.forEach((im, c) => {
            i32.set(im.cols, (stage.cols >> 2) + px);
            f32.set(im.vals, (stage.vals >> 2) + px);
            px += im.cols.length;
            i32[(stage.sptr >> 2) + ++sm] = px;
            i32[ids + c] = im.row;
          });
          i32[(stage.bptr >> 2) + k + 1] = sm;
        });
        pool.run({
          kernel: 'challenge_load',
          n: group.length,
          bounds: new Int32Array(group.length + 1).map((_, i) => i),
          args: [stage.bptr, stage.sptr, stage.cols, stage.vals, act + nb * block.stride, block.stride, n, ldb],
        });
        nb += group.length;
        samples += sm;
        seconds += (performance.now() - t0) / 1000;
        cpuSeconds += cpuSince(c0);
      }
      let bounds = new Int32Array(nb + 1).map((_, i) => i);
      // the buffer and flags (0 or 1) the next layer reads: each layer and each repack flips it
      let par = 0;
      for (let l = 0; l < L && nb > 0; l++) {
        const tl = performance.now();
        let w = resident[l];
        if (!w) {
          const layer = l === 0 && rounds === 0 ? probe : source.layer(l);
          checkLayer(layer, l);
          if (plan.resident) w = resident[l] = upload(layer);
          else w = scratch = upload(layer, scratch ?? undefined);
        }
        const t1 = performance.now();
        const c1 = process.cpuUsage();
        layerLoadSeconds += (t1 - tl) / 1000;
        const slices = sliceCount(nb, engine.threads, n);
        if (slices === 1) {
          pool.run({
            kernel: 'challenge_fwd',
            n: nb,
            bounds,
            args: [w.ptr, w.idx, w.w, opts.bias, n, act, block.stride, ldb, ymax, par],
          });
        } else {
          // fewer batches than the threads can share: each batch's rows in slices, then its survivors packed
          const items = new Int32Array(nb * slices + 1).map((_, i) => i);
          pool.run({
            kernel: 'challenge_fwd_slices',
            n: nb * slices,
            bounds: items,
            args: [w.ptr, w.idx, w.w, opts.bias, n, act, block.stride, ldb, ymax, par, slices, sliceScratch],
          });
          pool.run({
            kernel: 'challenge_pack_slices',
            n: nb * slices,
            bounds: items,
            args: [act, block.stride, n, ldb, par, slices, sliceScratch],
          });
          madds += packSliceIds(mem.memory.buffer, act, block, n, ldb, nb, slices, sliceScratch);
        }
        const dt = (performance.now() - t1) / 1000;
        layerSeconds[l] += dt;
        seconds += dt;
        par ^= 1;
        const i32now = new Int32Array(mem.memory.buffer);
        let live = 0;
        for (let b = 0; b < nb; b++) live += i32now[(act + b * block.stride) >> 2];
        liveAfter[l] += live;
        // when inputs have died, fewer full batches do the same work with less overhead per neuron and tile
        if (l + 1 < L && Math.ceil(live / ldb) <= 0.75 * nb) {
          const t2 = performance.now();
          const r = repack(engine, act, block, n, ldb, nb, par, offsets);
          madds += r.madds;
          nb = r.batches;
          par ^= 1;
          bounds = new Int32Array(nb + 1).map((_, i) => i);
          const dt2 = (performance.now() - t2) / 1000;
          layerSeconds[l] += dt2;
          seconds += dt2;
        }
        cpuSeconds += cpuSince(c1);
      }
      const after = mem.memory.buffer;
      const i32a = new Int32Array(after);
      for (let b = 0; b < nb; b++) {
        const blk = act + b * block.stride;
        const live = i32a[blk >> 2];
        for (let c = 0; c < live; c++) categories.push(i32a[((blk + BLOCK_IDS) >> 2) + c]);
        madds += new Float64Array(after, blk + BLOCK_MADDS, 1)[0];
      }
      rounds++;
      opts.onRound?.(samples);
    }
  } finally {
    mem.free(act);
    mem.free(offsets);
    mem.free(sliceScratch);
    for (const p of [stage.bptr, stage.sptr, stage.cols, stage.vals]) mem.free(p);
    for (const w of resident) if (w) for (const p of [w.ptr, w.idx, w.w]) mem.free(p);
    if (scratch) for (const p of [scratch.ptr, scratch.idx, scratch.w]) mem.free(p);
  }
  return {
    categories: Int32Array.from(categories).sort(),
    samples,
    seconds,
    cpuSeconds,
    layerSeconds,
    layerLoadSeconds,
    madds,
    liveAfter,
    rounds,
    batch: ldb,
    batchesPerRound,
    threads: engine.threads,
    kernelBytes: plan.kernelBytes,
  };
}

function cpuSince(c: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1e6;
}

/**
 * After the sliced kernels: merges each batch's slices' marks of which samples live, packs its ids to match the rows
 * challenge_pack_slices packed, sets its live count; returns the multiply-adds the slices counted.
 */
function packSliceIds(
  buffer: ArrayBufferLike,
  act: number,
  block: ReturnType<typeof challengeBlock>,
  n: number,
  ldb: number,
  nb: number,
  slices: number,
  scratch: number,
): number {
  const i32 = new Int32Array(buffer);
  const f64 = new Float64Array(buffer);
  const item = sliceItemBytes(n, ldb);
  let madds = 0;
  for (let b = 0; b < nb; b++) {
    const blk = act + b * block.stride;
    const live = i32[blk >> 2];
    const ids = (blk + BLOCK_IDS) >> 2;
    let to = 0;
    for (let c = 0; c < live; c++) {
      let a = 0;
      for (let s = 0; s < slices; s++) a |= i32[((scratch + (b * slices + s) * item + 16) >> 2) + c];
      if (a !== 0) i32[ids + to++] = i32[ids + c];
    }
    for (let s = 0; s < slices; s++) madds += f64[(scratch + (b * slices + s) * item) >> 3];
    i32[blk >> 2] = to;
  }
  return madds;
}

/**
 * Moves the live samples of batches [0, nb) into the fewest batches that hold them, in order: the kernels move the
 * activations (buffer and flags `parity`, into the other buffer of each new batch: the caller flips the parity), the
 * host the ids and live counts. Returns the new batch count and the multiply-adds the old batches had counted (their
 * counters restart at 0). `offsets` is kernel memory for 2 (nb + 1) i32.
 */
export function repack(
  engine: Engine,
  act: number,
  block: ReturnType<typeof challengeBlock>,
  n: number,
  ldb: number,
  nb: number,
  parity: number,
  offsets: number,
): { batches: number; madds: number } {
  const buffer = engine.memory.memory.buffer;
  const i32 = new Int32Array(buffer);
  const olds = new Int32Array(nb + 1);
  const ids: number[] = [];
  let madds = 0;
  for (let b = 0; b < nb; b++) {
    const blk = act + b * block.stride;
    const md = new Float64Array(buffer, blk + BLOCK_MADDS, 1);
    madds += md[0];
    md[0] = 0;
    const live = i32[blk >> 2];
    olds[b + 1] = olds[b] + live;
    for (let c = 0; c < live; c++) ids.push(i32[((blk + BLOCK_IDS) >> 2) + c]);
  }
  const total = olds[nb];
  // the fewest full batches: evening them out over the threads instead (4 batches of about 75 rather than 112, 112
  // and 74 on 2 threads) was slower on 1024 x 1920 (6.3-6.7 s against 5.1-5.9 s at load 7, same run): partial tiles
  // and one more batch's per-neuron overhead cost more than the imbalance, which the slices take care of below 2
  // batches a thread
  const starts = new Int32Array(Math.ceil(total / ldb) + 1).map((_, t) => Math.min(total, t * ldb));
  const batches = starts.length - 1;
  for (let t = 0; t < batches; t++) {
    const blk = act + t * block.stride;
    i32[blk >> 2] = starts[t + 1] - starts[t];
    for (let s = starts[t]; s < starts[t + 1]; s++) i32[((blk + BLOCK_IDS) >> 2) + s - starts[t]] = ids[s];
  }
  if (batches === 0) return { batches, madds };
  i32.set(starts, offsets >> 2);
  i32.set(olds, (offsets >> 2) + nb + 1);
  engine.pool.run({
    kernel: 'challenge_repack',
    n: batches,
    bounds: new Int32Array(batches + 1).map((_, i) => i),
    args: [offsets, offsets + 4 * (nb + 1), nb, act, block.stride, n, ldb, parity],
  });
  return { batches, madds };
}
