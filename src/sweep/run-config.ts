/**
 * One run of a sweep, from its parameters to the Job that `train` and `compare` would run.
 *
 * The parameters are CLI flags by name, so they go through the CLI's own parsing: they become
 * an argument list (`--task copy --lr 0.001 …`) read by a command with train's options, then
 * the same functions train and compare call (taskConfigFromFlags, modelFromFlags, …) build the
 * job. A sweep's run is therefore the very run `compare` does with those flags, and every
 * check and error message is the CLI's.
 *
 * The run's id is a hash of its full config — the job as resolved (task, model, learner,
 * optimizer, clip, steps, seed, curve interval), keys sorted — so it is the same on every
 * machine, and two spellings of one run (`tbptt:k=8`, `tbptt:k2=8:k1=1`) are one run.
 */
import { createHash } from 'node:crypto';
import { Command, CommanderError } from 'commander';
import type { JsonValue } from '../io/checkpoint.js';
import type { Job } from '../cli/job.js';
import { addTaskOptions } from '../cli/task-options.js';
import { addTrainingOptions } from '../cli/training-options.js';
import { runFromFlags, type RunFlags } from '../cli/run-config.js';
import { checkLearner, jobOf } from '../cli/plan.js';
import type { ParameterValue } from './spec.js';

export type RunParams = Readonly<Record<string, ParameterValue>>;

/** A run as it travels: its id, its parameters, the job, and what the report names it by. */
export interface SweepRun {
  readonly id: string;
  readonly params: RunParams;
  readonly job: Job;
  /** The job's config as plain JSON (what the id hashes, what records and checkpoints keep). */
  readonly config: { readonly [key: string]: JsonValue };
  readonly task: { readonly kind: string; readonly title: string; readonly metric: string };
}

/** The argument list a run's parameters stand for (booleans are bare flags; `bias: false` is --no-bias). */
export function argvOf(params: RunParams): string[] {
  const argv: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    if (value === true) argv.push(`--${name}`);
    else if (value === false) {
      if (name === 'bias') argv.push('--no-bias');
    } else argv.push(`--${name}`, String(value));
  }
  return argv;
}

/** A command with train's run options, to read a run's flags exactly as train does. */
function runCommand(): Command {
  const command = new Command('sweep-run').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} }).allowExcessArguments(false);
  addTaskOptions(command);
  return addTrainingOptions(command).option('--learner <spec>').option('--seed <n>', '', '1');
}

/** The parameter names a sweep may set: the run flags of `train`, without their dashes. */
export function runFlagNames(): string[] {
  return runCommand()
    .options.map((option) => (option.long ?? '').replace(/^--(no-)?/, ''))
    .filter((name) => name !== '' && name !== 'json' && name !== 'help');
}

/** Builds a run; throws RangeError with the CLI's message for parameters the CLI refuses. */
export function runOf(params: RunParams): SweepRun {
  const command = runCommand();
  try {
    command.parse(argvOf(params), { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) throw new RangeError(error.message.replace(/^error: /, ''));
    throw error;
  }
  if (params.learner === undefined) throw new RangeError('no learner: give the parameter learner (e.g. values: [tbptt:k=8, rtrl, uoro])');
  const { run, task } = runFromFlags(command.opts<RunFlags>(), command);
  checkLearner(run.learner, run.model);
  const job = jobOf(0, run);
  const config = configOf(job);
  return { id: runId(config), params, job, config, task: { kind: task.kind, title: task.title, metric: task.metric.name } };
}

/** A job's full config as JSON reads it back: what the run id hashes. */
export function configOf(job: Job): { [key: string]: JsonValue } {
  return JSON.parse(
    JSON.stringify({ task: job.task, model: job.model, learner: job.learner, optimizer: job.optimizer, clip: job.clip ?? null, steps: job.steps, seed: job.seed, logEvery: job.logEvery }),
  ) as { [key: string]: JsonValue };
}

/** The first 16 hex digits of SHA-256 over the config's canonical JSON (keys sorted at every level). */
export function runId(config: JsonValue): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 16);
}

export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k]!)}`).join(',')}}`;
}
