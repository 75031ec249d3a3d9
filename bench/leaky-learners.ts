/**
 * Steps per second of the learners that apply to the leaky RNN (RFLO, KeRNL, DNI, the
 * output-only baseline; RTRL at the small size) beside UORO's, on Marschall et al.'s Add-task
 * model: a leaky tanh RNN (α = 0.5), input 2, softmax head 2, cross-entropy.
 *
 *   node dist/bench/leaky-learners.js [--hidden 32,128] [--rounds 15] [--milliseconds 40]
 *
 * Each learner is timed in rounds of as many steps as take it about `--milliseconds`, each round
 * followed by the same number of UORO steps; printed are the fastest round of each and the median over rounds of the ratio
 * of the two (the learner's time per step in UOROs), which shrugs off other jobs' bursts.
 * Nothing is written to disk.
 */
import { createModel } from '../src/model/config.js';
import { createLearner, type LearnerConfig } from '../src/kinds/learners.js';
import { crossEntropy } from '../src/loss/loss.js';
import { addTask } from '../src/tasks/add.js';
import { Rng } from '../src/tensor/rng.js';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at < 0 ? fallback : process.argv[at + 1]!;
}
const hiddenSizes = option('--hidden', '32,128').split(',').map(Number);
const rounds = Number(option('--rounds', '15'));
const burstSeconds = Number(option('--milliseconds', '40')) / 1000;
if (![...hiddenSizes, rounds].every((v) => Number.isInteger(v) && v > 0) || !(burstSeconds > 0)) throw new RangeError('--hidden and --rounds take positive integers, --milliseconds a positive number');

// One recorded stretch of the Add task, replayed: every learner sees the same inputs and labels.
const task = addTask();
const source = task.stream(new Rng(1));
const samples = Array.from({ length: 256 }, () => {
  const { input, target } = source.next();
  return { input: input.slice(), target: target!.slice() };
});

/** A learner on a fresh model of this size, and a function that runs `count` of its steps and returns the seconds taken. */
function timer(config: LearnerConfig, hidden: number): (count: number) => number {
  const model = createModel({ inputSize: 2, layers: [{ cell: { kind: 'leaky-rnn', hiddenSize: hidden, alpha: 0.5 } }], outputSize: 2 }, { seed: 1 });
  const learner = createLearner(config, model, { loss: crossEntropy, optimizer: { kind: 'sgd', lr: 1e-4 }, seed: 1 });
  let t = 0;
  return (count) => {
    const start = performance.now();
    for (let k = 0; k < count; k++, t++) learner.step(samples[t % samples.length]!.input, samples[t % samples.length]!.target);
    return (performance.now() - start) / 1000;
  };
}

const LEARNERS: ReadonlyArray<[string, LearnerConfig, number]> = [
  ['rflo', { kind: 'rflo' }, Infinity],
  ['kernl', { kind: 'kernl' }, Infinity],
  ['dni', { kind: 'dni' }, Infinity],
  ['output-only', { kind: 'output-only' }, Infinity],
  ['rtrl', { kind: 'rtrl' }, 32], // O(n²·p) a step: the small size only
];

const lines = ['hidden  learner        steps/s  UORO steps/s  × UORO time (median)'];
for (const hidden of hiddenSizes) {
  const uoro = timer({ kind: 'uoro' }, hidden);
  for (const [name, config, largest] of LEARNERS) {
    if (hidden > largest) continue;
    const learner = timer(config, hidden);
    learner(10); // warm-up, and a first measure of the step
    uoro(10);
    // Bursts of about `--milliseconds` of the learner: longer than a scheduler's time slice.
    const count = Math.max(1, Math.round(burstSeconds / (learner(10) / 10)));
    // Interleaved rounds: each ratio compares two bursts taken moments apart, and the median ratio ignores the rounds another job disturbed.
    let best = Infinity;
    let uoroBest = Infinity;
    const ratios: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const seconds = learner(count) / count;
      const uoroSeconds = uoro(count) / count;
      [best, uoroBest] = [Math.min(best, seconds), Math.min(uoroBest, uoroSeconds)];
      ratios.push(seconds / uoroSeconds);
    }
    const median = ratios.sort((a, b) => a - b)[Math.floor(rounds / 2)]!;
    lines.push(`${String(hidden).padEnd(6)}  ${name.padEnd(12)}  ${(1 / best).toFixed(0).padStart(7)}  ${(1 / uoroBest).toFixed(0).padStart(12)}  ${median.toFixed(2).padStart(11)}`);
  }
}
process.stdout.write(lines.join('\n') + '\n');
