import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel } from '../../src/model/config.js';
import { createLearner, type LearnerConfig } from '../../src/kinds/learners.js';
import { createOptimizer, type OptimizerConfig } from '../../src/kinds/optimizers.js';
import type { Optimizer } from '../../src/optim/optimizer.js';
import { StructuredGradient } from '../../src/optim/structured-gradient.js';
import { mse } from '../../src/loss/loss.js';
import { kernelBackend, setKernelBackend } from '../../src/tensor/backend.js';
import { zeros, type DType } from '../../src/tensor/dtype.js';
import { Rng } from '../../src/tensor/rng.js';

/** The same optimizer without `stepStructured`: the learner must form the dense gradient and call `step`. */
function denseOnly(optimizer: Optimizer): Optimizer {
  const wrapper = Object.create(optimizer) as Optimizer;
  Object.defineProperty(wrapper, 'stepStructured', { value: undefined });
  return wrapper;
}

/** θ and the last gradient after `steps` steps of a learner on a fixed stream. */
function run(learner: LearnerConfig, optimizer: OptimizerConfig, dtype: DType, dense: boolean, clip: number | undefined, hiddenSize: number, inputSize = 3): { theta: Float64Array; gradient: Float64Array; losses: number[] } {
  const model = createModel({ inputSize, layers: [{ cell: { kind: 'lstm', hiddenSize } }], outputSize: 2, dtype }, { seed: 5 });
  const built = createOptimizer(optimizer, model.paramSize, dtype);
  const l = createLearner(learner, model, { loss: mse, optimizer: dense ? denseOnly(built) : built, seed: 9, ...(clip === undefined ? {} : { clip }) });
  const rng = new Rng(2);
  const losses: number[] = [];
  for (let t = 0; t < 40; t++) {
    const x = Array.from({ length: inputSize }, () => rng.normal());
    // every fifth step has no target: the last estimate must stay readable across it
    const r = l.step(x, t % 5 === 4 ? null : [rng.normal(), rng.normal()]);
    losses.push(r.loss);
  }
  return { theta: Float64Array.from(model.theta), gradient: Float64Array.from(l.gradient), losses };
}

const optimizers: OptimizerConfig[] = [{ kind: 'sgd', lr: 0.05 }, { kind: 'momentum', lr: 0.02 }, { kind: 'adam', lr: 0.01 }];
const startingBackend = kernelBackend();
const backends = kernelBackend() === 'wasm' ? (['wasm', 'ts'] as const) : (['ts'] as const);

for (const backend of backends) {
  test(`uoro and nbt updating from a structured gradient give θ and gradients bit-identical to the dense path (sgd, momentum, adam; clipped or not; float64 and float32; ${backend} kernels)`, () => {
    setKernelBackend(backend);
    try {
      for (const learner of [{ kind: 'uoro' }, { kind: 'uoro', deltaTheta: 'vjp' }, { kind: 'nbt' }] as LearnerConfig[]) {
        for (const optimizer of optimizers) {
          for (const dtype of ['float64', 'float32'] as const) {
            for (const clip of [undefined, 0.05]) {
              // H = 4 has p_core < 64 (the TypeScript vector loops), H = 24 the SIMD ones; with 8 inputs
              // every row of θ̃'s blocks is a multiple of 8 long, so SGD also adds θ̃'s terms in its pass
              for (const [hiddenSize, inputSize] of [[4, 3], [24, 3], [24, 8]] as const) {
                const what = `${JSON.stringify(learner)} ${optimizer.kind} ${dtype} clip ${clip} H ${hiddenSize} I ${inputSize}`;
                const fused = run(learner, optimizer, dtype, false, clip, hiddenSize, inputSize);
                const dense = run(learner, optimizer, dtype, true, clip, hiddenSize, inputSize);
                assert.deepEqual(fused.losses, dense.losses, what);
                assert.deepEqual(fused.theta, dense.theta, what);
                assert.deepEqual(fused.gradient, dense.gradient, what);
              }
            }
          }
        }
      }
    } finally {
      setKernelBackend(startingBackend);
    }
  });
}
test('a structured gradient formed densely puts scale·values in each segment, zeros elsewhere, and applies the clipping factor', () => {
  const a = zeros('float64', 3);
  a.set([1, 2, 3]);
  const b = zeros('float64', 2);
  b.set([4, 5]);
  const g = new StructuredGradient(8, [
    { offset: 1, values: a, scale: 2 },
    { offset: 5, values: b },
  ]);
  const out = zeros('float64', 8).fill(7);
  g.denseInto(out);
  assert.deepEqual(Array.from(out), [0, 2, 4, 6, 0, 4, 5, 0]);
  g.clipFactor = 0.5;
  g.denseInto(out);
  assert.deepEqual(Array.from(out), [0, 1, 2, 3, 0, 2, 2.5, 0]);
  assert.throws(() => new StructuredGradient(4, [{ offset: 2, values: a }]), /segments must lie in order inside θ/);
});

test('sgd, momentum and adam stepping on a structured gradient move θ exactly as stepping on its dense form', () => {
  const rng = new Rng(8);
  for (const config of optimizers) {
    for (const dtype of ['float64', 'float32'] as const) {
      const p = 300;
      const values = zeros(dtype, 200);
      for (let i = 0; i < values.length; i++) values[i] = rng.normal();
      const head = zeros(dtype, 50);
      for (let i = 0; i < head.length; i++) head[i] = rng.normal();
      const g = new StructuredGradient(p, [{ offset: 20, values, scale: -0.37 }, { offset: 240, values: head }]);
      const thetaA = zeros(dtype, p);
      for (let i = 0; i < p; i++) thetaA[i] = rng.normal();
      const thetaB = zeros(dtype, p); // in the arena too (slice() would not be), so both paths run the same kernels
      thetaB.set(thetaA);
      const fused = createOptimizer(config, p, dtype);
      const plain = createOptimizer(config, p, dtype);
      const dense = zeros(dtype, p);
      for (let step = 0; step < 3; step++) {
        g.clipFactor = step === 1 ? 0.3 : 1;
        fused.stepStructured!(thetaA, g);
        g.denseInto(dense);
        plain.step(thetaB, dense);
      }
      assert.deepEqual(Array.from(thetaA), Array.from(thetaB), `${config.kind} ${dtype}`);
    }
  }
});
