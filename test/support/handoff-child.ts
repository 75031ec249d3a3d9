/**
 * Run by test/parallel/handoff.test.ts in a child process (so a hang fails the test on a timeout
 * instead of blocking the runner): many small bidirectional inferences, thousands of hand-offs
 * between the two threads. Prints the number of calls made.
 */
import { createModel } from '../../src/model/config.js';
import { parallelInference } from '../../src/parallel/inference.js';

const calls = Number(process.argv[2] ?? 3000);
const model = createModel({ inputSize: 2, layers: [{ cell: { kind: 'rnn', hiddenSize: 3 }, bidirectional: true }, { cell: { kind: 'rnn', hiddenSize: 3 }, bidirectional: true }] }, { seed: 1 });
const parallel = await parallelInference(model);
const inputs = Float64Array.from({ length: 4 * 2 }, (_, i) => Math.sin(i));
let made = 0;
for (; made < calls; made++) parallel.infer(inputs, 4, 1);
await parallel.close();
process.stdout.write(`${made}\n`);
