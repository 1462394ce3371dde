#!/usr/bin/env node
// The `radixnet` executable: the CLI of program.ts on the process' own streams.
import { processStreams } from './io.js';
import { runCli } from './program.js';

// a reader that goes away (`radixnet train --save M | head -2`) must not stop the work, a save above all: output
// to a closed pipe is dropped instead of ending the process
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
  });
}

process.exitCode = await runCli(process.argv.slice(2), processStreams());
