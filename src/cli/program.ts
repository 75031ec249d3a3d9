/**
 * The `online-rnn` program: every command is registered up front by name and description, so
 * `online-rnn --help` lists them all, and defined (options, arguments, help text, action) by its
 * own module, imported only when the command runs. A start thus loads one command's modules, not
 * every command's (issue #16): the models, learners, I/O formats, fastify, BullMQ.
 */
import { Command, Help } from 'commander';

/** Defines a command's options, arguments, help text and action on the command registered here. */
export type DefineCommand = (command: Command) => void;

export interface CommandEntry {
  readonly name: string;
  readonly description: string;
  /** What `online-rnn --help` prints after the name: commander's '[options]' and arguments of the defined command. */
  readonly usage: string;
  readonly define: () => Promise<DefineCommand>;
}

/** The commands, in the order `online-rnn --help` lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'summary', usage: '[options]', description: 'print the parameter inventory of a model', define: async () => (await import('./summary.js')).defineSummary },
  { name: 'demo', usage: '[options]', description: 'inventory of a small LSTM and a short BPTT training run on a toy memory task', define: async () => (await import('./demo.js')).defineDemo },
  { name: 'convert', usage: '[options] <input>', description: 'convert a model between the native format, PyTorch (safetensors), TF.js (layers model) and ONNX', define: async () => (await import('./convert.js')).defineConvert },
  { name: 'forward', usage: '[options]', description: 'run a saved or imported model over one sequence (or a batch) and print its outputs and final states', define: async () => (await import('./forward.js')).defineForward },
  { name: 'gradstats', usage: '[options]', description: "compare online learners' gradient estimates with RTRL's exact gradient (θ fixed)", define: async () => (await import('./gradstats.js')).defineGradstats },
  { name: 'train', usage: '[options]', description: 'train a model online on a task with one learner; write the learning curve under --out', define: async () => (await import('./train.js')).defineTrain },
  { name: 'compare', usage: '[options]', description: 'train several online learners on one task over seeds, in parallel; print the table and write the report', define: async () => (await import('./compare.js')).defineCompare },
  { name: 'sweep', usage: '', description: 'sweeps of many runs from a wandb-style YAML spec: locally, on array jobs, or on a BullMQ queue', define: async () => (await import('./sweep.js')).defineSweep },
  { name: 'serve', usage: '[options]', description: 'serve one model + learner: predict now, learn when the target arrives (JSON lines on stdin/stdout, or HTTP)', define: async () => (await import('./serve.js')).defineServe },
  { name: 'playground', usage: '[options]', description: 'serve the browser playground (online learners racing on a live stream) on 127.0.0.1', define: async () => (await import('./playground.js')).definePlayground },
];

/** The program with every command registered and none defined yet. */
export function createProgram(): Command {
  // A command not yet defined has no options or arguments to list: its entry says what they will be.
  const usages = new Map<Command, string>();
  const program = new Command('online-rnn')
    .description('Recurrent networks that learn online: truncated BPTT, RTRL, UORO, NoBackTrack, SnAp-1, KF-RTRL')
    .version('0.1.0')
    .showSuggestionAfterError()
    .exitOverride()
    .configureHelp({
      subcommandTerm: (command) => {
        const usage = usages.get(command);
        return usage === undefined ? new Help().subcommandTerm(command) : `${command.name()} ${usage}`.trimEnd();
      },
    });
  for (const { name, description, usage } of COMMANDS) usages.set(program.command(name).description(description), usage);
  return program;
}

/**
 * Defines the commands named in `args`. Commander runs a command only when its exact name is one
 * of the arguments (`train …`, `help train`, `sweep worker …`), so these are all that can run.
 */
export async function defineCommandsIn(program: Command, args: readonly string[]): Promise<void> {
  for (const { name, define } of COMMANDS) {
    if (!args.includes(name)) continue;
    const command = program.commands.find((c) => c.name() === name)!;
    (await define())(command);
  }
}
