/**
 * A child process for the crash test: saves checkpoints in a loop until it is killed. Before
 * each save it fills θ and the learner with the step number, so a reader can tell a complete
 * checkpoint (every number equal to its step) from a torn one.
 */
import { createModel } from '../../src/model/config.js';
import { saveCheckpoint } from '../../src/io/checkpoint.js';
import { FakeLearner } from './fake-learner.js';

const dir = process.argv[2]!;
const model = createModel({ inputSize: 16, layers: [{ cell: { kind: 'lstm', hiddenSize: 96 } }], outputSize: 4 }, { seed: 1 });
const learner = new FakeLearner(model, 1);
for (let step = 0; ; step++) {
  learner.step(new Float64Array(16).fill(0.1), null);
  model.theta.fill(learner.steps);
  saveCheckpoint(dir, { model, learner, extra: { step: learner.steps } });
}
