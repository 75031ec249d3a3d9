/**
 * A spec expanded into its runs, deterministically: parameters in sorted order; a grid is every
 * combination with the last parameter varying fastest; a random search draws `count` runs, each
 * parameter in sorted order, from one Rng(random_seed). The same spec gives the same list and
 * the same ids on every call and machine. A run drawn twice (same id) is kept once.
 */
import { Rng } from '../tensor/rng.js';
import { sample } from './distributions.js';
import { runOf, type RunParams, type SweepRun } from './run-config.js';
import { SpecError, type ParameterValue, type SweepSpec } from './spec.js';

export interface SweepPlan {
  readonly spec: SweepSpec;
  readonly runs: readonly SweepRun[];
  /** Combinations that resolved to a run already listed. */
  readonly duplicates: number;
}

export function planSweep(spec: SweepSpec, source: string): SweepPlan {
  const combinations = spec.method === 'grid' ? gridOf(spec) : randomOf(spec);
  const runs: SweepRun[] = [];
  const ids = new Set<string>();
  combinations.forEach((params, i) => {
    let run: SweepRun;
    try {
      run = runOf(params);
    } catch (error) {
      if (!(error instanceof RangeError || error instanceof TypeError || (error as Error).name === 'UsageError')) throw error;
      const text = Object.entries(params).map(([k, v]) => `${k}=${v}`).join(' ');
      throw new SpecError(`${source}: run ${i} (${text}): ${(error as Error).message}`);
    }
    if (ids.has(run.id)) return;
    ids.add(run.id);
    runs.push(run);
  });
  return { spec, runs, duplicates: combinations.length - runs.length };
}

function gridOf(spec: SweepSpec): RunParams[] {
  let combinations: Array<Record<string, ParameterValue>> = [{}];
  for (const [name, parameter] of spec.parameters) {
    if (parameter.kind !== 'values') throw new SpecError(`parameters.${name}: a grid needs values`);
    combinations = combinations.flatMap((c) => parameter.values.map((v) => ({ ...c, [name]: v })));
  }
  return combinations;
}

function randomOf(spec: SweepSpec): RunParams[] {
  const rng = new Rng(spec.randomSeed);
  return Array.from({ length: spec.count ?? 0 }, () => {
    const params: Record<string, ParameterValue> = {};
    for (const [name, parameter] of spec.parameters) {
      params[name] = parameter.kind === 'values' ? parameter.values[parameter.values.length === 1 ? 0 : rng.int(parameter.values.length)]! : sample(parameter.distribution, rng);
    }
    return params;
  });
}
