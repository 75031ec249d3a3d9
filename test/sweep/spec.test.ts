import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec, SpecError } from '../../src/sweep/spec.js';
import { planSweep } from '../../src/sweep/plan.js';
import { sample, DISTRIBUTIONS } from '../../src/sweep/distributions.js';
import { argvOf, canonicalJson, runId, runOf } from '../../src/sweep/run-config.js';
import { Rng } from '../../src/tensor/rng.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/fixtures.js';

const GRID = `
method: grid
task: influence
steps: 1000
parameters:
  learner: {values: [tbptt:k=4, rtrl]}
  lr: {values: [0.0001, 0.001]}
  seed: {values: [1, 2]}
`;

const RANDOM = `
method: random
count: 6
random_seed: 7
task: copy
steps: 500
metric: {name: prequential_loss, goal: minimize}
parameters:
  cell: {value: rnn}
  hidden: {distribution: int_uniform, min: 4, max: 12}
  learner: {values: [uoro, tbptt:k=8]}
  lr: {distribution: log_uniform_values, min: 0.0001, max: 0.1}
`;

test('a grid expands to every combination, the last parameter (in sorted order) varying fastest', () => {
  const plan = planSweep(parseSpec(GRID, 'grid.yaml'), 'grid.yaml');
  assert.equal(plan.runs.length, 8);
  assert.deepEqual(plan.runs.slice(0, 3).map((r) => [r.params.learner, r.params.lr, r.params.seed]), [
    ['tbptt:k=4', 0.0001, 1],
    ['tbptt:k=4', 0.0001, 2],
    ['tbptt:k=4', 0.001, 1],
  ]);
  assert.deepEqual(Object.keys(plan.runs[0]!.params), ['learner', 'lr', 'seed', 'steps', 'task']);
});

test('run ids are the same on every call and machine: pinned hashes of the full config', () => {
  const ids = () => planSweep(parseSpec(GRID, 'grid.yaml'), 'grid.yaml').runs.map((r) => r.id);
  const first = ids();
  assert.deepEqual(ids(), first);
  assert.equal(new Set(first).size, 8);
  // A change here changes every id ever recorded: only on purpose.
  assert.equal(first[0], runId(runOf({ learner: 'tbptt:k=4', lr: 0.0001, seed: 1, steps: 1000, task: 'influence' }).config));
  assert.equal(first[0], '86df3e8555d623bd');
});

test('a random search draws the same runs for the same random_seed, within each distribution, and other ones for another seed', () => {
  const plan = planSweep(parseSpec(RANDOM, 'r.yaml'), 'r.yaml');
  assert.equal(plan.runs.length + plan.duplicates, 6);
  assert.deepEqual(planSweep(parseSpec(RANDOM, 'r.yaml'), 'r.yaml').runs.map((r) => r.id), plan.runs.map((r) => r.id));
  for (const run of plan.runs) {
    const { hidden, lr } = run.params as { hidden: number; lr: number };
    assert.ok(Number.isInteger(hidden) && hidden >= 4 && hidden <= 12, `hidden ${hidden}`);
    assert.ok(lr >= 1e-4 && lr < 0.1, `lr ${lr}`);
  }
  const other = planSweep(parseSpec(RANDOM.replace('random_seed: 7', 'random_seed: 8'), 'r.yaml'), 'r.yaml');
  assert.notDeepEqual(other.runs.map((r) => r.id), plan.runs.map((r) => r.id));
  assert.deepEqual(plan.spec.metric, { name: 'prequential_loss', goal: 'minimize' });
});

test('two spellings of one run are one run: the id hashes the resolved config, not the words', () => {
  const a = runOf({ task: 'influence', learner: 'tbptt:k=8', steps: 100 });
  const b = runOf({ task: 'influence', learner: 'tbptt:k2=8:k1=1', steps: 100, seed: 1 });
  assert.equal(a.id, b.id);
  assert.notEqual(a.id, runOf({ task: 'influence', learner: 'tbptt:k=8', steps: 100, seed: 2 }).id);
  assert.equal(canonicalJson({ b: 1, a: [true, null] }), '{"a":[true,null],"b":1}');
  assert.deepEqual(argvOf({ peephole: true, bias: false, bidirectional: false, lr: 1e-5 }), ['--peephole', '--no-bias', '--lr', '0.00001']);
});

