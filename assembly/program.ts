// A kernel program: a list of kernel calls, one record each (assembly/calls.ts, generated from the kernel table), run
// in order by one call from the host. See index.ts for the ABI.
//
// Why: a training step of a sparse net is a dozen short kernel calls; crossing from JS into wasm for each, and the
// JS that prepares each, cost about as much as the arithmetic of a 96%-sparse step. The host builds the step's
// records once per model and batch size and then makes one call per step. Each record calls the same function with
// the same arguments as a separate call would, so the results are the same bits.
import { callRecord, RECORD_WORDS } from './calls';

// run_program: records prog[0..count), each RECORD_WORDS words, called in order.
export function run_program(prog: usize, count: i32): void {
  const stride = <usize>RECORD_WORDS << 2;
  for (let i = 0; i < count; i++) callRecord(prog + <usize>i * stride);
}
