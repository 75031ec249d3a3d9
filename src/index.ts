/** online-rnn: the public API. This file only re-exports. */
export { zeros, fromValues, bytesPerElement, type DType, type Vec } from './tensor/dtype.js';
export { Rng, type RngState } from './tensor/rng.js';
export { type GateActivation, type Nonlinearity } from './tensor/activations.js';

export type { Cell, CellStep, ImmediateInfluence, ParamBlock, InventoryEntry, StatePart } from './cells/cell.js';
export { layoutParams, paramView } from './cells/cell.js';
export { rnn, RnnCell, type RnnOptions } from './cells/rnn.js';
export { lstm, LstmCell, type LstmOptions } from './cells/lstm.js';
export { gru, GruCell, type GruOptions } from './cells/gru.js';

export { stack, StackCell } from './model/stack.js';
export { dense, Dense } from './model/dense.js';
export { Model, formatShape, type ModelLayer, type InventoryLine } from './model/model.js';
export { OnlineModel, onlineModel } from './model/online.js';
export { SequenceTape } from './model/sequence.js';
export {
  createModel,
  parseModelConfig,
  buildCell,
  repeatedLayers,
  CELL_KINDS,
  type ModelConfig,
  type LayerConfig,
  type CellConfig,
  type RnnCellConfig,
  type LstmCellConfig,
  type GruCellConfig,
} from './model/config.js';

export { mse, squaredError, crossEntropy, lossByKind, type Loss, type LossKind } from './loss/loss.js';

export { sgd, Sgd } from './optim/sgd.js';
export { momentum, Momentum } from './optim/momentum.js';
export { adam, Adam } from './optim/adam.js';
export { clipGradNorm } from './optim/clip.js';
export { scheduledRate, type Schedule } from './optim/schedule.js';
export { createOptimizer, type OptimizerConfig } from './optim/config.js';
export type { Optimizer, OptimizerState } from './optim/optimizer.js';

export { bptt, Bptt, type SequenceBatch, type BpttOptions } from './learners/bptt.js';
export { DivergenceError, type Learner, type LearnerOptions, type LearnerSnapshot, type StepResult } from './learners/learner.js';

export { fromPyTorch, toPyTorchNames, pytorchArgs, pytorchConfig, statesFromPyTorch, statesToPyTorch, type PyTorchArgs, type StateDict } from './io/pytorch.js';
