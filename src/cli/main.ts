#!/usr/bin/env node
// The `radixnet` command: each subcommand lives in its own file and registers itself on the program.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { InputError } from '../errors.js';
import { registerTopology } from './topology.js';
import { registerEnumerate } from './enumerate.js';
import { registerTrain } from './train.js';
import { registerEvaluate } from './evaluate.js';
import { registerCompare } from './compare.js';
import { registerDiagnose } from './diagnose.js';
import { registerExperiment } from './experiment.js';
import { registerDraw } from './draw.js';
import { registerPlot } from './plot.js';
import { registerReport } from './report.js';
import { registerReproduce } from './reproduce.js';

// a reader that goes away (`radixnet train --save M | head -2`) must not stop the work, a save above all: output
// to a closed pipe is dropped instead of ending the process
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
  });
}

const program = new Command();
program
  .name('radixnet')
  .description('Build, train, study and draw RadiX-Nets: sparse mixed-radix neural networks on WebAssembly SIMD.')
  .version(packageVersion(), '-V, --version', 'print the radixnet version')
  .option('--debug', 'print stack traces for errors')
  .showHelpAfterError()
  .exitOverride();

registerTrain(program);
registerEvaluate(program);
registerTopology(program);
registerEnumerate(program);
registerCompare(program);
registerDiagnose(program);
registerExperiment(program);
registerDraw(program);
registerPlot(program);
registerReport(program);
registerReproduce(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = reportError(err);
}

/** Prints an error the way users should see it and returns the exit code (2 for bad input). */
function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander already printed its message (usage errors, --help, --version)
    return err.exitCode === 0 ? 0 : 2;
  }
  const debug = program.opts().debug === true || process.argv.includes('--debug');
  if (err instanceof InputError) {
    console.error(`radixnet: ${err.message}`);
    if (debug) console.error(err.stack);
    return 2;
  }
  console.error(debug ? err : `radixnet: internal error: ${(err as Error)?.message ?? String(err)} (run with --debug for the stack trace)`);
  return 1;
}

/** The version in the package's own package.json (dist/src/cli/main.js is three folders below it). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
