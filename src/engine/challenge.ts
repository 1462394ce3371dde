// Graph Challenge inference on the kernels (assembly/challenge.ts): inputs in rounds of up to 128 batches, each batch
// a block of kernel memory that one thread carries through a layer at a time (one dispatch per layer, split over the
// batches), so threads share nothing but the layer. Layers come from a LayerSource one at a time: they stay resident
// when all of them fit the layer budget, else each round asks for each layer again (regenerated from the formula or
// read from its file), so memory is bounded by one round's blocks plus one layer (challengeMemory).
import { InputError } from '../errors.js';
import type { SparseImage } from '../data/challenge-inputs.js';
import { KERNEL_MEMORY_BYTES, formatBytes } from '../topology/cost.js';
import type { ChallengeLayer } from '../topology/challenge-net.js';
import { MAX_CHUNKS } from '../kernels/dispatch.js';
import { Engine } from './engine.js';
import { challengeBlock, BLOCK_IDS, BLOCK_MADDS } from '../kernels/challenge-block.js';

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
  opts: Pick<ChallengeInferOptions, 'batch' | 'roundBytes' | 'residentBytes'> = {},
): {
  batch: number;
  batchesPerRound: number;
  blockBytes: number;
  layerBytes: number;
  resident: boolean;
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
  return {
    batch,
    batchesPerRound,
    blockBytes: stride * batchesPerRound,
    layerBytes: lb,
    resident,
    kernelBytes: stride * batchesPerRound + lb,
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
  const act = mem.alloc(block.stride * batchesPerRound, 64, false);
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
  try {
    while (!pending.done) {
      // lay out one round: batch after batch, each sample's pixels set in the rows it touches (others flagged dead)
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const buf = mem.memory.buffer;
      const i32 = new Int32Array(buf);
      const f32 = new Float32Array(buf);
      const u8 = new Uint8Array(buf);
      let nb = 0;
      while (nb < batchesPerRound && !pending.done) {
        const blk = act + nb * block.stride;
        const flags = blk + block.flags;
        const bufs = blk + block.bufs;
        u8.fill(0, flags, flags + 2 * block.flagBytes);
        let live = 0;
        while (live < ldb && !pending.done) {
          const im = pending.value;
          pending = it.next();
          if (im.cols.length === 0) continue;
          for (let k = 0; k < im.cols.length; k++) {
            const i = im.cols[k];
            if (i < 0 || i >= n) throw new InputError(`input row ${im.row + 1} has neuron ${i + 1}, outside 1..${n}`);
            const row = (bufs >> 2) + i * ldb;
            if (u8[flags + i] === 0) {
              u8[flags + i] = 1;
              f32.fill(0, row, row + ldb);
            }
            f32[row + live] = im.vals[k];
          }
          i32[((blk + BLOCK_IDS) >> 2) + live] = im.row;
          live++;
        }
        i32[blk >> 2] = live;
        new Float64Array(buf, blk + BLOCK_MADDS, 1)[0] = 0;
        samples += live;
        nb++;
      }
      seconds += (performance.now() - t0) / 1000;
      cpuSeconds += cpuSince(c0);
      let bounds = new Int32Array(nb + 1).map((_, i) => i);
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
        pool.run({
          kernel: 'challenge_fwd',
          n: nb,
          bounds,
          args: [w.ptr, w.idx, w.w, opts.bias, n, act, block.stride, ldb, ymax, l & 1],
        });
        const dt = (performance.now() - t1) / 1000;
        layerSeconds[l] += dt;
        seconds += dt;
        const i32now = new Int32Array(mem.memory.buffer);
        let live = 0;
        for (let b = 0; b < nb; b++) live += i32now[(act + b * block.stride) >> 2];
        liveAfter[l] += live;
        // when inputs have died, fewer full batches do the same work with less overhead per neuron and tile
        if (l + 1 < L && Math.ceil(live / ldb) <= 0.75 * nb) {
          const t2 = performance.now();
          const r = repack(mem.memory.buffer, act, block, n, ldb, nb, (l + 1) & 1);
          madds += r.madds;
          nb = r.batches;
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
 * Moves the live samples of batches [0, nb) into as few batches as they fill, in order, with their ids, row flags and
 * the rows of the activations the next layer reads (buffer and flags `parity`); returns the new batch count and the
 * multiply-adds the batches had counted (their counters restart at 0). A row of a new batch is live where it was live
 * in any batch that went into it; columns of a sample from a batch where the row was dead get zeros.
 */
export function repack(
  buffer: ArrayBufferLike,
  act: number,
  block: ReturnType<typeof challengeBlock>,
  n: number,
  ldb: number,
  nb: number,
  parity: number,
): { batches: number; madds: number } {
  const i32 = new Int32Array(buffer);
  const f32 = new Float32Array(buffer);
  const u8 = new Uint8Array(buffer);
  let madds = 0;
  // copy every batch's survivors out first: the new batches overwrite the old blocks
  const parts: { live: number; ids: Int32Array; rows: Int32Array; data: Float32Array }[] = [];
  for (let b = 0; b < nb; b++) {
    const blk = act + b * block.stride;
    const md = new Float64Array(buffer, blk + BLOCK_MADDS, 1);
    madds += md[0];
    md[0] = 0;
    const live = i32[blk >> 2];
    if (live === 0) continue;
    const flags = blk + block.flags + parity * block.flagBytes;
    const rows: number[] = [];
    for (let r = 0; r < n; r++) if (u8[flags + r]) rows.push(r);
    const data = new Float32Array(rows.length * live);
    const base = ((blk + block.bufs) >> 2) + parity * n * ldb;
    rows.forEach((r, k) => data.set(f32.subarray(base + r * ldb, base + r * ldb + live), k * live));
    parts.push({
      live,
      ids: i32.slice((blk + BLOCK_IDS) >> 2, ((blk + BLOCK_IDS) >> 2) + live),
      rows: Int32Array.from(rows),
      data,
    });
  }
  const total = parts.reduce((a, p) => a + p.live, 0);
  const batches = Math.ceil(total / ldb);
  // sample s of the round goes to batch floor(s / ldb), column s mod ldb
  let s = 0;
  for (let t = 0; t < batches; t++) {
    const blk = act + t * block.stride;
    const flags = blk + block.flags + parity * block.flagBytes;
    u8.fill(0, flags, flags + n);
    i32[blk >> 2] = Math.min(ldb, total - t * ldb);
  }
  for (const p of parts) {
    for (let c = 0; c < p.live; c++, s++) {
      const t = Math.floor(s / ldb);
      const col = s % ldb;
      const blk = act + t * block.stride;
      const flags = blk + block.flags + parity * block.flagBytes;
      const base = ((blk + block.bufs) >> 2) + parity * n * ldb;
      i32[((blk + BLOCK_IDS) >> 2) + col] = p.ids[c];
      for (let k = 0; k < p.rows.length; k++) {
        const r = p.rows[k];
        if (u8[flags + r] === 0) {
          u8[flags + r] = 1;
          f32.fill(0, base + r * ldb, base + (r + 1) * ldb);
        }
        f32[base + r * ldb + col] = p.data[k * p.live + c];
      }
    }
  }
  return { batches, madds };
}
