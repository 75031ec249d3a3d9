/**
 * Steps per second of each online learner on an LSTM (input 32, dense head 32), as a ratio
 * to one forward step (cell forward + head + loss) measured in the same process:
 *
 *   node dist/bench/learners.js [--seconds 1.5]
 *
 * Each learner runs warm-up steps, then as many steps as fit in the time budget.
 */
import { createModel } from '../src/model/config.js';
import type { OnlineModel } from '../src/model/online.js';
import { createLearner, type LearnerConfig } from '../src/learners/config.js';
import { Readout } from '../src/learners/readout.js';
import { mse } from '../src/loss/loss.js';
import { Rng } from '../src/tensor/rng.js';

const budget = Number(process.argv[process.argv.indexOf('--seconds') + 1] ?? 1.5) * 1000 || 1500;
const INPUT = 32;
const OUTPUT = 32;

function stream(length: number): { inputs: Float64Array[]; targets: Float64Array[] } {
  const rng = new Rng(1);
  const vector = (n: number) => Float64Array.from({ length: n }, () => rng.normal());
  return { inputs: Array.from({ length }, () => vector(INPUT)), targets: Array.from({ length }, () => vector(OUTPUT)) };
}
const data = stream(64);

/** Runs `step` for the budget (after warm-up) and returns seconds per step. */
function time(step: (t: number) => void, warmup: number): number {
  for (let t = 0; t < warmup; t++) step(t);
  let steps = 0;
  const start = performance.now();
  let now = start;
  while (now - start < budget) {
    for (let i = 0; i < 8; i++) step(steps++);
    now = performance.now();
  }
  return (now - start) / 1000 / steps;
}

function forwardOnly(model: OnlineModel): number {
  const cellStep = model.core.createStep(1);
  const readout = new Readout(model, mse);
  const state = new Float64Array(model.core.stateSize);
  return time((t) => {
    cellStep.forward(state, data.inputs[t % 64]!, state, model.coreTheta);
    readout.evaluate(state, data.targets[t % 64]!, null);
  }, 200);
}

function learnerTime(config: LearnerConfig, model: OnlineModel): number {
  const learner = createLearner(config, model, { loss: mse, optimizer: { kind: 'sgd', lr: 1e-6 }, seed: 1 });
  return time((t) => learner.step(data.inputs[t % 64]!, data.targets[t % 64]!), config.kind === 'rtrl' ? 5 : 200);
}

const rows: string[][] = [['hidden', 'learner', 'steps/s', '× forward time']];
for (const hidden of [32, 128]) {
  const model = createModel({ inputSize: INPUT, layers: [{ cell: { kind: 'lstm', hiddenSize: hidden } }], outputSize: OUTPUT }, { seed: 1 }).online();
  const forward = forwardOnly(model);
  rows.push([String(hidden), 'forward only', (1 / forward).toFixed(0), '1.00']);
  const configs: Array<[string, LearnerConfig]> = [
    ['tbptt k=16', { kind: 'tbptt', k2: 16 }],
    ['uoro', { kind: 'uoro' }],
    ['nbt', { kind: 'nbt' }],
    ...(hidden === 32 ? ([['rtrl', { kind: 'rtrl' }]] as Array<[string, LearnerConfig]>) : []),
  ];
  for (const [name, config] of configs) {
    const seconds = learnerTime(config, model);
    rows.push([String(hidden), name, (1 / seconds).toFixed(seconds > 1e-3 ? 1 : 0), (seconds / forward).toFixed(2)]);
  }
  process.stderr.write(`hidden ${hidden}: n = ${model.core.stateSize}, p = ${model.paramSize}\n`);
}
const widths = rows[0]!.map((_, j) => Math.max(...rows.map((row) => row[j]!.length)));
process.stdout.write(rows.map((row) => row.map((cell, j) => (j < 2 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  ')).join('\n') + '\n');
