/** The run the resume test stops and resumes: one model, one stream, any learner config. */
import { createModel, type ModelConfig } from '../../src/model/config.js';
import type { Model } from '../../src/model/model.js';
import { createLearner, type LearnerConfig } from '../../src/kinds/learners.js';
import { supports } from '../../src/kinds/support.js';
import type { Learner } from '../../src/learners/learner.js';
import { mse } from '../../src/loss/loss.js';
import { Rng } from '../../src/tensor/rng.js';

/**
 * A stack, so every learner sees a composite state; a learner the stack cannot serve gets the
 * first single layer it can: an LSTM (KF-RTRL: one Kronecker-factored cell), else a leaky RNN
 * (RFLO: one leaky layer).
 */
export function scenarioModel(config: LearnerConfig): ModelConfig {
  const candidates: ModelConfig['layers'][] = [
    [{ cell: { kind: 'lstm', hiddenSize: 4 } }, { cell: { kind: 'gru', hiddenSize: 3 } }],
    [{ cell: { kind: 'lstm', hiddenSize: 4 } }],
    [{ cell: { kind: 'leaky-rnn', hiddenSize: 4 } }],
  ];
  const layers = candidates.find((layers) => supports(config, layers));
  if (layers === undefined) throw new Error(`the resume scenario has no model for ${config.kind}: add one it supports`);
  return { inputSize: 3, layers, outputSize: 2 };
}

/** Sample t of a deterministic stream: anyone can resume it from t. */
export function sample(t: number): { x: number[]; target: number[] } {
  const rng = new Rng(5000 + t);
  const x = [rng.normal(), rng.normal(), rng.normal()];
  return { x, target: [Math.sin(t / 3) + 0.1 * x[0]!, x[1]! * x[2]!] };
}

export function makeLearner(config: LearnerConfig, model: Model): Learner {
  return createLearner(config, model, { loss: mse, optimizer: { kind: 'adam', lr: 0.01 }, seed: 11, clip: 5 });
}

export function resumeScenario(config: LearnerConfig): { model: Model; learner: Learner; sample: typeof sample } {
  const model = createModel(scenarioModel(config), { seed: 21 });
  return { model, learner: makeLearner(config, model), sample };
}
