/** Shared by the stream tests: BPTT's gradient of one step's loss, the reference for delayed targets. */
import type { Model } from '../../src/model/model.js';
import { bptt } from '../../src/learners/bptt.js';
import { mse } from '../../src/loss/loss.js';
import { sgd } from '../../src/optim/sgd.js';
import type { Stream } from '../learners/helpers.js';

/** ∂ℓ_s/∂θ alone, by BPTT over x_0 … x_s with the loss at the last step only (θ fixed). */
export function bpttGradientOfStep(model: Model, stream: Stream, s: number): Float64Array {
  const learner = bptt(model, { loss: mse, optimizer: sgd({ lr: 0 }), lossAt: 'last' });
  const inputs = new Float64Array(stream.inputs.slice(0, s + 1).flatMap((x) => Array.from(x)));
  learner.computeGradient({ inputs, targets: stream.targets[s]!, steps: s + 1, batch: 1 });
  return Float64Array.from(learner.gradient);
}
