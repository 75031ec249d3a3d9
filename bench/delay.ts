/**
 * What a delay d costs each learner in the streaming session (docs/streaming.md): the bytes a
 * waiting prediction keeps (the learner's snapshot before its step, without the optimizer: what
 * the target's replay needs) and steps per second with the target d steps late, beside d = 0
 * (one plain learner.step). LSTM hidden 32, input 4, dense 4, Adam.
 *
 *   npm run build && node dist/bench/delay.js [--seconds 2]
 */
import { parseArgs } from 'node:util';
import { createModel, type ModelConfig } from '../src/model/config.js';
import { createLearner, type LearnerConfig } from '../src/kinds/learners.js';
import { mse } from '../src/loss/loss.js';
import { bytesPerElement } from '../src/tensor/dtype.js';
import { Rng } from '../src/tensor/rng.js';
import { StreamSession } from '../src/stream/session.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '2' } } });
const seconds = Number(values.seconds);
const model: ModelConfig = { inputSize: 4, layers: [{ cell: { kind: 'lstm', hiddenSize: 32 } }], outputSize: 4 };
const LEARNERS: ReadonlyArray<[string, LearnerConfig]> = [
  ['tbptt k2 = 16', { kind: 'tbptt', k2: 16, k1: 1 }],
  ['rtrl', { kind: 'rtrl' }],
  ['uoro', { kind: 'uoro' }],
  ['nbt', { kind: 'nbt' }],
  ['snap1', { kind: 'snap1' }],
  ['kfrtrl', { kind: 'kfrtrl' }],
];

function stepsPerSecond(config: LearnerConfig, delay: number): { rate: number; bytes: number } {
  const learner = createLearner(config, createModel(model, { seed: 1 }), { loss: mse, optimizer: { kind: 'adam', lr: 1e-3 }, seed: 1 });
  const session = new StreamSession(learner, { delay });
  const rng = new Rng(2);
  const pool = Array.from({ length: 256 }, () => Array.from({ length: 4 }, () => rng.normal()));
  let t = 0;
  const step = () => {
    session.observe(pool[t & 255]!, t >= delay ? pool[(t - delay + 1) & 255]! : null);
    t++;
  };
  for (let k = 0; k < 20; k++) step();
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < 1000 * seconds) {
    step();
    n++;
  }
  const snapshot = learner.snapshot();
  const bytes = Object.values(snapshot.tensors).reduce((sum, tensor) => sum + tensor.length * bytesPerElement('float64'), 0);
  return { rate: n / ((performance.now() - start) / 1000), bytes };
}

console.log(`delay cost per learner: LSTM hidden 32, input 4, dense 4 (p = ${createModel(model).theta.length}), float64, Adam; ${seconds} s per figure`);
console.log('learner        | bytes kept per waiting prediction | steps/s d = 0 | d = 1 | d = 5 | d = 5 vs d = 0');
for (const [name, config] of LEARNERS) {
  const [d0, d1, d5] = [0, 1, 5].map((d) => stepsPerSecond(config, d));
  console.log(`${name.padEnd(14)} | ${d0!.bytes.toLocaleString('en-US').padStart(33)} | ${d0!.rate.toFixed(0).padStart(13)} | ${d1!.rate.toFixed(0).padStart(5)} | ${d5!.rate.toFixed(0).padStart(5)} | ${(d5!.rate / d0!.rate).toFixed(2)}`);
}
