/**
 * Steps per second of every learner in the learner table (src/kinds/learners.ts, so learners
 * added there appear here unchanged) beside UORO's, on a one-layer model (input 32, dense head
 * 32, float64, SGD) at each hidden size:
 *
 *   node dist/bench/every-learner.js [--cell lstm|rnn|gru] [--hidden 32,128] [--seconds 1]
 *
 * A learner that refuses the cell is listed with its reason. UORO and each learner run in
 * alternating rounds and each keeps its best round (a busy machine slows rounds, never speeds
 * them up), and the ratio is taken between the two; the O(n²·p) learners get one timed step a
 * round once a step outlasts the round.
 */
import { createModel } from '../src/model/config.js';
import type { OnlineModel } from '../src/model/online.js';
import { createLearner, gradstatsLearners, type LearnerConfig } from '../src/kinds/learners.js';
import type { Learner } from '../src/learners/learner.js';
import { mse } from '../src/loss/loss.js';
import { Rng } from '../src/tensor/rng.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : fallback);
const cell = option('--cell', 'lstm');
if (!['lstm', 'rnn', 'gru'].includes(cell)) throw new RangeError(`--cell takes lstm, rnn or gru, got ${cell}`);
const hiddenSizes = option('--hidden', '32,128').split(',').map(Number);
if (hiddenSizes.some((h) => !(Number.isInteger(h) && h > 0))) throw new RangeError(`--hidden takes positive integers separated by commas`);
const roundMilliseconds = (1000 * Number(option('--seconds', '1'))) / 5;
const ROUNDS = 5;
const WIDTH = 32;

const rng = new Rng(1);
const data = Array.from({ length: 64 }, () => ({ x: Float64Array.from({ length: WIDTH }, () => rng.normal()), y: Float64Array.from({ length: WIDTH }, () => rng.normal()) }));

/** Milliseconds per step of one round: steps until the round's time is up (at least one). */
function round(learner: Learner): number {
  const start = performance.now();
  let steps = 0;
  let elapsed = 0;
  do {
    const { x, y } = data[steps++ % data.length]!;
    learner.step(x, y);
    elapsed = performance.now() - start;
  } while (elapsed < roundMilliseconds);
  return elapsed / steps;
}

function build(config: LearnerConfig, model: OnlineModel): Learner | string {
  try {
    return createLearner(config, model, { loss: mse, optimizer: { kind: 'sgd', lr: 1e-6 }, seed: 1 });
  } catch (error) {
    if (error instanceof TypeError) return error.message.split(':')[1]?.trim() ?? error.message;
    throw error;
  }
}

const rows: string[][] = [['hidden', 'learner', 'steps/s', 'UORO steps/s', '× UORO time']];
for (const hidden of hiddenSizes) {
  const model = createModel({ inputSize: WIDTH, layers: [{ cell: { kind: cell as 'lstm', hiddenSize: hidden } }], outputSize: WIDTH }, { seed: 1 }).online();
  process.stderr.write(`${cell} ${hidden}: n = ${model.core.stateSize}, p = ${model.paramSize}\n`);
  for (const [name, { config }] of gradstatsLearners(16)) {
    const learner = build(config, model);
    if (typeof learner === 'string') {
      rows.push([String(hidden), name, `refused: ${learner}`, '', '']);
      continue;
    }
    const uoro = build({ kind: 'uoro' }, model) as Learner;
    round(uoro);
    round(learner);
    let best = { uoro: Infinity, learner: Infinity };
    for (let r = 0; r < ROUNDS; r++) best = { uoro: Math.min(best.uoro, round(uoro)), learner: Math.min(best.learner, round(learner)) };
    rows.push([String(hidden), name, (1000 / best.learner).toFixed(best.learner > 100 ? 2 : 0), (1000 / best.uoro).toFixed(0), (best.learner / best.uoro).toFixed(2)]);
    process.stderr.write(`  ${name}\n`);
  }
}
const widths = rows[0]!.map((_, j) => Math.max(...rows.map((row) => row[j]!.length)));
process.stdout.write(rows.map((row) => row.map((text, j) => (j < 2 || text.startsWith('refused') ? text.padEnd(widths[j]!) : text.padStart(widths[j]!))).join('  ').trimEnd()).join('\n') + '\n');
