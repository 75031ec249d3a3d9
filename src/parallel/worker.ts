/**
 * A worker of the parallel batch split (src/parallel/bptt.ts): adopts the parent's shared
 * memory, builds the same cells on the parent's θ, then computes the loss and gradient of its
 * rows each time the parent bumps the task counter, and reports through the control block.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { adoptSharedMemory, arena } from '../tensor/backend.js';
import type { WasmMemory } from '../tensor/arena.js';
import { createModel, type ModelConfig } from '../model/config.js';
import { Model } from '../model/model.js';
import { bptt, type LossAt } from '../learners/bptt.js';
import type { LossKind } from '../loss/loss.js';
import { lossByKind } from '../kinds/losses.js';
import { sgd } from '../optim/sgd.js';
import { CONTROL } from './bptt.js';
import { waitWhileEqual } from './wait.js';

const data = workerData as { memory: WasmMemory; config: ModelConfig; theta: number; control: number; loss: LossKind; lossAt: LossAt };
adoptSharedMemory(data.memory);
const shared = arena!;
const template = createModel(data.config, { initialize: false });
const theta = shared.view(template.dtype, data.theta, template.paramSize);
const model = new Model({ layers: template.layers.map((layer) => ({ cells: layer.cells })), head: template.head, theta, config: data.config });
const loss = lossByKind(data.loss);
const learner = bptt(model, { loss, optimizer: sgd({ lr: 0 }), lossAt: data.lossAt });
const control = new Int32Array(shared.buffer, data.control, CONTROL.WORDS);
const lossOut = new Float64Array(shared.buffer, data.control + 8 * 4, 1);
const I = model.inputSize;
const targetSize = loss.targetSize(model.outputSize);
let seen = Atomics.load(control, CONTROL.TASK); // read before saying ready: the first task may follow at once
parentPort!.postMessage({ gradient: learner.gradient.byteOffset });
for (;;) {
  waitWhileEqual(control, CONTROL.TASK, seen);
  seen = Atomics.load(control, CONTROL.TASK);
  if (Atomics.load(control, CONTROL.QUIT) !== 0) break;
  const steps = Atomics.load(control, CONTROL.STEPS);
  const rows = Atomics.load(control, CONTROL.ROWS);
  const targetSteps = data.lossAt === 'every' ? steps : 1;
  try {
    lossOut[0] = learner.computeGradient({
      inputs: shared.view(model.dtype, Atomics.load(control, CONTROL.INPUTS), steps * rows * I),
      targets: shared.view(model.dtype, Atomics.load(control, CONTROL.TARGETS), targetSteps * rows * targetSize),
      steps,
      batch: rows,
    });
  } catch (error) {
    process.stderr.write(`parallel bptt worker: ${String(error)}\n`);
    Atomics.store(control, CONTROL.FAILED, 1);
  }
  Atomics.store(control, CONTROL.DONE, seen);
  Atomics.notify(control, CONTROL.DONE);
}
