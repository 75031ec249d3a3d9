/**
 * The task flags shared by train and compare, read from the task table and parsed once into a
 * TaskConfig. Files (--text, --csv) are read here, at the edge, and travel inside the config as
 * text and numbers. A flag that does not belong to the chosen task is an error, never ignored.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { TASKS, TASK_KINDS, taskFromFlags, type TaskConfig, type TaskKind } from '../kinds/tasks.js';
import { UsageError } from './errors.js';
import { addKindFlags, attributeOf, flagsByKind, flagValue, longOf, type FlagValues, type Given } from './kind-flags.js';

export type TaskFlags = FlagValues;

const TASK_FLAGS = flagsByKind(TASKS);

/** The attributes of every task flag (--task included). */
export const TASK_FLAG_NAMES: readonly string[] = ['task', ...[...TASK_FLAGS.values()].map(({ flag }) => attributeOf(flag))];

export function addTaskOptions(command: Command): Command {
  command.option('--task <kind>', `task: ${TASK_KINDS.join(', ')}`);
  return addKindFlags(command, TASK_FLAGS, { all: TASK_KINDS.length, prefix: (kinds) => `${kinds.join('/')}: ` });
}

/** The task kind --task names. */
export function taskKindFlag(flags: TaskFlags): TaskKind {
  const kind = flags.task;
  if (kind === undefined) throw new UsageError(`--task is required (one of ${TASK_KINDS.join(', ')})`);
  if (!(TASK_KINDS as readonly unknown[]).includes(kind)) throw new UsageError(`unknown task '${String(kind)}' (allowed: ${TASK_KINDS.join(', ')})`);
  return kind as TaskKind;
}

/** The option values of the given task flags, refusing those of another task. */
export function taskFlagValues(kind: TaskKind, flags: TaskFlags, given: Given): Record<string, string | number | boolean> {
  const values: Record<string, string | number | boolean> = {};
  for (const { flag, kinds } of TASK_FLAGS.values()) {
    const value = flags[attributeOf(flag)];
    if (!given(attributeOf(flag)) || value === undefined) continue;
    if (!kinds.includes(kind)) throw new UsageError(`${longOf(flag)} applies to --task ${kinds.join(' or ')}, not ${kind}`);
    values[flag.option] = flagValue(flag, value);
  }
  return values;
}

/** The TaskConfig of `kind` with these option values (read from flags, or a run's on top of them). */
export function taskConfigOf(kind: TaskKind, values: Record<string, string | number | boolean>): TaskConfig {
  try {
    return taskFromFlags(kind, values, readText);
  } catch (error) {
    if (error instanceof RangeError || error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
}

export function taskConfigFromFlags(flags: TaskFlags, given: Given): TaskConfig {
  const kind = taskKindFlag(flags);
  return taskConfigOf(kind, taskFlagValues(kind, flags, given));
}

/** A UTF-8 text file, with one-line errors for the usual mistakes. */
export function readText(path: string, flag: string): string {
  let size: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new UsageError(`${flag} ${path} is a directory, not a file`);
    size = stat.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${flag} ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  if (size === 0) throw new UsageError(`${flag} ${path} is empty`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(path));
  } catch {
    throw new UsageError(`${flag} ${path} is not valid UTF-8 text`);
  }
}
