/**
 * Steps per second of UORO on an LSTM 32 in the browser playground (its Web Worker, in Debian's
 * chromium, opened from file://) beside the same model, learner and stream in Node, measured
 * alternately in one command: Node, page, Node, page. Prints the figures and the ratio; writes
 * nothing (pass --json for a line of JSON). Not part of `npm test`.
 *
 *   npm run build && node dist/bench/playground.js [--seconds 8]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { createModel } from '../src/model/config.js';
import { createLearner } from '../src/kinds/learners.js';
import { createTask } from '../src/kinds/tasks.js';
import { Rng } from '../src/tensor/rng.js';
import { kernelBackend } from '../src/tensor/backend.js';

const argv = process.argv.slice(2);
const seconds = Number(argv[argv.indexOf('--seconds') + 1] ?? 8) || 8;
const page = resolve(dirname(fileURLToPath(import.meta.url)), '../playground/index.html');
const HIDDEN = 32;
const PERIOD = 40;
const SEED = 1;

/** The page's sine stream and defaults (playground/streams.ts, worker.ts): a cycled series of whole periods, the series task's optimizer. */
function nodeStepsPerSecond(): number {
  const values = Array.from({ length: PERIOD * 8 }, (_, t) => Math.sin((2 * Math.PI * t) / PERIOD));
  const task = createTask({ kind: 'series', source: { kind: 'values', name: 'sine', values } });
  const model = createModel({ inputSize: 1, layers: [{ cell: { kind: 'lstm', hiddenSize: HIDDEN } }], outputSize: 1 }, { seed: SEED });
  const learner = createLearner({ kind: 'uoro' }, model, { loss: task.loss, optimizer: task.setting.optimizer, seed: SEED });
  const stream = task.stream(new Rng(SEED));
  const run = (ms: number): number => {
    const start = performance.now();
    let steps = 0;
    while (performance.now() - start < ms) {
      for (let k = 0; k < 64; k++, steps++) {
        const sample = stream.next();
        const { loss, prediction } = learner.step(sample.input, sample.target);
        stream.observe({ loss, prediction, theta: model.theta });
      }
    }
    return (1000 * steps) / (performance.now() - start);
  };
  run(1000);
  return run(seconds * 1000);
}

async function pageStepsPerSecond(): Promise<number> {
  const profile = mkdtempSync(join(tmpdir(), 'online-rnn-bench-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const tab = await context.newPage();
    await tab.goto(`${pathToFileURL(page).href}#stream=sine&period=${PERIOD}&cell=lstm&hidden=${HIDDEN}&layers=1&learners=uoro&seed=${SEED}`);
    await tab.waitForSelector('#loss-chart .uplot canvas');
    await tab.click('#run');
    const step = () => tab.evaluate<number>('window.onlineRnnPlayground.lanes()[0].step');
    await tab.waitForTimeout(1000);
    const [s0, t0] = [await step(), performance.now()];
    await tab.waitForTimeout(seconds * 1000);
    const [s1, t1] = [await step(), performance.now()];
    return (1000 * (s1 - s0)) / (t1 - t0);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

const node: number[] = [];
const browser: number[] = [];
for (let round = 0; round < 2; round++) {
  node.push(nodeStepsPerSecond());
  browser.push(await pageStepsPerSecond());
}
const best = (values: number[]) => Math.max(...values);
const fmt = (value: number) => Math.round(value).toLocaleString('en-US');
if (argv.includes('--json')) {
  process.stdout.write(JSON.stringify({ model: `lstm ${HIDDEN}`, learner: 'uoro', seconds, node, page: browser, ratio: best(browser) / best(node), nodeKernels: kernelBackend() }) + '\n');
} else {
  process.stdout.write(`UORO on LSTM ${HIDDEN} (dense 1, float64), sine stream, ${seconds} s a run, Node then page, twice:\n`);
  process.stdout.write(`  Node ${process.versions.node} (${kernelBackend()} kernels):   ${node.map(fmt).join(', ')} steps/s\n`);
  process.stdout.write(`  page (chromium, Web Worker): ${browser.map(fmt).join(', ')} steps/s (wall clock, page drawing included)\n`);
  process.stdout.write(`  page / Node (best of each):  ${(best(browser) / best(node)).toFixed(2)}\n`);
}
