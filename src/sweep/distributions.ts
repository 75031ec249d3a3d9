/**
 * wandb's parameter distributions, drawn with the project's seeded Rng so a random sweep is the
 * same list on every machine. Semantics as wandb documents them: `log_uniform` takes min/max as
 * natural logarithms, `log_uniform_values` as the values themselves; the q_ variants round to a
 * multiple of q (default 1); normal ones take mu and sigma (defaults 0 and 1).
 */
import type { Rng } from '../tensor/rng.js';

export type Distribution =
  | { readonly kind: 'int_uniform'; readonly min: number; readonly max: number }
  | { readonly kind: 'uniform' | 'log_uniform' | 'log_uniform_values'; readonly min: number; readonly max: number }
  | { readonly kind: 'q_uniform' | 'q_log_uniform' | 'q_log_uniform_values'; readonly min: number; readonly max: number; readonly q: number }
  | { readonly kind: 'normal' | 'log_normal'; readonly mu: number; readonly sigma: number }
  | { readonly kind: 'q_normal' | 'q_log_normal'; readonly mu: number; readonly sigma: number; readonly q: number };

type Numbers = Readonly<Record<string, number>>;

function range(n: Numbers, options: { integer?: boolean; positive?: boolean } = {}): { min: number; max: number } {
  const { min, max } = n;
  if (min === undefined || max === undefined) throw new RangeError('needs min and max');
  if (options.integer === true && !(Number.isInteger(min) && Number.isInteger(max))) throw new RangeError(`min and max must be integers, got ${min} and ${max}`);
  if (options.positive === true && !(min > 0)) throw new RangeError(`min must be > 0 for a logarithmic range, got ${min}`);
  if (!(min < max) && !(options.integer === true && min === max)) throw new RangeError(`empty range: min ${min} must be < max ${max}`);
  return { min, max };
}

function quantum(n: Numbers): number {
  const q = n.q ?? 1;
  if (!(q > 0)) throw new RangeError(`q must be > 0, got ${q}`);
  return q;
}

function gaussian(n: Numbers): { mu: number; sigma: number } {
  const mu = n.mu ?? 0;
  const sigma = n.sigma ?? 1;
  if (!(sigma > 0)) throw new RangeError(`sigma must be > 0, got ${sigma}`);
  return { mu, sigma };
}

/** Each distribution's keys and its checked parse. */
export const DISTRIBUTIONS = {
  int_uniform: { keys: ['min', 'max'], parse: (n: Numbers): Distribution => ({ kind: 'int_uniform', ...range(n, { integer: true }) }) },
  uniform: { keys: ['min', 'max'], parse: (n: Numbers): Distribution => ({ kind: 'uniform', ...range(n) }) },
  log_uniform: { keys: ['min', 'max'], parse: (n: Numbers): Distribution => ({ kind: 'log_uniform', ...range(n) }) },
  log_uniform_values: { keys: ['min', 'max'], parse: (n: Numbers): Distribution => ({ kind: 'log_uniform_values', ...range(n, { positive: true }) }) },
  q_uniform: { keys: ['min', 'max', 'q'], parse: (n: Numbers): Distribution => ({ kind: 'q_uniform', ...range(n), q: quantum(n) }) },
  q_log_uniform: { keys: ['min', 'max', 'q'], parse: (n: Numbers): Distribution => ({ kind: 'q_log_uniform', ...range(n), q: quantum(n) }) },
  q_log_uniform_values: { keys: ['min', 'max', 'q'], parse: (n: Numbers): Distribution => ({ kind: 'q_log_uniform_values', ...range(n, { positive: true }), q: quantum(n) }) },
  normal: { keys: ['mu', 'sigma'], parse: (n: Numbers): Distribution => ({ kind: 'normal', ...gaussian(n) }) },
  log_normal: { keys: ['mu', 'sigma'], parse: (n: Numbers): Distribution => ({ kind: 'log_normal', ...gaussian(n) }) },
  q_normal: { keys: ['mu', 'sigma', 'q'], parse: (n: Numbers): Distribution => ({ kind: 'q_normal', ...gaussian(n), q: quantum(n) }) },
  q_log_normal: { keys: ['mu', 'sigma', 'q'], parse: (n: Numbers): Distribution => ({ kind: 'q_log_normal', ...gaussian(n), q: quantum(n) }) },
} as const;

/** Rounds to a multiple of q, without the float noise of 0.1·3 = 0.30000000000000004. */
function toMultiple(x: number, q: number): number {
  return Number((Math.round(x / q) * q).toPrecision(12));
}

export function sample(d: Distribution, rng: Rng): number {
  switch (d.kind) {
    case 'int_uniform':
      return d.min + rng.int(d.max - d.min + 1);
    case 'uniform':
      return rng.uniformIn(d.min, d.max);
    case 'log_uniform':
      return Math.exp(rng.uniformIn(d.min, d.max));
    case 'log_uniform_values':
      return Math.exp(rng.uniformIn(Math.log(d.min), Math.log(d.max)));
    case 'q_uniform':
      return toMultiple(rng.uniformIn(d.min, d.max), d.q);
    case 'q_log_uniform':
      return toMultiple(Math.exp(rng.uniformIn(d.min, d.max)), d.q);
    case 'q_log_uniform_values':
      return toMultiple(Math.exp(rng.uniformIn(Math.log(d.min), Math.log(d.max))), d.q);
    case 'normal':
      return d.mu + d.sigma * rng.normal();
    case 'log_normal':
      return Math.exp(d.mu + d.sigma * rng.normal());
    case 'q_normal':
      return toMultiple(d.mu + d.sigma * rng.normal(), d.q);
    case 'q_log_normal':
      return toMultiple(Math.exp(d.mu + d.sigma * rng.normal()), d.q);
  }
}
