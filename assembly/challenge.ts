// Sparse DNN inference in the Graph Challenge's form (docs/graph-challenge.md): one layer Y = min(max(Y W + b, 0), ymax)
// where Y W is nonzero, over many independent batches of inputs, each batch in its own block of memory (the batch
// index is the kernel's outer range, so a thread pool splits a layer over batches and threads never share a block).
//
// Why this shape: inputs die (a sample whose activations are all zero stays zero for good, since the kernel adds the
// bias only where the product is nonzero) and neurons die (a neuron zero for every live sample of a batch). So each
// batch keeps its live samples packed at the front of its columns (compacted after a layer kills some, the sample ids
// permuted alike), and one byte per neuron says whether its row holds anything: a nonzero of a dead input row is
// skipped without loading the row, and an output whose inputs are all dead is neither computed nor stored (its row
// keeps stale values, which nothing reads: every reader checks the flag first). Bias, ReLU and the clamp are fused
// into the store, and the same pass marks which samples and which neurons are still alive. Sums run in nonzero order
// per element, so the split over threads never changes a bit.
//
// The block of batch b starts at act + b * stride (host: src/engine/challenge.ts, challengeBlock, the same layout):
//   0      i32 live samples (columns 0..live-1 of every live row; columns live..ceil4(live)-1 are zero)
//   8      f64 multiply-adds done so far (4 per vector step: the work the kernel did, against the edges counted)
//   64     ids   i32 [ldb]  the original index of each column's sample
//   +4ldb  any   i32 [ldb]  scratch: per column, whether the layer's output has a nonzero
//   +8ldb  flags u8 [2][n16] (n16 = n rounded up to 16): row live flags, flags[parity] of the input, the other of the output
//   then   list (i32, f32) [n16]: scratch, one output row's live inputs (byte offset of the row, weight)
//   then   buffers f32 [2][n][ldb]: buffers[parity] is the input, the other the output
import { madd } from './madd';
import { vec } from './reduce';

@inline function n16(n: usize): usize {
  return (n + 15) & ~(<usize>15);
}

// The fused store of `acc` (the product, no bias yet) at out: zero where the product is zero, else
// min(max(acc + bias, 0), ymax); returns the lanes that are nonzero (all ones) and ors them into `any`.
@inline function finish(acc: v128, bias: v128, ymax: v128, out: usize, any: usize): v128 {
  const y = f32x4.min(f32x4.max(f32x4.add(acc, bias), f32x4.splat(0)), ymax);
  const nz = f32x4.ne(acc, f32x4.splat(0));
  const v = v128.and(y, nz);
  v128.store(out, v);
  const live = f32x4.ne(v, f32x4.splat(0));
  v128.store(any, v128.or(v128.load(any), live));
  return live;
}

// One output row over 7 batch vectors (28 columns) from the row's live inputs, listed as (byte offset of the input row,
// weight) pairs at list..list+8cnt: 7 accumulators, 7 loads and the weight's splat fill the 15 allocatable xmm
// registers, as in spmm.ts's fwdTile1x7.
@inline function tile7(list: usize, end: usize, xin: usize, bias: v128, ymax: v128, out: usize, any: usize): v128 {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0;
  for (let p = list; p < end; p += 8) {
    const xp = xin + <usize>load<i32>(p);
    const s = v128.load32_splat(p, 4);
    a0 = madd(s, v128.load(xp, 0), a0);
    a1 = madd(s, v128.load(xp, 16), a1);
    a2 = madd(s, v128.load(xp, 32), a2);
    a3 = madd(s, v128.load(xp, 48), a3);
    a4 = madd(s, v128.load(xp, 64), a4);
    a5 = madd(s, v128.load(xp, 80), a5);
    a6 = madd(s, v128.load(xp, 96), a6);
  }
  let r = finish(a0, bias, ymax, out, any);
  r = v128.or(r, finish(a1, bias, ymax, out + 16, any + 16));
  r = v128.or(r, finish(a2, bias, ymax, out + 32, any + 32));
  r = v128.or(r, finish(a3, bias, ymax, out + 48, any + 48));
  r = v128.or(r, finish(a4, bias, ymax, out + 64, any + 64));
  r = v128.or(r, finish(a5, bias, ymax, out + 80, any + 80));
  return v128.or(r, finish(a6, bias, ymax, out + 96, any + 96));
}

