/** A small synthetic comparison for the report tests: three learners, two seeds, one diverging. */
import type { Comparison, RunResult } from '../../src/report/comparison.js';
import type { CurvePoint } from '../../src/report/curve.js';

function run(seed: number, curve: (step: number) => [number, number], divergeAt = Infinity): RunResult {
  const points: CurvePoint[] = [];
  for (let step = 100; step <= 2000 && step < divergeAt; step += 100) {
    const [loss, metric] = curve(step);
    points.push({ step, loss, metric, time: step / 1000 });
  }
  const diverged = divergeAt !== Infinity;
  return {
    seed,
    points,
    end: diverged ? 'diverged' : 'completed',
    steps: diverged ? divergeAt : 2000,
    seconds: 2,
    stateBytes: 1024 * (seed + 1),
    finalLoss: diverged ? Infinity : points[points.length - 1]!.loss,
    finalMetric: points[points.length - 1]!.metric,
    ...(diverged ? { message: `the loss diverged at step ${divergeAt}` } : {}),
  };
}

export function exampleComparison(): Comparison {
  return {
    task: {
      title: 'influence balancing <test> & "quotes"',
      loss: 'nats',
      metric: { name: 'θ', unit: '', better: 'target' },
      references: [
        { axis: 'loss', label: 'memoryless', value: 0.5 },
        { axis: 'metric', label: 'θ* = −1/6', value: -1 / 6 },
      ],
    },
    model: 'influence cell (n = 23)',
    optimizer: 'sgd lr 1e-3',
    steps: 2000,
    learners: [
      { label: 'rtrl', runs: [1, 2].map((s) => run(s, (t) => [0.6 * Math.exp(-t / 500) + 0.01 * s, -1 / 6 + 0.3 * Math.exp(-t / 400)])) },
      { label: 'uoro', runs: [1, 2].map((s) => run(s, (t) => [0.6 * Math.exp(-t / 800) + 0.02 * s, -1 / 6 + 0.35 * Math.exp(-t / 600) * s])) },
      { label: 'tbptt:k=2', runs: [1, 2].map((s) => run(s, (t) => [0.5 * Math.exp(t / 150), 0.5 * Math.exp(t / 160)], 1500 + 100 * s)) },
    ],
    command: 'online-rnn compare --task influence --learners rtrl,uoro,tbptt:k=2 --steps 2000 --seeds 2',
    versions: { 'online-rnn': '0.1.0', node: 'v20', uplot: '1.6.32' },
    date: '2025-01-01T00:00:00.000Z',
  };
}
