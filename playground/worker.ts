/**
 * One learner of the playground, in its own Web Worker so the page never freezes: the stream,
 * the model and the learner, run in slices of a few milliseconds between messages. It reports
 * the prequential (test-then-train) loss — each step's loss is measured before the step's
 * update — block by block, its recent predictions, steps/s and the bytes of the learner's state.
 */
import { createModel, initialState } from '../src/model/config.js';
import type { Model } from '../src/model/model.js';
import { createLearner } from '../src/kinds/learners.js';
import { DivergenceError, type Learner } from '../src/learners/learner.js';
import { bytesPerElement } from '../src/tensor/dtype.js';
import { Rng } from '../src/tensor/rng.js';
import { enableWasmKernels, type KernelBackend } from '../src/tensor/backend.js';
import { defaultModel, type Task, type TaskStream } from '../src/tasks/task.js';
import type { StreamSnapshot } from '../src/tasks/snapshot.js';
import { decodeCheckpointArchive, encodeCheckpointArchive, type JsonValue } from '../src/codec/checkpoint.js';
import { encodeModelArchive } from '../src/codec/model.js';
import { parseLearnerSpec } from '../src/cli/learner-spec.js';
import { streamTask } from './streams.js';
import { BLOCK, RECENT, type FromWorker, type LearnerSetup, type ToWorker } from './protocol.js';
import type { StreamSpec } from './settings.js';

/** The worker's global scope, as much of it as this file uses (compiled with the DOM library). */
const scope = self as unknown as {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};

/** Milliseconds of stepping between looks at the message queue, and between reports. */
const SLICE_MS = 12;
const REPORT_MS = 100;

class Run {
  readonly model: Model;
  readonly learner: Learner;
  readonly categorical: boolean;
  readonly stateBytes: number;
  task: Task;
  stream: TaskStream;
  streamSpec: StreamSpec;
  drifts = 0;
  pendingDrift: { at: number; stream: StreamSpec } | null = null;
  running = false;
  stepsLeft = Infinity;
  private blockSum = 0;
  private blockCount = 0;
  private blocks: { step: number[]; loss: number[] } = { step: [], loss: [] };
  private readonly recent = { step: new Float64Array(RECENT), prediction: new Float64Array(RECENT), target: new Float64Array(RECENT) };
  private recentCount = 0;
  private busyMs = 0;
  private busySteps = 0;

  constructor(readonly setup: LearnerSetup) {
    this.streamSpec = setup.stream;
    this.task = streamTask(setup.stream);
    const spec = parseLearnerSpec(setup.learner);
    const optimizer = { ...this.task.setting.optimizer, ...(spec.lr === undefined ? {} : { lr: spec.lr }) };
    // A task whose model is fixed (influence balancing: its metric is the cell's θ) trains its own.
    const config =
      this.task.model.fixed !== undefined
        ? defaultModel(this.task)
        : { inputSize: this.task.inputSize, layers: Array.from({ length: setup.layers }, () => ({ cell: { kind: setup.cell, hiddenSize: setup.hidden } })), outputSize: this.task.outputSize };
    this.model = createModel(config, { seed: setup.seed });
    const s0 = initialState(this.model);
    this.learner = createLearner(spec.config, this.model, {
      loss: this.task.loss,
      optimizer,
      seed: setup.seed,
      ...(this.task.setting.clip === undefined ? {} : { clip: this.task.setting.clip }),
      ...(s0 === undefined ? {} : { initialState: s0 }),
    });
    this.categorical = this.task.loss.kind === 'crossEntropy';
    this.stream = this.task.stream(new Rng(setup.seed));
    this.stateBytes = Object.values(this.learner.snapshot().tensors).reduce((sum, t) => sum + t.length * bytesPerElement(this.model.dtype), 0);
  }

  get step(): number {
    return this.learner.steps;
  }

