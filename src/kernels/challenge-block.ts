// The memory of one batch of the Graph Challenge kernel (assembly/challenge.ts, challenge_fwd), where the host writes
// a batch's inputs and reads its survivors: the same layout as the kernel's header comment.
/** Byte offsets in a batch block: the live count at 0, the multiply-add count (f64) at 8, ids at 64. */
export const BLOCK_LIVE = 0;
export const BLOCK_MADDS = 8;
export const BLOCK_IDS = 64;

/** The layout of one batch block of `neurons` rows by `ldb` samples: its byte size, where its flags and buffers start. */
export function challengeBlock(
  neurons: number,
  ldb: number,
): { stride: number; flags: number; flagBytes: number; bufs: number } {
  const n16 = (neurons + 15) & ~15;
  const flags = BLOCK_IDS + 8 * ldb;
  // then the scratch list of one row's live inputs (8 bytes per neuron), then the two buffers (16-byte aligned,
  // as ldb is a multiple of 4)
  const bufs = flags + 2 * n16 + 8 * n16;
  const stride = Math.ceil((bufs + 2 * neurons * ldb * 4) / 64) * 64;
  return { stride, flags, flagBytes: n16, bufs };
}

/** Bytes of one item's scratch in the sliced kernels (assembly/challenge.ts, sliceItemBytes). */
export function sliceItemBytes(neurons: number, ldb: number): number {
  return 16 + 4 * ldb + Math.max(8 * ((neurons + 15) & ~15), 4 * ldb);
}
