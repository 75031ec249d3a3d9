/**
 * Peer: TensorFlow.js 4.22 (layers API, as a TF.js user would write it) on the `cpu` or `wasm`
 * backend, single-threaded, float32. Run as its own process, one backend a process:
 *   node dist/bench/peers/tfjs.js <cpu|wasm> '<workloads JSON>' <runs> <warmup>
 * and prints one JSON line: [{ name, timing }]. The recurrent activation is the logistic
 * sigmoid (TF.js defaults to hardSigmoid), so the work matches PyTorch's and ours.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { time } from '../stats.js';
import type { SequenceWorkload } from '../workloads.js';

const [backend, workloadsJson, runsArg, warmupArg] = process.argv.slice(2);
const workloads = JSON.parse(workloadsJson!) as SequenceWorkload[];
const runs = Number(runsArg ?? 5);
const warmup = Number(warmupArg ?? 1);

function rnnLayer(w: SequenceWorkload, first: boolean): tf.layers.Layer {
  const inputShape = first ? { inputShape: [w.steps, w.inputSize] } : {};
  // Glorot-uniform recurrent kernels: TF.js's default orthogonal initializer takes minutes on
  // the cpu backend for 256×1024 (initialisation is not timed; the work per step is the same).
  const options = { units: w.hiddenSize, returnSequences: true, recurrentActivation: 'sigmoid' as const, recurrentInitializer: 'glorotUniform' as const };
  const make = () => (w.cell === 'lstm' ? tf.layers.lstm(options) : tf.layers.gru(options));
  if (w.bidirectional) return tf.layers.bidirectional({ layer: make() as tf.RNN, mergeMode: 'concat', ...inputShape });
  return w.cell === 'lstm' ? tf.layers.lstm({ ...options, ...inputShape }) : tf.layers.gru({ ...options, ...inputShape });
}

async function measure(w: SequenceWorkload) {
  const model = tf.sequential();
  for (let l = 0; l < w.layers; l++) model.add(rnnLayer(w, l === 0));
  model.add(tf.layers.timeDistributed({ layer: tf.layers.dense({ units: w.outputSize }) }));
  const x = tf.randomNormal([w.batch, w.steps, w.inputSize]);
  const y = tf.randomNormal([w.batch, w.steps, w.outputSize]);
  if (w.mode === 'train') {
    model.compile({ optimizer: tf.train.sgd(1e-3), loss: 'meanSquaredError' });
    return time(() => model.trainOnBatch(x, y), { runs, warmup });
  }
  return time(
    () => {
      const out = model.predict(x) as tf.Tensor;
      out.dataSync();
      out.dispose();
    },
    { runs, warmup },
  );
}

async function main(): Promise<void> {
  if (backend === 'wasm') {
    const require = createRequire(import.meta.url);
    setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
  await tf.setBackend(backend!);
  await tf.ready();
  const results = [];
  for (const w of workloads) results.push({ name: w.name, timing: await measure(w) });
  process.stdout.write(JSON.stringify({ backend: tf.getBackend(), version: tf.version.tfjs, results }) + '\n');
}

await main();
