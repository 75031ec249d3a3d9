/**
 * Steps per second of each online learner on an LSTM (input 32, dense head 32), as a ratio
 * to one forward step (cell forward + head + loss) measured in the same process:
 *
 *   node dist/bench/learners.js [--seconds 1.5] [--hidden 32,128,512]
 *
 * Each learner runs warm-up steps, then alternates bursts with the forward baseline (five rounds
 * of `--seconds`/5 each); the best burst of each is kept, so a busy machine skews the ratios less.
 */
import { createModel } from '../src/model/config.js';
import type { OnlineModel } from '../src/model/online.js';
import { createLearner, type LearnerConfig } from '../src/kinds/learners.js';
import { Readout } from '../src/learners/readout.js';
import { mse } from '../src/loss/loss.js';
import { Rng } from '../src/tensor/rng.js';

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at < 0 ? undefined : process.argv[at + 1];
}
const budget = Number(flag('--seconds') ?? 1.5) * 1000 || 1500;
const hiddenSizes = (flag('--hidden') ?? '32,128').split(',').map(Number);
if (hiddenSizes.some((h) => !(Number.isInteger(h) && h > 0))) throw new RangeError(`--hidden takes positive integers separated by commas, got ${flag('--hidden')}`);
const INPUT = 32;
const OUTPUT = 32;

function stream(length: number): { inputs: Float64Array[]; targets: Float64Array[] } {
  const rng = new Rng(1);
  const vector = (n: number) => Float64Array.from({ length: n }, () => rng.normal());
  return { inputs: Array.from({ length }, () => vector(INPUT)), targets: Array.from({ length }, () => vector(OUTPUT)) };
}
const data = stream(64);

const ROUNDS = 5;

/** Seconds per step of one burst of `step` lasting about `milliseconds` (at least one step). */
function burst(step: (t: number) => void, milliseconds: number): number {
  let steps = 0;
  const start = performance.now();
  let now = start;
  while (now - start < milliseconds || steps === 0) {
    step(steps++);
    now = performance.now();
  }
  return (now - start) / 1000 / steps;
}

function forwardStep(model: OnlineModel): (t: number) => void {
  const cellStep = model.core.createStep(1);
  const readout = new Readout(model, mse);
  const state = new Float64Array(model.core.stateSize);
  return (t) => {
    cellStep.forward(state, data.inputs[t % 64]!, state, model.coreTheta);
    readout.evaluate(state, data.targets[t % 64]!, null);
  };
}

/** Best seconds per step of the forward baseline and of the learner, measured in alternation. */
function compare(config: LearnerConfig, model: OnlineModel): { forward: number; learner: number } {
  const forward = forwardStep(model);
  const learner = createLearner(config, model, { loss: mse, optimizer: { kind: 'sgd', lr: 1e-6 }, seed: 1 });
  const step = (t: number) => void learner.step(data.inputs[t % 64]!, data.targets[t % 64]!);
  burst(forward, 100);
  burst(step, 100);
  let best = { forward: Infinity, learner: Infinity };
  for (let round = 0; round < ROUNDS; round++) {
    best = { forward: Math.min(best.forward, burst(forward, budget / ROUNDS / 2)), learner: Math.min(best.learner, burst(step, budget / ROUNDS)) };
  }
  return best;
}

const rows: string[][] = [['hidden', 'learner', 'steps/s', '× forward time']];
for (const hidden of hiddenSizes) {
  const model = createModel({ inputSize: INPUT, layers: [{ cell: { kind: 'lstm', hiddenSize: hidden } }], outputSize: OUTPUT }, { seed: 1 }).online();
  let fastestForward = Infinity;
  const configs: Array<[string, LearnerConfig]> = [
    ['tbptt k=16', { kind: 'tbptt', k2: 16 }],
    ['uoro', { kind: 'uoro' }],
    ['nbt', { kind: 'nbt' }],
    // The O(n·p) and O(n²·p) learners only at the small size.
    ...(hidden === 32
      ? ([
          ['kfrtrl', { kind: 'kfrtrl' }],
          ['snap1', { kind: 'snap1' }],
          ['rtrl', { kind: 'rtrl' }],
        ] as Array<[string, LearnerConfig]>)
      : []),
  ];
  const measured = configs.map(([name, config]) => {
    const { forward, learner } = compare(config, model);
    fastestForward = Math.min(fastestForward, forward);
    return [String(hidden), name, (1 / learner).toFixed(learner > 1e-3 ? 1 : 0), (learner / forward).toFixed(2)];
  });
  rows.push([String(hidden), 'forward only', (1 / fastestForward).toFixed(0), '1.00'], ...measured);
  process.stderr.write(`hidden ${hidden}: n = ${model.core.stateSize}, p = ${model.paramSize}\n`);
}
const widths = rows[0]!.map((_, j) => Math.max(...rows.map((row) => row[j]!.length)));
process.stdout.write(rows.map((row) => row.map((cell, j) => (j < 2 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  ')).join('\n') + '\n');