test('every distribution draws inside its range, q-quantized ones on multiples of q', () => {
  const rng = new Rng(3);
  const cases = {
    int_uniform: { min: -2, max: 3 },
    uniform: { min: 0.5, max: 1.5 },
    log_uniform: { min: -3, max: 1 },
    log_uniform_values: { min: 1e-4, max: 1e-1 },
    q_uniform: { min: 0, max: 10, q: 2 },
    q_log_uniform_values: { min: 1, max: 1000, q: 5 },
  } as const;
  for (const [kind, numbers] of Object.entries(cases)) {
    const d = DISTRIBUTIONS[kind as keyof typeof DISTRIBUTIONS].parse(numbers);
    for (let i = 0; i < 200; i++) {
      const v = sample(d, rng);
      const [low, high] = kind === 'log_uniform' ? [Math.exp(numbers.min), Math.exp(numbers.max)] : [numbers.min, numbers.max];
      const slack = 'q' in numbers ? numbers.q / 2 : 0;
      assert.ok(v >= low - slack && v <= high + slack, `${kind}: ${v}`);
      if ('q' in numbers) assert.equal(v % numbers.q, 0, `${kind}: ${v}`);
      if (kind === 'int_uniform') assert.ok(Number.isInteger(v));
    }
  }
});

test('a malformed spec is refused naming the key: unknown keys, empty ranges, bad distributions, a grid of distributions', () => {
  const cases: Array<[string, RegExp]> = [
    ['method: grid\ntask: copy\nlearning_rate: 3', /s\.yaml: unknown key 'learning_rate'/],
    ['task: copy\nparameters:\n  learnr: {values: [uoro]}', /parameters\.learnr: unknown parameter/],
    ['task: copy\nparameters:\n  lr: {values: []}', /parameters\.lr\.values is empty/],
    ['method: random\ncount: 3\ntask: copy\nparameters:\n  lr: {distribution: log_uniform_values, min: 0.1, max: 0.01}', /parameters\.lr: empty range: min 0\.1 must be < max 0\.01/],
    ['method: random\ncount: 3\ntask: copy\nparameters:\n  lr: {distribution: loguniform, min: 0.001, max: 0.1}', /parameters\.lr\.distribution: unknown distribution "loguniform"/],
    ['method: random\ncount: 3\ntask: copy\nparameters:\n  lr: {distribution: normal, min: 0, max: 1}', /parameters\.lr: normal takes mu, sigma, not min/],
    ['task: copy\nparameters:\n  lr: {distribution: uniform, min: 0.001, max: 0.1}', /parameters\.lr: a grid needs value or values, not a distribution/],
    ['method: random\ntask: copy', /method: random needs count/],
    ['method: bayes\ntask: copy', /method must be grid or random, got "bayes"/],
    ['task: copy\nmetric: {name: accuracy}', /metric\.name must be one of final_loss, prequential_loss, final_metric/],
    ['task: [copy', /not valid YAML/],
    ['parameters:\n  lr: {value: 0.1}', /no task/],
    ['task: copy\nearly_terminate: {type: hyperband}', /early_terminate is not supported/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseSpec(text, 's.yaml'), (e: unknown) => e instanceof SpecError && message.test(e.message), text);
  }
  // A run the CLI refuses names the run and the CLI's reason.
  assert.throws(() => planSweep(parseSpec('task: influence\nparameters:\n  learner: {value: rtrl}\n  hidden: {value: 8}', 's.yaml'), 's.yaml'), /s\.yaml: run 0 \(hidden=8 learner=rtrl task=influence\): --hidden does not apply to --task influence/);
});

test('the example specs in examples/sweeps plan: 32 grid configurations, 12 random draws', () => {
  const plan = (name: string) => planSweep(parseSpec(readFileSync(join(repoRoot, 'examples/sweeps', name), 'utf8'), name), name);
  assert.equal(plan('influence-lr.yaml').runs.length, 32);
  const random = plan('copy-random.yaml');
  assert.equal(random.runs.length + random.duplicates, 12);
});