  /** Steps until `deadline` (performance.now()), or until paused or the step budget runs out. */
  runUntil(deadline: number): void {
    const started = performance.now();
    const first = this.learner.steps;
    const theta = this.model.theta;
    while (this.running && this.stepsLeft > 0 && performance.now() < deadline) {
      for (let k = 0; k < 16 && this.stepsLeft > 0; k++, this.stepsLeft--) {
        if (this.pendingDrift !== null && this.learner.steps >= this.pendingDrift.at) this.applyDrift(this.pendingDrift.stream);
        const sample = this.stream.next();
        if (sample.reset) this.learner.reset();
        const { loss, prediction } = this.learner.step(sample.input, sample.target);
        this.stream.observe({ loss, prediction, theta });
        this.record(loss, prediction, sample.target);
      }
    }
    if (this.stepsLeft <= 0) this.running = false;
    this.busyMs += performance.now() - started;
    this.busySteps += this.learner.steps - first;
  }

  private record(loss: number, prediction: ArrayLike<number>, target: ArrayLike<number> | null): void {
    if (!Number.isNaN(loss)) {
      this.blockSum += loss;
      this.blockCount++;
    }
    const step = this.learner.steps;
    if (step % BLOCK === 0 && this.blockCount > 0) {
      this.blocks.step.push(step);
      this.blocks.loss.push(this.blockSum / this.blockCount);
      this.blockSum = 0;
      this.blockCount = 0;
    }
    if (target === null) return;
    const at = this.recentCount++ % RECENT;
    this.recent.step[at] = step;
    if (this.categorical) {
      // The probability the softmax gives the symbol that came: 1 is a perfect prediction.
      let max = -Infinity;
      for (let j = 0; j < prediction.length; j++) max = Math.max(max, prediction[j]!);
      let sum = 0;
      for (let j = 0; j < prediction.length; j++) sum += Math.exp(prediction[j]! - max);
      this.recent.prediction[at] = Math.exp(prediction[target[0]!]! - max) / sum;
      this.recent.target[at] = 1;
    } else {
      this.recent.prediction[at] = prediction[0]!;
      this.recent.target[at] = target[0]!;
    }
  }

  applyDrift(stream: StreamSpec): void {
    const task = streamTask(stream);
    if (task.inputSize !== this.task.inputSize || task.outputSize !== this.task.outputSize || task.loss.kind !== this.task.loss.kind) {
      throw new RangeError(`the new stream (${task.title}) does not fit this model; start again instead`);
    }
    this.drifts++;
    this.task = task;
    this.streamSpec = stream;
    this.stream = task.stream(new Rng(this.setup.seed + 7919 * this.drifts));
    this.pendingDrift = null;
  }

  /** What happened since the last report (the curve's blocks are handed over, not repeated). */
  report(): FromWorker {
    const order = Array.from({ length: Math.min(this.recentCount, RECENT) }, (_, i) => (this.recentCount - Math.min(this.recentCount, RECENT) + i) % RECENT);
    const blocks = this.blocks;
    this.blocks = { step: [], loss: [] };
    const stepsPerSecond = this.busyMs > 50 ? (1000 * this.busySteps) / this.busyMs : NaN;
    if (this.busyMs > 2000) {
      // A moving measure: halve the history so the figure follows the current speed.
      this.busyMs /= 2;
      this.busySteps /= 2;
    }
    return {
      type: 'progress',
      step: this.learner.steps,
      blocks,
      recent: { step: order.map((i) => this.recent.step[i]!), prediction: order.map((i) => this.recent.prediction[i]!), target: order.map((i) => this.recent.target[i]!) },
      stepsPerSecond,
      stateBytes: this.stateBytes,
      paramCount: this.model.paramSize,
      running: this.running,
      streamTitle: this.task.title,
      categorical: this.categorical,
    };
  }

  /** The learner, model and stream position as a checkpoint archive; `extra` holds what rebuilds the rest. */
  checkpoint(): Uint8Array {
    const model = this.model;
    const extra: JsonValue = { playground: 1, setup: this.setup as unknown as JsonValue, streamSpec: this.streamSpec as unknown as JsonValue, drifts: this.drifts, stream: this.stream.snapshot() as unknown as JsonValue };
    return encodeCheckpointArchive({ model, learner: this.learner, extra });
  }

  modelArchive(): Uint8Array {
    return encodeModelArchive(this.model);
  }
}

let run: Run | null = null;
let lastReport = 0;
let scheduled = false;

