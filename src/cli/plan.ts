/**
 * From validated choices to jobs: one Job per (learner, seed), and a check of each learner
 * against the model by the kind tables, so a combination the library refuses (KF-RTRL on a GRU,
 * say) fails with one line before any run starts or any file is written.
 */
import { LEARNERS } from '../kinds/learners.js';
import { supports } from '../kinds/support.js';
import { UsageError } from './errors.js';
import type { Job } from './job.js';
import type { LearnerSpec } from './learner-spec.js';
import type { ModelConfig } from '../model/config.js';
import { learnerOptimizer, type RunConfig } from './run-config.js';

/** The job that trains `run`: its configuration as data, to cross into a worker thread. */
export function jobOf(id: number, run: RunConfig): Job {
  const { learner, training } = run;
  return {
    id,
    label: learner.label,
    task: run.task,
    model: run.model,
    learner: learner.config,
    optimizer: learnerOptimizer(run),
    ...(training.clip !== undefined ? { clip: training.clip } : {}),
    steps: training.steps,
    seed: run.seed,
    logEvery: training.logEvery,
  };
}

/** Refuses a learner the tables say cannot train the model, without building either (test/kinds checks the tables against the learners). */
export function checkLearner(spec: LearnerSpec, model: ModelConfig): void {
  if (supports(spec.config, model.layers)) return;
  const { kind } = spec.config;
  throw new UsageError(`learner '${spec.label}': ${kind} needs a core with ${LEARNERS[kind].needs}, which ${model.layers.length > 1 ? 'a stack of layers' : `this ${model.layers[0]!.cell.kind} cell`} does not offer (${LEARNERS[kind].summary}); use uoro or rtrl instead`);
}