// The same over 3 batch vectors.
@inline function tile3(list: usize, end: usize, xin: usize, bias: v128, ymax: v128, out: usize, any: usize): v128 {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0;
  for (let p = list; p < end; p += 8) {
    const xp = xin + <usize>load<i32>(p);
    const s = v128.load32_splat(p, 4);
    a0 = madd(s, v128.load(xp, 0), a0);
    a1 = madd(s, v128.load(xp, 16), a1);
    a2 = madd(s, v128.load(xp, 32), a2);
  }
  let r = finish(a0, bias, ymax, out, any);
  r = v128.or(r, finish(a1, bias, ymax, out + 16, any + 16));
  return v128.or(r, finish(a2, bias, ymax, out + 32, any + 32));
}

// The same over 1 batch vector.
@inline function tile1(list: usize, end: usize, xin: usize, bias: v128, ymax: v128, out: usize, any: usize): v128 {
  let a0 = f32x4.splat(0);
  for (let p = list; p < end; p += 8) a0 = madd(v128.load32_splat(p, 4), v128.load(xin + <usize>load<i32>(p)), a0);
  return finish(a0, bias, ymax, out, any);
}

// Output rows [j0, j1) of one batch of nv live vectors: each row's live inputs listed at `list` (dead rows skipped
// once here, not in every tile), its tiles computed and stored, its flag in fout set; returns the multiply-adds.
@inline function fwdRows(j0: usize, j1: usize, ptr: usize, idx: usize, w: usize, fin: usize, fout: usize, xin: usize,
  xout: usize, list: usize, any: usize, nv: usize, ld: usize, vb: v128, vmax: v128): f64 {
  let madds: f64 = 0;
  for (let j = j0; j < j1; j++) {
    const k0 = <usize>load<i32>(ptr + (j << 2));
    const k1 = <usize>load<i32>(ptr + (j << 2) + 4);
    // the row's live inputs as (row offset, weight) pairs: dead rows are skipped once here, not in every tile
    let end = list;
    for (let k = k0; k < k1; k++) {
      const i = <usize>load<i32>(idx + (k << 2));
      if (load<u8>(fin + i) == 0) continue;
      store<i32>(end, <i32>(i * ld));
      store<f32>(end, load<f32>(w + (k << 2)), 4);
      end += 8;
    }
    if (end == list) {
      store<u8>(fout + j, 0);
      continue;
    }
    madds += <f64>((end - list) >> 3) * <f64>(nv << 2);
    const out = xout + j * ld;
    let r = v128.splat<i32>(0);
    let v: usize = 0;
    for (; v + 7 <= nv; v += 7) r = v128.or(r, tile7(list, end, xin + vec(v), vb, vmax, out + vec(v), any + vec(v)));
    for (; v + 3 <= nv; v += 3) r = v128.or(r, tile3(list, end, xin + vec(v), vb, vmax, out + vec(v), any + vec(v)));
    for (; v < nv; v++) r = v128.or(r, tile1(list, end, xin + vec(v), vb, vmax, out + vec(v), any + vec(v)));
    store<u8>(fout + j, v128.any_true(r) ? 1 : 0);
  }
  return madds;
}

// Packs the survivors (columns c < live with any[c] != 0) to the front of the live rows [j0, j1) of xout and zeroes the
// freed lanes of the last vector, so that the next layer's vectors hold live samples only.
@inline function packRows(j0: usize, j1: usize, fout: usize, xout: usize, any: usize, live: usize, ld: usize): void {
  for (let j = j0; j < j1; j++) {
    if (load<u8>(fout + j) == 0) continue;
    const row = xout + j * ld;
    let to: usize = 0;
    for (let c: usize = 0; c < live; c++) {
      if (load<i32>(any + (c << 2)) == 0) continue;
      store<f32>(row + (to << 2), load<f32>(row + (c << 2)));
      to++;
    }
    for (; (to & 3) != 0; to++) store<f32>(row + (to << 2), 0);
  }
}

