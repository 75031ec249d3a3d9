/**
 * The page's streams as the core's tasks: every learner's worker builds the same Task from the
 * same StreamSpec and draws it from an Rng seeded alike, so all learners see the same samples.
 */
import { createTask, type TaskConfig } from '../src/kinds/tasks.js';
import type { Task } from '../src/tasks/task.js';
import type { StreamSpec } from './settings.js';

/** Whole periods of sin(2πt/period), cycled by the series task (so the stream never jumps). */
const SINE_PERIODS = 8;

export function streamTask(spec: StreamSpec): Task {
  return createTask(taskConfig(spec));
}

function taskConfig(spec: StreamSpec): TaskConfig {
  switch (spec.kind) {
    case 'sine': {
      const n = Math.round(spec.period * SINE_PERIODS);
      const values = Array.from({ length: n }, (_, t) => Math.sin((2 * Math.PI * t) / spec.period));
      return { kind: 'series', source: { kind: 'values', name: `sine, period ${spec.period}`, values } };
    }
    case 'mackeyGlass':
      return { kind: 'series', source: { kind: 'mackeyGlass', tau: spec.tau } };
    case 'copy':
      return { kind: 'copy' };
    case 'influence':
      return { kind: 'influence' };
    case 'anbn':
      return { kind: 'charlm', corpus: { kind: 'anbn', max: spec.max } };
    case 'values':
      return { kind: 'series', source: { kind: 'values', name: spec.name, values: [...spec.values] } };
    case 'text':
      return { kind: 'charlm', corpus: { kind: 'text', name: spec.name, text: spec.text } };
  }
}

/** The stream a drift switches to: the same kind with another parameter, so the shape is kept. */
export function drifted(spec: StreamSpec): StreamSpec {
  switch (spec.kind) {
    case 'sine':
      // A fivefold change of frequency: far enough that yesterday's predictor is plainly wrong.
      return { kind: 'sine', period: spec.period >= 20 ? Math.max(4, Math.round(spec.period / 5)) : spec.period * 5 };
    case 'mackeyGlass':
      return { kind: 'mackeyGlass', tau: spec.tau === 17 ? 30 : 17 };
    case 'anbn':
      return { kind: 'anbn', max: spec.max <= 8 ? spec.max * 4 : Math.max(2, Math.round(spec.max / 4)) };
    case 'values':
      return { kind: 'values', name: `${spec.name}, reversed`, values: [...spec.values].reverse() };
    case 'copy':
    case 'influence':
    case 'text':
      return spec;
  }
}
