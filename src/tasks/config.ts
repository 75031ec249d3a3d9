/**
 * Tasks as data: a discriminated union on `kind` that crosses worker-thread and file
 * boundaries (text and CSV values travel inside it), turned into a Task by one exhaustive
 * switch. The CLI builds it from flags and validates it there; each factory checks its numbers.
 */
import type { Task } from './task.js';
import { copyTask, type CopyOptions } from './copy.js';
import { addTask, type AddOptions } from './add.js';
import { addingTask, type AddingOptions } from './adding.js';
import { charlmTask } from './charlm.js';
import { textCorpus } from './corpus.js';
import { anbnCorpus, type AnbnOptions } from './anbn.js';
import { BRACKETS_VARIANTS, bracketsCorpus } from './brackets.js';
import { seriesTask, type SeriesSource } from './series.js';
import { influenceTask } from './influence-task.js';

export type CorpusConfig =
  | { readonly kind: 'text'; readonly name: string; readonly text: string }
  | ({ readonly kind: 'anbn' } & Readonly<AnbnOptions>)
  | { readonly kind: 'brackets'; readonly variant: 1 | 2 | 3 };

export type TaskConfig =
  | ({ readonly kind: 'copy' } & Readonly<CopyOptions>)
  | ({ readonly kind: 'add' } & Readonly<AddOptions>)
  | ({ readonly kind: 'adding' } & Readonly<AddingOptions>)
  | { readonly kind: 'charlm'; readonly corpus: CorpusConfig }
  | { readonly kind: 'series'; readonly source: SeriesSource }
  | { readonly kind: 'influence' };

export type TaskKind = TaskConfig['kind'];
export const TASK_KINDS: readonly TaskKind[] = ['copy', 'add', 'adding', 'charlm', 'series', 'influence'];

export function createTask(config: TaskConfig): Task {
  switch (config.kind) {
    case 'copy':
      return copyTask(config);
    case 'add':
      return addTask(config);
    case 'adding':
      return addingTask(config);
    case 'charlm':
      return charlmTask(createCorpus(config.corpus));
    case 'series':
      return seriesTask(config.source);
    case 'influence':
      return influenceTask();
    default:
      throw new TypeError(`unknown task '${(config as { kind: unknown }).kind}' (allowed: ${TASK_KINDS.join(', ')})`);
  }
}

function createCorpus(config: CorpusConfig) {
  switch (config.kind) {
    case 'text':
      return textCorpus(config.text, config.name);
    case 'anbn':
      return anbnCorpus(config);
    case 'brackets': {
      const variant = BRACKETS_VARIANTS[config.variant];
      if (variant === undefined) throw new RangeError(`brackets: variant must be 1, 2 or 3, got ${String(config.variant)}`);
      return bracketsCorpus(variant);
    }
    default:
      throw new TypeError(`unknown corpus '${(config as { kind: unknown }).kind}' (allowed: text, anbn, brackets)`);
  }
}
