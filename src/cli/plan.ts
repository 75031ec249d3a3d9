/**
 * From validated choices to jobs: one Job per (learner, seed), and a dry construction of each
 * learner on the model, so a combination the library refuses (NoBackTrack on a core without
 * structured influence, say) fails with one line before any run starts or any file is written.
 */
import { createModel } from '../model/config.js';
import { createLearner } from '../kinds/learners.js';
import type { TaskConfig } from '../kinds/tasks.js';
import type { Task } from '../tasks/task.js';
import { UsageError } from './errors.js';
import type { Job } from './job.js';
import type { LearnerSpec } from './learner-spec.js';
import type { Training } from './training-options.js';
import type { ModelConfig } from '../model/config.js';

export function jobOf(id: number, spec: LearnerSpec, seed: number, task: TaskConfig, model: ModelConfig, training: Training): Job {
  return {
    id,
    label: spec.label,
    task,
    model,
    learner: spec.config,
    optimizer: spec.lr === undefined ? training.optimizer : { ...training.optimizer, lr: spec.lr },
    ...(training.clip !== undefined ? { clip: training.clip } : {}),
    steps: training.steps,
    seed,
    logEvery: training.logEvery,
  };
}

export function checkLearner(spec: LearnerSpec, task: Task, model: ModelConfig, training: Training): void {
  const online = createModel(model, { initialize: false }).online();
  try {
    createLearner(spec.config, online, { loss: task.loss, optimizer: null, ...(training.clip !== undefined ? { clip: training.clip } : {}) });
  } catch (error) {
    throw new UsageError(`learner '${spec.label}': ${(error as Error).message}`);
  }
}
