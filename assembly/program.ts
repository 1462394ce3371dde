// A kernel program: a list of kernel calls, one record each (assembly/calls.ts, generated from the kernel table), run
// in order by one call from the host. See index.ts for the ABI.
//
// Why: a training step of a sparse net is a dozen short kernel calls; crossing from JS into wasm for each, and the
// JS that prepares each, cost about as much as the arithmetic of a 96%-sparse step. The host builds the step's
// records once per model and batch size and then makes one call per step. Each record calls the same function with
// the same arguments as a separate call would, so the results are the same bits.
//
// With threads, every thread runs the same program (run_program_mt, one pool dispatch per step instead of one per
// layer and direction): each record's range is cut into the chunks the pool would cut it into, threads claim chunks
// with an atomic counter, and a barrier in shared memory (spinning on the done counters) stands where the pool would
// start a new dispatch. A thread that finds no chunk left passes on, so one thread alone finishes the program: a
// thread that never arrives delays nothing. Chunks split a kernel's outer loop only, so any split gives the same bits.
//
// A trap (an out-of-bounds access, say) in one thread's record unwinds that thread out of wasm with its chunk never
// counted done, so the others would wait at the next barrier forever. The host that catches the trap sets the
// program's abort word (ctl[2 count], src/kernels/program-abort.ts); a thread checks it while it waits at a barrier and
// returns, so the dispatch ends and the pool reports the error. (Only a barrier waits: a thread elsewhere finishes.)
import { callRecord, RECORD_WORDS } from './calls';

// run_program: records prog[0..count), each RECORD_WORDS words, called in order over their whole range.
export function run_program(prog: usize, count: i32): void {
  const stride = <usize>RECORD_WORDS << 2;
  for (let i = 0; i < count; i++) {
    const r = prog + <usize>i * stride;
    callRecord(r, load<i32>(r, 4), load<i32>(r, 8));
  }
}

/** Words of one record's schedule: chunk count, barrier flag, then up to 128 + 1 chunk bounds. */
const SCHED_WORDS: usize = 2 + 129;

// run_program_mt: see the ABI; t0, t1 (the pool's slots) do not change what a thread does.
export function run_program_mt(t0: i32, t1: i32, prog: usize, count: i32, sched: usize, ctl: usize): void {
  const stride = <usize>RECORD_WORDS << 2;
  let from = 0; // first record since the last barrier
  const abort = ctl + (<usize>count << 3);
  for (let t = 0; t < count; t++) {
    const s = sched + <usize>t * (SCHED_WORDS << 2);
    const chunks = load<i32>(s);
    const claim = ctl + (<usize>t << 3);
    for (;;) {
      const c = atomic.add<i32>(claim, 1);
      if (c >= chunks) break;
      callRecord(prog + <usize>t * stride, load<i32>(s + (<usize>c << 2), 8), load<i32>(s + (<usize>c << 2), 12));
      atomic.add<i32>(claim, 1, 4);
    }
    if (load<i32>(s, 4) !== 0) {
      for (let j = from; j <= t; j++) {
        const want = load<i32>(sched + <usize>j * (SCHED_WORDS << 2));
        while (atomic.load<i32>(ctl + (<usize>j << 3), 4) < want) {
          if (atomic.load<i32>(abort) !== 0) return;
        }
      }
      from = t + 1;
    }
  }
}