// challenge_fwd(b0, b1, ptr, idx, w, bias, n, act, stride, ldb, ymax, parity): one layer for batches [b0, b1).
// Layer: CSR over outputs (ptr (n+1) i32, idx (nnz) i32 input neurons, w (nnz) f32), one bias for every neuron.
export function challenge_fwd(b0: i32, b1: i32, ptr: usize, idx: usize, w: usize, bias: f32, n: i32, act: usize,
  stride: usize, ldb: i32, ymax: f32, parity: i32): void {
  const nn = <usize>n;
  const ld = <usize>ldb << 2;
  const vb = f32x4.splat(bias);
  const vmax = f32x4.splat(ymax);
  for (let b = b0; b < b1; b++) {
    const blk = act + <usize>b * stride;
    const live = load<i32>(blk);
    const ids = blk + 64;
    const any = ids + ld;
    const flags0 = any + ld;
    const list = flags0 + 2 * n16(nn);
    const bufs = list + 8 * n16(nn);
    const fin = flags0 + (parity ? n16(nn) : 0);
    const fout = flags0 + (parity ? 0 : n16(nn));
    const xin = bufs + (parity ? nn * ld : 0);
    const xout = bufs + (parity ? 0 : nn * ld);
    if (live == 0) {
      memory.fill(fout, 0, nn);
      continue;
    }
    const nv = <usize>((live + 3) >> 2);
    memory.fill(any, 0, vec(nv));
    const madds = fwdRows(0, nn, ptr, idx, w, fin, fout, xin, xout, list, any, nv, ld, vb, vmax);
    store<f64>(blk + 8, load<f64>(blk + 8) + madds);
    // samples that died: pack the survivors to the front of every live row (and of ids)
    let keep = 0;
    for (let c = 0; c < live; c++) if (load<i32>(any + (<usize>c << 2)) != 0) keep++;
    if (keep == live) continue;
    packRows(0, nn, fout, xout, any, <usize>live, ld);
    let to: usize = 0;
    for (let c: usize = 0; c < <usize>live; c++) {
      if (load<i32>(any + (c << 2)) == 0) continue;
      store<i32>(ids + (to << 2), load<i32>(ids + (c << 2)));
      to++;
    }
    store<i32>(blk, keep);
  }
}

// The bytes of one item's scratch in the sliced kernels: its multiply-adds (f64, padded to 16), its `any` (ldb i32),
// its list of one row's live inputs (n16 (i32, f32) pairs), at least ldb i32 (the pack's merged `any`).
@inline function sliceItemBytes(nn: usize, ld: usize): usize {
  return 16 + ld + max(8 * n16(nn), ld);
}

