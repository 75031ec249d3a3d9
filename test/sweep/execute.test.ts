import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpec } from '../../src/sweep/spec.js';
import { planSweep } from '../../src/sweep/plan.js';
import { executeRuns, type Finished } from '../../src/sweep/execute.js';
import { KeptThreads, StopSignal } from '../../src/cli/pool.js';

const SPEC = `task: copy
steps: 400
parameters:
  cell: {value: rnn}
  hidden: {value: 4}
  learner: {values: [uoro, tbptt:k=4]}
  lr: {value: 0.01}
  seed: {values: [1, 2]}
`;

/** A record without its timing and provenance (which differ between any two runs). */
const comparable = (f: Finished) => ({ id: f.record!.id, result: f.record!.result });

test('runs on threads kept from call to call (a processor taking job after job) give the records of fresh threads, on the same thread each time', async () => {
  const runs = planSweep(parseSpec(SPEC, 'spec.yaml'), 'spec.yaml').runs;
  const fresh = mkdtempSync(join(tmpdir(), 'online-rnn-execute-'));
  const kept = mkdtempSync(join(tmpdir(), 'online-rnn-execute-'));
  try {
    const expected = await executeRuns(runs, { out: fresh, workers: 1, stop: new StopSignal(), versions: {}, checkpointEvery: 100 });
    const threads = new KeptThreads(new StopSignal());
    const ids = new Set<number>();
    const got: Finished[] = [];
    for (const run of runs) {
      got.push(...(await executeRuns([run], { out: kept, workers: 1, stop: threads.stop, threads, versions: {}, checkpointEvery: 100 })));
      const thread = threads.take();
      ids.add(thread.threadId);
      threads.give(thread);
    }
    assert.deepEqual(got.map(comparable), expected.map(comparable));
    assert.equal(ids.size, 1, `one thread for all ${runs.length} runs, got threads ${[...ids].join(', ')}`);
    await assert.rejects(executeRuns(runs, { out: kept, workers: 1, stop: new StopSignal(), threads, versions: {}, checkpointEvery: 0 }), /kept threads answer to their own stop signal/);
  } finally {
    rmSync(fresh, { recursive: true, force: true });
    rmSync(kept, { recursive: true, force: true });
  }
});
