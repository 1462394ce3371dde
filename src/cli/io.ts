// The one place the CLI meets the terminal: which stream a line goes to, whether stderr is a terminal (progress bars)
// or a log (plain lines), the --json envelope, the exit code, and how an error is shown. Commands never touch
// process.stdout, console or process.exitCode; they get an Io, so tests run them in-process with captured streams.
import { SingleBar, Presets } from 'cli-progress';
import { CommanderError } from 'commander';
import { InputError } from '../errors.js';

/** What the CLI writes to: process.stdout/stderr, or strings captured by a test. */
export interface OutStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** The streams and environment one invocation runs with. */
export interface Streams {
  stdout: OutStream;
  stderr: OutStream;
  env: Record<string, string | undefined>;
}

/** Exit codes: 0 ok, 1 a run or check that failed (or an internal error), 2 bad input or usage. */
export const EXIT = { ok: 0, failed: 1, input: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * The --json envelope: stdout holds exactly one line of it, whether the command succeeded or not. `data` is the
 * command's result (also present on a failed check, e.g. merge's report when runs are missing); `error` is present
 * exactly when `ok` is false.
 */
export interface JsonEnvelope<T = unknown> {
  command: string;
  ok: boolean;
  data?: T;
  error?: { kind: 'input' | 'usage' | 'failed' | 'internal'; message: string; exitCode: ExitCode };
}

/** A progress bar on an interactive stderr. */
export interface Bar {
  update(value: number, total: number, fields: Record<string, string>): void;
  stop(): void;
}

/** One invocation's view of the terminal. */
export class Io {
  /** The command being run, as typed ("topology", "draw heatmap"); names the --json envelope. */
  command = 'radixnet';
  /** --json: stdout carries the envelope only; narration moves to stderr. */
  json = false;
  /** --debug: errors print their stack trace. */
  debug = false;
  exitCode: ExitCode = EXIT.ok;
  private answered = false;

  constructor(readonly streams: Streams) {}

  /** Progress bars only on a terminal, and not in CI logs (which show every redraw as a line). */
  get interactive(): boolean {
    return Boolean(this.streams.stderr.isTTY) && !this.streams.env.CI && !this.json;
  }

  /** Narration (what was loaded, each epoch, what was written): stdout, or stderr under --json. */
  info(line: string): void {
    (this.json ? this.streams.stderr : this.streams.stdout).write(line + '\n');
  }

  /** A line that is never part of the result (progress lines, JSON progress events): always stderr. */
  note(line: string): void {
    this.streams.stderr.write(line + '\n');
  }

  /** `radixnet: warning: ...` on stderr (a library's "warning: ..." text is taken as it is). */
  warn(message: string): void {
    this.streams.stderr.write(`radixnet: warning: ${message.replace(/^warning: /, '')}\n`);
  }

  /** The command's result: the envelope under --json, else `text` (lines, or a function making them) on stdout. */
  result<T>(data: T, text: string | string[] | ((data: T) => string | string[])): void {
    this.answer({ command: this.command, ok: true, data }, data, text);
  }

  /**
   * A run or check that failed (exit 1): its result is still shown (the envelope carries it as `data`), then the
   * reason as a one-line error on stderr.
   */
  fail<T>(message: string, data: T, text: string | string[] | ((data: T) => string | string[])): void {
    this.answer(
      { command: this.command, ok: false, data, error: { kind: 'failed', message, exitCode: EXIT.failed } },
      data,
      text,
    );
    this.streams.stderr.write(`radixnet: ${message}\n`);
    this.exitCode = EXIT.failed;
  }

  /**
   * Shows an error that ended the command and sets the exit code: InputError is the user's to fix (exit 2, one
   * line), a usage error was already printed by commander (exit 2), anything else is ours (exit 1, the stack with
   * --debug). Under --json the envelope says the same on stdout.
   */
  error(err: unknown): void {
    if (err instanceof CommanderError) {
      // commander printed the message (or the help text); --help and --version end with code 0
      if (err.exitCode === 0) return;
      this.exitCode = EXIT.input;
      this.envelopeError('usage', err.message.replace(/^error: /, ''));
      return;
    }
    if (err instanceof InputError) {
      this.exitCode = EXIT.input;
      this.streams.stderr.write(`radixnet: ${err.message}\n`);
      if (this.debug) this.streams.stderr.write(`${err.stack}\n`);
      this.envelopeError('input', err.message);
      return;
    }
    this.exitCode = EXIT.failed;
    const message = err instanceof Error ? err.message : String(err);
    if (this.debug) this.streams.stderr.write(`${err instanceof Error ? err.stack : message}\n`);
    else this.streams.stderr.write(`radixnet: internal error: ${message} (run with --debug for the stack trace)\n`);
    this.envelopeError('internal', message);
  }

  /**
   * A progress bar on stderr, or null where none is drawn (not a terminal, CI, --json): the caller then prints
   * plain lines instead. `format` uses cli-progress tokens: {bar}, {value}, {total} and the caller's own fields.
   */
  bar(format: string, fields: Record<string, string>): Bar | null {
    if (!this.interactive) return null;
    // linewrap true: the bar truncates its line to the terminal's width instead of switching wrapping off, and the
    // cursor stays visible, so a Ctrl-C (which ends the process at once, no handler run) leaves the terminal as it was
    const bar = new SingleBar(
      {
        format,
        stream: this.streams.stderr as NodeJS.WriteStream,
        clearOnComplete: true,
        linewrap: true,
        hideCursor: false,
      },
      Presets.shades_classic,
    );
    let started = false;
    return {
      update(value, total, f) {
        if (!started) {
          bar.start(total, value, { ...fields, ...f });
          started = true;
        }
        bar.setTotal(total);
        bar.update(value, f);
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }

  private answer<T>(
    envelope: JsonEnvelope<T>,
    data: T,
    text: string | string[] | ((data: T) => string | string[]),
  ): void {
    if (this.answered) throw new Error(`${this.command} answered twice`);
    this.answered = true;
    if (this.json) {
      this.streams.stdout.write(JSON.stringify(envelope) + '\n');
      return;
    }
    const lines = typeof text === 'function' ? text(data) : text;
    this.streams.stdout.write((Array.isArray(lines) ? lines.join('\n') : lines) + '\n');
  }

  private envelopeError(kind: 'input' | 'usage' | 'internal', message: string): void {
    // a command that already answered (a failure after its result) keeps its one line of stdout
    if (!this.json || this.answered) return;
    this.answered = true;
    const envelope: JsonEnvelope = {
      command: this.command,
      ok: false,
      error: { kind, message, exitCode: this.exitCode },
    };
    this.streams.stdout.write(JSON.stringify(envelope) + '\n');
  }
}

/** The real process' streams. */
export function processStreams(): Streams {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}
