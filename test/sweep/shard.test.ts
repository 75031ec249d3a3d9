import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shardOf } from '../../src/sweep/shard.js';

test('the shards i/N of a plan are disjoint and together are the plan', () => {
  for (const n of [1, 2, 3, 5, 30]) {
    const all = Array.from({ length: n }, (_, i) => shardOf(24, { shard: `${i}/${n}` }, {}).positions).flat();
    assert.deepEqual([...all].sort((a, b) => a - b), Array.from({ length: 24 }, (_, i) => i), `N = ${n}`);
  }
  assert.deepEqual(shardOf(24, { shard: '1/3' }, {}).positions, [1, 4, 7, 10, 13, 16, 19, 22]);
});

test('the array index comes from --index, else $SLURM_ARRAY_TASK_ID or $JOB_COMPLETION_INDEX; with --shards it names a shard', () => {
  assert.deepEqual(shardOf(10, { index: '4' }, {}).positions, [4]);
  assert.deepEqual(shardOf(10, {}, { SLURM_ARRAY_TASK_ID: '7' }).positions, [7]);
  assert.deepEqual(shardOf(10, {}, { JOB_COMPLETION_INDEX: '2' }).positions, [2]);
  assert.deepEqual(shardOf(10, { shards: '4' }, { JOB_COMPLETION_INDEX: '1' }).positions, [1, 5, 9]);
  assert.deepEqual(shardOf(10, { index: '3' }, { SLURM_ARRAY_TASK_ID: '7' }).positions, [3], 'a flag wins over the environment');
  assert.equal(shardOf(10, {}, {}).positions.length, 10);
});

test('an index past the plan, a malformed shard or a lone --shards is one clear error', () => {
  assert.throws(() => shardOf(10, { index: '10' }, {}), /index 10 is past the plan's last run \(10 runs: 0 to 9\)/);
  assert.throws(() => shardOf(10, { shard: '3/3' }, {}), /shard 3\/3: i must be below N/);
  assert.throws(() => shardOf(10, { shard: 'a/b' }, {}), /--shard must be i\/N/);
  assert.throws(() => shardOf(10, { shards: '3' }, {}), /--shards needs the shard's number/);
  assert.throws(() => shardOf(10, {}, { SLURM_ARRAY_TASK_ID: 'x' }), /\$SLURM_ARRAY_TASK_ID must be a whole number/);
  assert.throws(() => shardOf(10, { index: '1', shard: '0/2' }, {}), /give --index or --shard, not both/);
});
