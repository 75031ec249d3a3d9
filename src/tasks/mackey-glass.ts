/**
 * The Mackey–Glass delay differential equation (Mackey & Glass 1977), the classic chaotic
 * benchmark series:
 *   dx/dt = β·x(t − τ) / (1 + x(t − τ)^10) − γ·x(t),   β = 0.2, γ = 0.1, τ = 17,
 * integrated by classical Runge–Kutta with step 0.1 (the delayed value at half steps is the
 * mean of its two neighbours on the grid) and sampled every `interval` time units. The history
 * on [−τ, 0] is a constant drawn from U[0.5, 1.2], and the first 500 time units are discarded.
 */
import type { Rng } from '../tensor/rng.js';
import { exactArray, type Reader } from './snapshot.js';

const BETA = 0.2;
const GAMMA = 0.1;
const DT = 0.1;
const BURN_IN = 500;

export interface MackeyGlassOptions {
  /** The delay τ. @default 17 */
  tau?: number;
  /** Time units between samples. @default 1 */
  interval?: number;
}

/**
 * An endless Mackey–Glass sampler; every draw advances the equation by `interval`. The Rng is
 * drawn from once, at the start: the state to save is the recent history.
 */
export function mackeyGlass(rng: Rng, options: MackeyGlassOptions = {}): Reader {
  const tau = options.tau ?? 17;
  const interval = options.interval ?? 1;
  const lag = Math.round(tau / DT);
  if (!(tau > 0 && Math.abs(lag * DT - tau) < 1e-9)) throw new RangeError(`mackey-glass: tau must be a positive multiple of ${DT}, got ${tau}`);
  if (!(Number.isInteger(interval) && interval >= 1)) throw new RangeError(`mackey-glass: interval must be a positive integer, got ${interval}`);
  // history[(n mod (lag + 1))] = x(t_n) for the last lag + 1 grid points.
  const history = new Float64Array(lag + 1).fill(0.5 + 0.7 * rng.uniform());
  let n = lag;
  const f = (x: number, delayed: number) => (BETA * delayed) / (1 + delayed ** 10) - GAMMA * x;
  const step = () => {
    const x = history[n % (lag + 1)]!;
    const d0 = history[(n - lag) % (lag + 1)]!;
    const d1 = history[(n - lag + 1) % (lag + 1)]!;
    const dHalf = 0.5 * (d0 + d1);
    const k1 = f(x, d0);
    const k2 = f(x + 0.5 * DT * k1, dHalf);
    const k3 = f(x + 0.5 * DT * k2, dHalf);
    const k4 = f(x + DT * k3, d1);
    n++;
    history[n % (lag + 1)] = x + (DT / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
  };
  const stepsPerSample = Math.round(interval / DT);
  for (let i = 0; i < BURN_IN / DT; i++) step();
  return {
    read: () => {
      for (let i = 0; i < stepsPerSample; i++) step();
      return history[n % (lag + 1)]!;
    },
    snapshot: () => ({ n, history: exactArray(history) }),
    restore: (state) => {
      const at = state.integer('n', lag);
      const values = state.numbers('history', lag + 1);
      n = at;
      history.set(values);
    },
  };
}
