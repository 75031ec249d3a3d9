#!/usr/bin/env node
/** The `online-rnn` command line: one file per command, defined (and loaded) only when it runs (program.ts). */
import { CommanderError } from 'commander';
import { createProgram, defineCommandsIn } from './program.js';

// Output piped into a reader that stopped (`| head`) is not an error of ours: end quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

const program = createProgram();
await defineCommandsIn(program, process.argv.slice(2));

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version exit 0; a malformed command line is a usage error (exit code 2).
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    throw error;
  }
}
