/**
 * The worker of parallel inference (./inference.ts): adopts the parent's shared memory, builds
 * the same cells on the parent's θ, and runs the backward direction of the layer it is told,
 * from the layer input to the layer output in that memory, then reports through the control block.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { adoptSharedMemory, arena } from '../tensor/backend.js';
import type { WasmMemory } from '../tensor/arena.js';
import { createModel, type ModelConfig } from '../model/config.js';
import { Model } from '../model/model.js';
import type { Vec } from '../tensor/dtype.js';
import { DirectionRun } from './direction.js';
import { INFERENCE } from './inference.js';
import { waitWhileEqual } from './wait.js';

const data = workerData as { memory: WasmMemory; config: ModelConfig; theta: number; control: number };
adoptSharedMemory(data.memory);
const shared = arena!;
const template = createModel(data.config, { initialize: false });
const theta = shared.view(template.dtype, data.theta, template.paramSize);
const model = new Model({ layers: template.layers.map((layer) => ({ cells: layer.cells })), head: template.head, theta, config: data.config });
const runs = model.layers.map((layer) => (layer.bidirectional ? new DirectionRun(layer.cells[1]!, true) : null));
const control = new Int32Array(shared.buffer, data.control, INFERENCE.WORDS);
const inputWidths = model.layers.map((_, l) => (l === 0 ? model.inputSize : model.layers[l - 1]!.outputSize));
/** The parent's buffers by address, viewed once each (the parent reuses them call after call). */
const views = new Map<string, Vec>();
function viewAt(address: number, length: number): Vec {
  const key = `${address}:${length}`;
  let view = views.get(key);
  if (view === undefined) views.set(key, (view = shared.view(model.dtype, address, length)));
  return view;
}

let seen = Atomics.load(control, INFERENCE.TASK); // read before saying ready
parentPort!.postMessage('ready');
for (;;) {
  waitWhileEqual(control, INFERENCE.TASK, seen);
  seen = Atomics.load(control, INFERENCE.TASK);
  if (Atomics.load(control, INFERENCE.QUIT) !== 0) break;
  const l = Atomics.load(control, INFERENCE.LAYER);
  const steps = Atomics.load(control, INFERENCE.STEPS);
  const batch = Atomics.load(control, INFERENCE.BATCH);
  const layer = model.layers[l]!;
  const input = viewAt(Atomics.load(control, INFERENCE.INPUT), steps * batch * inputWidths[l]!);
  const output = viewAt(Atomics.load(control, INFERENCE.OUTPUT), steps * batch * layer.outputSize);
  runs[l]!.run(input, output, { steps, batch, width: layer.outputSize, offset: layer.cells[0]!.outputSize, theta: model.cellTheta(l, 1) });
  Atomics.store(control, INFERENCE.DONE, seen);
  Atomics.notify(control, INFERENCE.DONE);
}
