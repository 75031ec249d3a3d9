/**
 * Learning-rate schedules: η(t) as a function of the update count t (0 for the first update).
 * A schedule is data (a discriminated union), so it is saved with a checkpoint.
 */
export type Schedule =
  | { readonly kind: 'constant' }
  /** η(t) = η / (1 + decay·√t): the UORO paper's schedule with decay 0.03. */
  | { readonly kind: 'inverseSqrt'; readonly decay: number }
  /** η(t) = η·gamma^t. */
  | { readonly kind: 'exponential'; readonly gamma: number };

export function scheduledRate(lr: number, schedule: Schedule, t: number): number {
  switch (schedule.kind) {
    case 'constant':
      return lr;
    case 'inverseSqrt':
      return lr / (1 + schedule.decay * Math.sqrt(t));
    case 'exponential':
      return lr * Math.pow(schedule.gamma, t);
  }
}

export function checkSchedule(schedule: Schedule): Schedule {
  switch (schedule.kind) {
    case 'constant':
      return schedule;
    case 'inverseSqrt':
      if (!(schedule.decay >= 0)) throw new RangeError(`schedule inverseSqrt: decay must be ≥ 0, got ${schedule.decay}`);
      return schedule;
    case 'exponential':
      if (!(schedule.gamma > 0 && schedule.gamma <= 1)) throw new RangeError(`schedule exponential: gamma must be in (0, 1], got ${schedule.gamma}`);
      return schedule;
    default:
      throw new TypeError(`unknown schedule kind '${(schedule as { kind: unknown }).kind}' (allowed: constant, inverseSqrt, exponential)`);
  }
}