// challenge_fwd_slices(g0, g1, ptr, idx, w, bias, n, act, stride, ldb, ymax, parity, slices, scratch): the same layer
// when there are fewer batches than threads can share: item g is batch g / slices, its output rows
// [s n / slices, (s+1) n / slices) for s = g mod slices, with its own list, `any` and multiply-add count in
// scratch + g * sliceItemBytes, so that several threads work on one batch. It does not pack the survivors:
// challenge_pack_slices does, once every slice of the batch has marked its samples, and the host moves the ids.
export function challenge_fwd_slices(g0: i32, g1: i32, ptr: usize, idx: usize, w: usize, bias: f32, n: i32,
  act: usize, stride: usize, ldb: i32, ymax: f32, parity: i32, slices: i32, scratch: usize): void {
  const nn = <usize>n;
  const ld = <usize>ldb << 2;
  const vb = f32x4.splat(bias);
  const vmax = f32x4.splat(ymax);
  const item = sliceItemBytes(nn, ld);
  for (let g = g0; g < g1; g++) {
    const b = g / slices;
    const s = g % slices;
    const j0 = <usize>s * nn / <usize>slices;
    const j1 = <usize>(s + 1) * nn / <usize>slices;
    const blk = act + <usize>b * stride;
    const live = load<i32>(blk);
    const flags0 = blk + 64 + 2 * ld;
    const bufs = flags0 + 10 * n16(nn);
    const fin = flags0 + (parity ? n16(nn) : 0);
    const fout = flags0 + (parity ? 0 : n16(nn));
    const xin = bufs + (parity ? nn * ld : 0);
    const xout = bufs + (parity ? 0 : nn * ld);
    const mine = scratch + <usize>g * item;
    const any = mine + 16;
    store<f64>(mine, 0);
    if (live == 0) {
      memory.fill(fout + j0, 0, j1 - j0);
      continue;
    }
    const nv = <usize>((live + 3) >> 2);
    memory.fill(any, 0, vec(nv));
    store<f64>(mine, fwdRows(j0, j1, ptr, idx, w, fin, fout, xin, xout, any + ld, any, nv, ld, vb, vmax));
  }
}

// challenge_pack_slices(g0, g1, act, stride, n, ldb, parity, slices, scratch): after challenge_fwd_slices (same
// parity, slices and scratch), item g merges the `any` of every slice of its batch into its own scratch and packs the
// survivors to the front of its slice's output rows. The host then packs the ids and sets the live count.
export function challenge_pack_slices(g0: i32, g1: i32, act: usize, stride: usize, n: i32, ldb: i32, parity: i32,
  slices: i32, scratch: usize): void {
  const nn = <usize>n;
  const ld = <usize>ldb << 2;
  const item = sliceItemBytes(nn, ld);
  for (let g = g0; g < g1; g++) {
    const b = g / slices;
    const s = g % slices;
    const j0 = <usize>s * nn / <usize>slices;
    const j1 = <usize>(s + 1) * nn / <usize>slices;
    const blk = act + <usize>b * stride;
    const live = <usize>load<i32>(blk);
    if (live == 0) continue;
    const flags0 = blk + 64 + 2 * ld;
    const bufs = flags0 + 10 * n16(nn);
    const fout = flags0 + (parity ? 0 : n16(nn));
    const xout = bufs + (parity ? 0 : nn * ld);
    const merged = scratch + <usize>g * item + 16 + ld;
    const first = scratch + <usize>(b * slices) * item + 16;
    let keep: usize = 0;
    for (let c: usize = 0; c < live; c++) {
      let a = 0;
      for (let t: usize = 0; t < <usize>slices; t++) a |= load<i32>(first + t * item + (c << 2));
      store<i32>(merged + (c << 2), a);
      if (a != 0) keep++;
    }
    if (keep == live) continue;
    packRows(j0, j1, fout, xout, merged, live, ld);
  }
}

// challenge_load(k0, k1, bptr, sptr, cols, vals, act, stride, n, ldb): lays out staged inputs, batch k into the block
// at act + k * stride: its samples are bptr[k]..bptr[k+1]-1 of the stage, sample s's pixels cols/vals[sptr[s]..
// sptr[s+1]) (0-based neurons, checked by the host). Rows a sample touches are zeroed once and flagged live in the
// input flags (parity 0), every other row flagged dead; the live count is set and the multiply-add count zeroed. The
// host writes the sample ids. In the kernel, so that laying out a round runs on every thread, not the host's one.
export function challenge_load(k0: i32, k1: i32, bptr: usize, sptr: usize, cols: usize, vals: usize, act: usize,
  stride: usize, n: i32, ldb: i32): void {
  const nn = <usize>n;
  const ld = <usize>ldb << 2;
  for (let k = k0; k < k1; k++) {
    const blk = act + <usize>k * stride;
    const s0 = load<i32>(bptr + (<usize>k << 2));
    const s1 = load<i32>(bptr + (<usize>k << 2) + 4);
    const flags = blk + 64 + 2 * ld;
    const bufs = flags + 10 * n16(nn);
    memory.fill(flags, 0, 2 * n16(nn));
    for (let s = s0; s < s1; s++) {
      const c = <usize>(s - s0) << 2;
      const p1 = <usize>load<i32>(sptr + (<usize>s << 2) + 4);
      for (let p = <usize>load<i32>(sptr + (<usize>s << 2)); p < p1; p++) {
        const i = <usize>load<i32>(cols + (p << 2));
        const row = bufs + i * ld;
        if (load<u8>(flags + i) == 0) {
          store<u8>(flags + i, 1);
          memory.fill(row, 0, ld);
        }
        store<f32>(row + c, load<f32>(vals + (p << 2)));
      }
    }
    store<i32>(blk, s1 - s0);
    store<f64>(blk + 8, 0);
  }
}

