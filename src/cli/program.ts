// The `radixnet` program: every command registered on one commander program that writes through one Io. runCli is
// the whole CLI as a function (argv in, exit code out), so tests run it in-process with captured streams.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { Io, type Streams } from './io.js';
import { registerTopology } from './topology.js';
import { registerEnumerate } from './enumerate.js';
import { registerTrain } from './train.js';
import { registerEvaluate } from './evaluate.js';
import { registerCompare } from './compare.js';
import { registerDiagnose } from './diagnose.js';
import { registerExperiment } from './experiment.js';
import { registerSummarize } from './summarize.js';
import { registerMerge } from './merge.js';
import { registerDraw } from './draw.js';
import { registerPlot } from './plot.js';
import { registerReport } from './report.js';
import { registerReproduce } from './reproduce.js';
import { registerChallenge } from './challenge.js';
import { registerSweep } from './sweep.js';
import { registerExport } from './export.js';
import { registerPredict } from './predict.js';

/** Runs the CLI on `argv` (the words after `radixnet`) and returns the exit code. */
export async function runCli(argv: readonly string[], streams: Streams): Promise<number> {
  const io = new Io(streams);
  const words = argv.slice(0, argv.includes('--') ? argv.indexOf('--') : argv.length);
  // known before parsing, so that an option refused while parsing is reported under --json too
  io.json = words.includes('--json');
  io.debug = words.includes('--debug');
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    // an error found while parsing comes before the action knew its command: name it from the words typed
    if (io.command === 'radixnet') io.command = commandPath(commandOf(program, words));
    io.error(err);
  }
  return io.exitCode;
}

/** The program with every command; `io` learns which command runs and its --json before the command's action. */
export function buildProgram(io: Io): Command {
  const program = new Command();
  program
    .name('radixnet')
    .description('Build, train, study and draw RadiX-Nets: sparse mixed-radix neural networks on WebAssembly SIMD.')
    .version(packageVersion(), '-V, --version', 'print the radixnet version')
    .option('--debug', 'print stack traces for errors')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.streams.stdout.write(s), writeErr: (s) => io.streams.stderr.write(s) })
    .hook('preAction', (_program, command) => {
      io.command = commandPath(command);
      io.json = command.opts().json === true;
    });
  registerTrain(program, io);
  registerEvaluate(program, io);
  registerTopology(program, io);
  registerEnumerate(program, io);
  registerCompare(program, io);
  registerDiagnose(program, io);
  registerExperiment(program, io);
  registerSummarize(program, io);
  registerMerge(program, io);
  registerDraw(program, io);
  registerPlot(program, io);
  registerReport(program, io);
  registerReproduce(program, io);
  registerChallenge(program, io);
  registerSweep(program, io);
  registerExport(program, io);
  registerPredict(program, io);
  return program;
}

/** The deepest command that the leading words of argv name. */
function commandOf(program: Command, words: readonly string[]): Command {
  let command = program;
  for (const word of words) {
    const sub = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) break;
    command = sub;
  }
  return command;
}

/** "draw heatmap" for `radixnet draw heatmap`. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.length ? names.join(' ') : 'radixnet';
}

/** The version in the package's own package.json (dist/src/cli/ is three folders below it). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string })
    .version;
}
