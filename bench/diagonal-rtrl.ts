/**
 * Issue #14's diagonal cells: exact RTRL's time per step as a ratio to a forward step on the LRU
 * and the eLSTM (d = 32 inputs → hidden H, a dense head to 1 output, MSE), at H = 32…512. With J
 * read by coloured vjps and the v_k by coloured combineState calls (learners/pattern-jacobian.ts,
 * term-sensitivity.ts) the step is O(n·d) like the forward step, so the ratio should stay about
 * flat in H; Zucchet et al. (NeurIPS 2023) put exact online gradients on the LRU at about 2× an
 * inference pass. `--baseline DIST` measures another build the same way (e.g. main's, built in
 * its own worktree) and prints its ratio beside, where the per-row read made it grow with H.
 * The RTRL step is the learner's gradient without an optimizer (θ held); the forward step is the
 * cell, head and loss. Each figure comes from a fresh process alternating bursts of forward and
 * RTRL steps (five rounds, the fastest burst of each), timed in CPU time, as bench/online-ratios.ts.
 *
 *   node dist/bench/diagonal-rtrl.js [--hidden 32,64,128,256,512] [--cells lru,elstm] [--burst-ms 200] [--baseline DIST]
 *
 * Not part of `npm run bench`.
 */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuBurst } from './stats.js';

const INPUT = 32;

interface PairTask {
  /** The dist folder whose src/ is measured. */
  readonly dist: string;
  readonly cell: 'lru' | 'elstm';
  readonly hiddenSize: number;
  readonly milliseconds: number;
}

type Step = (x: Float64Array, target: Float64Array) => void;

/** The forward step and the RTRL step of `task`'s build, on one model. */
async function steppers(task: PairTask): Promise<{ forward: Step; rtrl: Step; entries: number }> {
  // The other build has the same public API: its modules, typed as this build's.
  const load = async (path: string): Promise<unknown> => await import(pathToFileURL(resolve(task.dist, 'src', path)).href);
  const { createModel } = (await load('model/config.js')) as typeof import('../src/model/config.js');
  const { mse } = (await load('loss/loss.js')) as typeof import('../src/loss/loss.js');
  const { rtrl } = (await load('learners/rtrl.js')) as typeof import('../src/learners/rtrl.js');
  const model = createModel({ inputSize: INPUT, layers: [{ cell: { kind: task.cell, hiddenSize: task.hiddenSize } }], outputSize: 1 }, { seed: 1 });
  const { core, coreTheta, head, headTheta } = model;
  const cellStep = core.createStep(1);
  const s = new Float64Array(core.stateSize);
  const y = new Float64Array(core.outputSize);
  const prediction = new Float64Array(1);
  const forward: Step = (x, target) => {
    cellStep.forward(s, x, s, coreTheta);
    for (let j = 0; j < y.length; j++) y[j] = s[core.outputOffset + j]!;
    head!.forward(prediction, y, headTheta!, 1);
    mse.evaluate(null, prediction, target, 1, 1);
  };
  const learner = rtrl(model, { loss: mse, optimizer: null });
  const tensors = learner.estimator.tensors();
  const entries = (tensors.blocks ?? tensors.sensitivity)!.length;
  return { forward, rtrl: (x, target) => learner.step(x, target), entries };
}

/** Best ms per step of each, measured in alternating bursts in this process. */
async function measurePair(task: PairTask): Promise<{ forward: number; rtrl: number; entries: number }> {
  const { forward, rtrl, entries } = await steppers(task);
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const data = Array.from({ length: 64 }, () => ({ x: Float64Array.from({ length: INPUT }, random), y: Float64Array.from({ length: 1 }, random) }));
  // CPU time, not wall-clock (stats.ts cpuBurst)
  const burst = (step: Step, milliseconds: number): number =>
    cpuBurst((i) => {
      const { x, y } = data[i % data.length]!;
      step(x, y);
    }, milliseconds);
  burst(forward, task.milliseconds / 2);
  burst(rtrl, task.milliseconds / 2);
  let best = { forward: Infinity, rtrl: Infinity };
  for (let round = 0; round < 5; round++) best = { forward: Math.min(best.forward, burst(forward, task.milliseconds / 2)), rtrl: Math.min(best.rtrl, burst(rtrl, task.milliseconds)) };
  return { ...best, entries };
}

function childPair(task: PairTask): { forward: number; rtrl: number; entries: number } {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--pair', JSON.stringify(task)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`diagonal-rtrl child ${JSON.stringify(task)} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { forward: number; rtrl: number; entries: number };
}

/** The flags, checked: one line naming the bad one otherwise. */
function parseFlags(args: string[]): { hiddenSizes: number[]; cells: ('lru' | 'elstm')[]; milliseconds: number; baseline: string | undefined } {
  const { values } = parseArgs({ args, options: { hidden: { type: 'string', default: '32,64,128,256,512' }, cells: { type: 'string', default: 'lru,elstm' }, 'burst-ms': { type: 'string', default: '200' }, baseline: { type: 'string' } } });
  const hiddenSizes = values.hidden.split(',').map(Number);
  if (!hiddenSizes.every((h) => Number.isInteger(h) && h > 0)) throw new RangeError(`--hidden takes positive integers separated by commas, got ${values.hidden}`);
  const cells = values.cells.split(',');
  if (!cells.every((c): c is 'lru' | 'elstm' => c === 'lru' || c === 'elstm')) throw new RangeError(`--cells takes lru and/or elstm, got ${values.cells}`);
  const milliseconds = Number(values['burst-ms']);
  if (!(milliseconds > 0)) throw new RangeError(`--burst-ms takes a positive number, got ${values['burst-ms']}`);
  return { hiddenSizes, cells, milliseconds, baseline: values.baseline };
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain && process.argv[2] === '--pair') {
  process.stdout.write(JSON.stringify(await measurePair(JSON.parse(process.argv[3]!) as PairTask)) + '\n');
} else if (isMain) {
  const { hiddenSizes, cells, milliseconds, baseline } = parseFlags(process.argv.slice(2));
  const builds = [{ name: 'this build', dist: resolve(dirname(fileURLToPath(import.meta.url)), '..') }];
  if (baseline !== undefined) builds.push({ name: 'baseline', dist: resolve(baseline) });
  process.stdout.write(`exact RTRL step ÷ forward step (d = ${INPUT} → H, dense head to 1, MSE; float64; best of 5 bursts)\n`);
  process.stdout.write(`cell   H     ${builds.map((b) => `${b.name}: fwd µs  rtrl µs  ratio  M entries`.padEnd(48)).join('')}\n`);
  for (const cell of cells) {
    for (const hiddenSize of hiddenSizes) {
      const row = builds.map(({ name, dist }) => {
        process.stderr.write(`${name}: ${cell} H=${hiddenSize} …\n`);
        const { forward, rtrl, entries } = childPair({ dist, cell, hiddenSize, milliseconds });
        return `${' '.repeat(name.length + 2)}${(forward * 1000).toFixed(1).padStart(6)}  ${(rtrl * 1000).toFixed(1).padStart(7)}  ${(rtrl / forward).toFixed(2).padStart(5)}  ${entries.toLocaleString('en-US').padStart(9)}`.padEnd(48);
      });
      process.stdout.write(`${cell.padEnd(7)}${String(hiddenSize).padEnd(6)}${row.join('')}\n`);
    }
  }
}
