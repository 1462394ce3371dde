// Running the CLI in-process with captured streams (the gh way), and through the real binary where the process
// itself is the point (exit status, signals, pipes).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Io, type Streams } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';

/** What one invocation printed and its exit code. */
export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Streams that keep what is written, with an environment of our own (CI unset unless given). */
export function captureStreams(
  opts: { tty?: boolean; env?: Record<string, string | undefined> } = {},
): Streams & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s), isTTY: false },
    stderr: { write: (s: string) => (err += s), isTTY: opts.tty ?? false },
    env: opts.env ?? {},
    out: () => out,
    err: () => err,
  };
}

/** An Io over captured streams, for calling a command's run function directly. */
export function captureIo(
  opts: { json?: boolean; command?: string } = {},
): Io & { out: () => string; err: () => string } {
  const streams = captureStreams();
  const io = new Io(streams);
  io.json = opts.json ?? false;
  io.command = opts.command ?? 'test';
  return Object.assign(io, { out: streams.out, err: streams.err });
}

/** The whole CLI in this process: `radixnet ...args`. */
export async function runIn(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const streams = captureStreams({ env });
  const status = await runCli(args, streams);
  return { status, stdout: streams.out(), stderr: streams.err() };
}

/** The real executable in a child process. */
export const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export function runBinary(
  args: string[],
  env: Record<string, string | undefined> = { ...process.env, CI: '1' },
): CliResult {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 120000, env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The data of a --json envelope, after checking the envelope says ok. */
export function jsonData<T = Record<string, unknown>>(stdout: string): T {
  const lines = stdout.trim().split('\n');
  if (lines.length !== 1) throw new Error(`--json printed ${lines.length} lines:\n${stdout}`);
  const envelope = JSON.parse(lines[0]) as { ok: boolean; data: T };
  if (!envelope.ok) throw new Error(`--json envelope is not ok: ${lines[0]}`);
  return envelope.data;
}