// challenge_repack(t0, t1, starts, olds, nbOld, act, stride, n, ldb, parity): moves the live samples of batches
// [0, nbOld) (their activations in buffer and flags `parity`) into new batches t in [t0, t1) (buffer and flags
// 1 - parity, which no batch reads now): new batch t takes the samples starts[t]..starts[t+1]-1 of the round in order,
// where old batch b holds samples olds[b]..olds[b+1]-1 at its columns 0.. . A new row is live where it was live in any
// old batch that goes into it; columns of a sample whose old row was dead get zeros, and the last vector is
// zero-padded. Each new batch writes only its own block's other buffer and flags, so batches run on any thread; the
// host moves the ids and live counts (a few ints) and flips the parity.
export function challenge_repack(t0: i32, t1: i32, starts: usize, olds: usize, nbOld: i32, act: usize, stride: usize,
  n: i32, ldb: i32, parity: i32): void {
  const nn = <usize>n;
  const ld = <usize>ldb << 2;
  const fl = 64 + 2 * ld;
  const fin = fl + (parity ? n16(nn) : 0);
  const fout = fl + (parity ? 0 : n16(nn));
  const xin = fl + 10 * n16(nn) + (parity ? nn * ld : 0);
  const xout = fl + 10 * n16(nn) + (parity ? 0 : nn * ld);
  for (let t = t0; t < t1; t++) {
    const blk = act + <usize>t * stride;
    const s0 = load<i32>(starts + (<usize>t << 2));
    const s1 = load<i32>(starts + (<usize>t << 2) + 4);
    // the old batches [bf, bl] that hold samples s0..s1-1
    let bf = 0;
    while (bf < nbOld && load<i32>(olds + (<usize>bf << 2) + 4) <= s0) bf++;
    let bl = bf;
    while (bl + 1 < nbOld && load<i32>(olds + (<usize>bl << 2) + 4) < s1) bl++;
    const pad = <usize>((s1 - s0 + 3) & ~3);
    for (let j: usize = 0; j < nn; j++) {
      let live = false;
      for (let b = bf; b <= bl; b++) if (load<u8>(act + <usize>b * stride + fin + j) != 0) live = true;
      store<u8>(blk + fout + j, live ? 1 : 0);
      if (!live) continue;
      const row = blk + xout + j * ld;
      for (let b = bf; b <= bl; b++) {
        const o0 = load<i32>(olds + (<usize>b << 2));
        const o1 = load<i32>(olds + (<usize>b << 2) + 4);
        const a = <usize>(max(s0, o0) - o0);
        const m = <usize>(min(s1, o1) - o0) - a;
        const d = <usize>(o0 + <i32>a - s0) << 2;
        const src = act + <usize>b * stride;
        if (load<u8>(src + fin + j) != 0) memory.copy(row + d, src + xin + j * ld + (a << 2), m << 2);
        else memory.fill(row + d, 0, m << 2);
      }
      memory.fill(row + (<usize>(s1 - s0) << 2), 0, (pad - <usize>(s1 - s0)) << 2);
    }
  }
}
