// One-line notices for a runtime that lacks something the fast path uses (relaxed SIMD, worker threads, Atomics.wait
// on the main thread): the engine falls back and says so once per process on stderr, never crashes. Collected too,
// so that a caller (the runtime matrix, a test) can read what this process fell back from.

const given: string[] = [];

/** Prints `radixnet: <message>` on stderr, once per distinct message per process. */
export function notice(message: string): void {
  if (given.includes(message)) return;
  given.push(message);
  process.stderr.write(`radixnet: ${message}\n`);
}

/** The notices this process has printed, in order. */
export function notices(): readonly string[] {
  return given;
}

/** The runtime in words, for notices: "Node 22.1.0", "Bun 1.2.3", "Deno 2.1.0". */
export function runtimeName(): string {
  const v = process.versions;
  return v.bun ? `Bun ${v.bun}` : v.deno ? `Deno ${v.deno}` : `Node ${v.node}`;
}
