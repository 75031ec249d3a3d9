#!/usr/bin/env node
/** The `online-rnn` command line: one file per command, registered here. */
import { Command, CommanderError } from 'commander';
import { registerSummary } from './summary.js';
import { registerDemo } from './demo.js';
import { registerConvert } from './convert.js';
import { registerForward } from './forward.js';
import { registerGradstats } from './gradstats.js';
import { registerTrain } from './train.js';
import { registerCompare } from './compare.js';
import { registerPlayground } from './playground.js';
import { registerSweep } from './sweep.js';
import { registerServe } from './serve.js';

// Output piped into a reader that stopped (`| head`) is not an error of ours: end quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

const program = new Command('online-rnn')
  .description('Recurrent networks that learn online: truncated BPTT, RTRL, UORO, NoBackTrack, SnAp-1, KF-RTRL')
  .version('0.1.0')
  .showSuggestionAfterError()
  .exitOverride();

registerSummary(program);
registerDemo(program);
registerConvert(program);
registerForward(program);
registerGradstats(program);
registerTrain(program);
registerCompare(program);
registerSweep(program);
registerServe(program);
registerPlayground(program);

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
