/** `online-rnn summary`: the parameter inventory in the notes' format (or JSON). */
import type { Command } from 'commander';
import { bytesPerElement } from '../tensor/dtype.js';
import { createModel } from '../model/config.js';
import { runCommand } from './errors.js';
import { givenOn } from './kind-flags.js';
import { addModelOptions, modelConfigFromFlags, type ModelFlags } from './model-options.js';

export function defineSummary(command: Command): void {
  addModelOptions(command)
    .option('--json', 'print the inventory as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ online-rnn summary --cell lstm --input 10 --hidden 256 --layers 3 --bidirectional --output 50
  $ online-rnn summary --cell gru --input 8 --hidden 32 --dtype float32 --json`,
    )
    .action((flags: ModelFlags & { json?: boolean }, command: Command) =>
      runCommand(() => {
        const model = createModel(modelConfigFromFlags(flags, givenOn(command)), { initialize: false });
        if (flags.json === true) {
          const inventory = model.inventory().map(({ path, shape }) => ({ path, shape }));
          const bytes = model.paramSize * bytesPerElement(model.dtype);
          process.stdout.write(JSON.stringify({ inventory, n_params: model.paramSize, bytes, dtype: model.dtype }, null, 2) + '\n');
        } else {
          process.stdout.write(model.summary() + '\n');
        }
      }),
    );
}
