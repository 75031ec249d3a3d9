/**
 * Issue #6's acceptance test: train N steps with a checkpoint at N/2, kill the process, resume
 * from the checkpoint in another, and compare every loss bit for bit with a run never stopped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resumeRun } from '../../src/io/checkpoint.js';
import { LEARNER_KINDS, parseLearnerConfig, type LearnerConfig } from '../../src/kinds/learners.js';
import { repoRoot } from '../support/fixtures.js';
import { until } from '../support/cli.js';
import { makeLearner, resumeScenario, sample } from './resume-scenario.js';

const N = 40;
/** Every learner kind; TBPTT mid-window at N/2 (k1 = 3 does not divide 20), so its window must survive too. */
const LEARNERS: LearnerConfig[] = LEARNER_KINDS.map((kind) => parseLearnerConfig(kind === 'tbptt' ? { kind, k2: 6, k1: 3 } : { kind }));

/** Runs the worker until its checkpoint exists and it has gone past it, then SIGKILLs it. */
async function killedRun(dir: string, config: LearnerConfig): Promise<number[]> {
  const child = spawn(process.execPath, [join(repoRoot, 'dist/test/io/resume-worker.js'), dir, JSON.stringify(config), String(N / 2)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (text += chunk));
  await until(() => existsSync(join(dir, 'latest')) && text.split('\n').length > N / 2 + 3, `${config.kind}: the checkpoint at step ${N / 2} and three losses past it`, { child });
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.ok(existsSync(join(dir, 'latest')), `${config.kind}: the worker wrote no checkpoint`);
  return text.split('\n').slice(0, N / 2).map(Number);
}

test('a run killed after its checkpoint at N/2 and resumed gives the losses of a run never stopped, bit for bit, for every online learner of the table', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'online-rnn-resume-'));
  try {
    await Promise.all(
      LEARNERS.map(async (config) => {
        const { learner, model } = resumeScenario(config);
        const straight = Array.from({ length: N }, (_, k) => learner.step(sample(k).x, sample(k).target).loss);

        const runDir = join(dir, config.kind);
        const before = await killedRun(runDir, config);
        const run = resumeRun(runDir, (m, extra) => makeLearner(parseLearnerConfig((extra as { learner: unknown }).learner), m));
        assert.equal(run.step, N / 2);
        const after: number[] = [];
        for (let k = (run.extra as { next: number }).next; k < N; k++) after.push(run.learner.step(sample(k).x, sample(k).target).loss);

        // The child printed its losses as decimal text, which round-trips doubles exactly.
        assert.deepEqual(before, straight.slice(0, N / 2), `${config.kind}: the first half`);
        assert.deepEqual(after, straight.slice(N / 2), `${config.kind}: the resumed half`);
        assert.deepEqual(run.model.theta, model.theta, `${config.kind}: θ at the end`);
        t.diagnostic(`${config.kind}: ${N} losses identical (last ${straight[N - 1]!.toExponential(6)})`);
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
