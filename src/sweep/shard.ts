/**
 * Which runs of a plan this process runs, for array jobs on engines people already have:
 *   --index I        the plan's run I alone (a Slurm array with one task per run);
 *   --shard i/N      runs i, i+N, i+2N, … (N tasks sharing the plan round-robin);
 *   neither          $SLURM_ARRAY_TASK_ID or $JOB_COMPLETION_INDEX (a Kubernetes Indexed Job)
 *                    as the index, or as i with --shards N; else every run.
 * The shards of a plan are disjoint and together are the plan.
 */
import { UsageError } from '../cli/errors.js';

export interface ShardChoice {
  readonly index?: string;
  readonly shard?: string;
  readonly shards?: string;
}

export interface Shard {
  /** Positions in the plan. */
  readonly positions: readonly number[];
  readonly description: string;
}

const INDEX_VARIABLES = ['SLURM_ARRAY_TASK_ID', 'JOB_COMPLETION_INDEX'] as const;

export function shardOf(total: number, choice: ShardChoice, env: NodeJS.ProcessEnv = process.env): Shard {
  const all = Array.from({ length: total }, (_, i) => i);
  if (choice.index !== undefined && choice.shard !== undefined) throw new UsageError('give --index or --shard, not both');
  let index = choice.index === undefined ? null : wholeNumber(choice.index, '--index');
  let shard: { i: number; n: number } | null = null;
  if (choice.shard !== undefined) {
    const match = /^(\d+)\/(\d+)$/.exec(choice.shard);
    if (match === null) throw new UsageError(`--shard must be i/N (e.g. 0/3), got '${choice.shard}'`);
    shard = { i: Number(match[1]), n: Number(match[2]) };
  }
  if (index === null && shard === null) {
    const variable = INDEX_VARIABLES.find((name) => env[name] !== undefined && env[name] !== '');
    if (variable !== undefined) {
      const value = wholeNumber(env[variable]!, `$${variable}`);
      if (choice.shards !== undefined) shard = { i: value, n: wholeNumber(choice.shards, '--shards') };
      else index = value;
    } else if (choice.shards !== undefined) {
      throw new UsageError(`--shards needs the shard's number from $${INDEX_VARIABLES.join(' or $')} (or give --shard i/N)`);
    }
  } else if (choice.shards !== undefined) {
    throw new UsageError('--shards goes with an index from the environment; with --shard give i/N');
  }
  if (index !== null) {
    if (index >= total) throw new UsageError(`index ${index} is past the plan's last run (${total} runs: 0 to ${total - 1})`);
    return { positions: [index], description: `run ${index} of ${total}` };
  }
  if (shard !== null) {
    if (shard.n < 1 || shard.i >= shard.n) throw new UsageError(`shard ${shard.i}/${shard.n}: i must be below N ≥ 1`);
    return { positions: all.filter((p) => p % shard!.n === shard!.i), description: `shard ${shard.i}/${shard.n} of ${total} runs` };
  }
  return { positions: all, description: `all ${total} runs` };
}

function wholeNumber(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${what} must be a whole number ≥ 0, got '${text}'`);
  return Number(text.trim());
}