function post(message: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

function loop(): void {
  scheduled = false;
  if (run === null) return;
  try {
    run.runUntil(performance.now() + SLICE_MS);
  } catch (error) {
    run.running = false;
    post(run.report());
    post({ type: 'error', message: error instanceof DivergenceError ? `${error.message}` : (error as Error).message });
    return;
  }
  const now = performance.now();
  if (now - lastReport >= REPORT_MS || !run.running) {
    lastReport = now;
    post(run.report());
  }
  if (run.running) schedule();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setTimeout(loop, 0);
}

/** A run continued from a checkpoint archive written by `Run.checkpoint`. */
function reopen(bytes: Uint8Array, name: string): Run {
  const saved = decodeCheckpointArchive(bytes, name);
  const extra = saved.extra as { playground?: number; setup?: LearnerSetup; streamSpec?: StreamSpec; drifts?: number; stream?: StreamSnapshot } | null;
  if (extra === null || typeof extra !== 'object' || extra.playground !== 1 || extra.setup === undefined || extra.streamSpec === undefined || extra.stream === undefined) {
    throw new TypeError(`${name}: a checkpoint, but not one the playground wrote (no stream position in it)`);
  }
  const next = new Run(extra.setup);
  if (next.learner.kind !== saved.snapshot.kind) throw new TypeError(`${name}: holds a ${saved.snapshot.kind} learner, not ${next.learner.kind}`);
  if (JSON.stringify(extra.streamSpec) !== JSON.stringify(extra.setup.stream)) next.applyDrift(extra.streamSpec);
  next.drifts = extra.drifts ?? 0;
  next.model.theta.set(saved.model.theta);
  next.learner.restore(saved.snapshot);
  next.stream.restore(extra.stream);
  return next;
}

/** The WebAssembly SIMD kernels, compiled asynchronously (as browsers prefer) before any model is built. */
const kernels: Promise<KernelBackend> = enableWasmKernels().catch(() => 'ts' as const);
let backend: KernelBackend = 'ts';

scope.onmessage = (event) => {
  void kernels.then((ready) => {
    backend = ready;
    handle(event.data);
  });
};

function handle(message: ToWorker): void {
  try {
    switch (message.type) {
      case 'start':
        run = new Run(message.setup);
        post({ type: 'ready', title: run.task.title, model: describe(run), categorical: run.categorical });
        post(run.report());
        return;
      case 'open': {
        const wasRunning = run?.running ?? false;
        run = reopen(message.bytes, message.name);
        post({ type: 'opened', step: run.step, setup: run.setup, name: message.name });
        post({ type: 'ready', title: run.task.title, model: describe(run), categorical: run.categorical });
        run.running = wasRunning;
        post(run.report());
        if (run.running) schedule();
        return;
      }
    }
    if (run === null) return; // the start failed, and said why: nothing to run, pause or save
    switch (message.type) {
      case 'run':
        run.running = true;
        run.stepsLeft = Infinity;
        schedule();
        return;
      case 'pause':
        run.running = false;
        post(run.report());
        return;
      case 'step':
        run.running = true;
        run.stepsLeft = message.n;
        schedule();
        return;
      case 'drift':
        run.pendingDrift = { at: message.at, stream: message.stream };
        if (!run.running && run.step >= message.at) run.applyDrift(message.stream);
        return;
      case 'save': {
        const bytes = message.what === 'checkpoint' ? run.checkpoint() : run.modelArchive();
        post({ type: 'saved', what: message.what, bytes, step: run.step }, [bytes.buffer as ArrayBuffer]);
        return;
      }
    }
  } catch (error) {
    post({ type: 'error', message: (error as Error).message });
  }
}

function describe(r: Run): string {
  const model = r.model;
  const params = model.paramSize.toLocaleString('en-US');
  if (r.task.model.fixed !== undefined) return `the task's own model (${r.task.model.fixed}), ${params} parameter${model.paramSize === 1 ? '' : 's'}`;
  return `${r.setup.layers > 1 ? `${r.setup.layers} × ` : ''}${r.setup.cell.toUpperCase()} ${r.setup.hidden}, ${params} parameters, ${model.dtype}, ${backend === 'wasm' ? 'WebAssembly SIMD' : 'TypeScript'} kernels`;
}
