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
  MERGE_MODES,
  type MergeMode,
  type ModelConfig,
  type LayerConfig,
  type CellConfig,
  type RnnCellConfig,
  type LstmCellConfig,
  type GruCellConfig,
} from './model/config.js';

export { mse, squaredError, crossEntropy, type Loss, type LossKind } from './loss/loss.js';
export { LOSSES, LOSS_KINDS, lossByKind } from './kinds/losses.js';

export { sgd, Sgd } from './optim/sgd.js';
export { momentum, Momentum } from './optim/momentum.js';
export { adam, Adam } from './optim/adam.js';
export { clipGradNorm } from './optim/clip.js';
export { scheduledRate, type Schedule } from './optim/schedule.js';
export { createOptimizer, parseOptimizerConfig, OPTIMIZERS, OPTIMIZER_KINDS, type OptimizerConfig } from './kinds/optimizers.js';
export type { Optimizer, OptimizerState } from './optim/optimizer.js';

export { bptt, Bptt, type SequenceBatch, type BpttOptions } from './learners/bptt.js';
export { DivergenceError, type Learner, type LearnerOptions, type LearnerSnapshot, type StepResult } from './learners/learner.js';
export { tbptt, Tbptt, type TbpttOptions } from './learners/tbptt.js';
export { rtrl, RtrlEstimator, type Rtrl, type RtrlOptions } from './learners/rtrl.js';
export { uoro, UoroEstimator, UORO_EPSILON, type Uoro, type UoroOptions } from './learners/uoro.js';
export { nbt, NbtEstimator, type Nbt, type NbtOptions } from './learners/nbt.js';
export { snap1, Snap1Estimator, type Snap1, type Snap1Options } from './learners/snap1.js';
export { kfrtrl, KfRtrlEstimator, type KfRtrl, type KfRtrlOptions } from './learners/kfrtrl.js';
export { ForwardModeLearner, type SensitivityEstimator, type EstimatorSetup } from './learners/forward-mode.js';
export { createLearner, parseLearnerConfig, LEARNERS, LEARNER_KINDS, type LearnerConfig, type LearnerKind } from './kinds/learners.js';
export { supports, capabilitiesOf } from './kinds/support.js';
export { CELLS, type InteropCellConfig } from './kinds/cells.js';
export type { CellSpec, FlagSpec, Capability } from './kinds/spec.js';
export { exactGradient, estimatorStats, type EstimatorStats } from './learners/gradstats.js';
export { influenceBalancingCell, INFLUENCE_OPTIMUM, type InfluenceCellConfig } from './cells/influence.js';

export { createTask, parseTaskConfig, TASKS, TASK_KINDS, type TaskConfig, type TaskKind, type CorpusConfig } from './kinds/tasks.js';
export type { Task, TaskStream, Sample, Outcome, MetricSpec, Reference, TaskModel, PaperSetting } from './tasks/task.js';
export { SnapshotReader, exact, exactArray, fromExact, type StreamSnapshot, type SnapshotValue, type ExactNumber, type Reader } from './tasks/snapshot.js';
export { copyTask, type CopyOptions } from './tasks/copy.js';
export { addTask, addTaskLevels, type AddOptions } from './tasks/add.js';
export { addingTask, type AddingOptions } from './tasks/adding.js';
export { charlmTask } from './tasks/charlm.js';
export { textCorpus, bigramEntropy, type Corpus } from './tasks/corpus.js';
export { anbnCorpus, anbnOptimum, type AnbnOptions } from './tasks/anbn.js';
export { bracketsCorpus, bracketsOptimum, BRACKETS_VARIANTS, type BracketsOptions } from './tasks/brackets.js';
export { seriesTask, type SeriesSource } from './tasks/series.js';
export { mackeyGlass, type MackeyGlassOptions } from './tasks/mackey-glass.js';
export { csvColumn, csvColumns, parseCsv } from './tasks/csv.js';
export { influenceTask } from './tasks/influence-task.js';
export { train, type TrainOptions, type TrainEnd, type StepRecord } from './tasks/run.js';

export { fromPyTorch, toPyTorchNames, pytorchArgs, pytorchConfig, statesFromPyTorch, statesToPyTorch, type PyTorchArgs, type StateDict } from './io/pytorch.js';

// Formats (pure: bytes in, bytes out — browsers too). File access lives in 'online-rnn/node'.
export { parseSafetensors, writeSafetensors, readTensor, FormatError, type SafetensorsFile, type TensorToWrite } from './io/safetensors.js';
export { encodeModel, decodeModel, encodeModelConfig, decodeModelConfig, MODEL_FORMAT, MODEL_FORMAT_VERSION, type DecodeOptions } from './io/model-format.js';
// A model or checkpoint as one byte array (a tar of its files): for IndexedDB, downloads, the wire.
export { encodeModelArchive, decodeModelArchive } from './codec/model.js';
export { encodeCheckpoint, encodeCheckpointArchive, decodeCheckpointArchive, CHECKPOINT_FORMAT, CHECKPOINT_VERSION, type CheckpointInput, type CheckpointContents, type JsonValue } from './codec/checkpoint.js';
export { packFiles, unpackFiles, type FileContents } from './codec/tar.js';
export { importPyTorch, exportPyTorch, parsePyTorchSpec, type PyTorchSpec } from './io/pytorch-safetensors.js';
export { importTfjs, type TfjsModelJson } from './io/tfjs.js';
export { exportTfjs } from './io/tfjs-export.js';

// Streaming: predict now, learn when the target arrives; prequential evaluation; drift.
export { StreamSession, streamSession, type SessionOptions, type SessionSnapshot, type Prediction, type Learned, type PendingPrediction, type PredictionId } from './stream/session.js';
export { prequential, type PrequentialOptions, type PrequentialResult, type PrequentialRecord, type StreamSample } from './stream/prequential.js';
export { PrequentialMetric, StreamAverages, score, METRIC_KINDS, type MetricKind, type Averages } from './stream/metrics.js';
export { adwin, Adwin, type AdwinOptions } from './stream/adwin.js';
export { pageHinkley, PageHinkley, type PageHinkleyOptions } from './stream/page-hinkley.js';
export { reactToDrift, parseDriftPolicy, driftPolicyText, DriftResponse, DRIFT_POLICIES, type DriftDetector, type DriftPolicy, type ResetPolicy, type BoostPolicy } from './stream/drift.js';
export { switchingTask } from './stream/switching.js';
export { run, type SequenceRun } from './model/run.js';
