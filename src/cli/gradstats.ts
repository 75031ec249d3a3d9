/**
 * `online-rnn gradstats`: how good is each online learner's gradient? For a random model and
 * stream, θ held fixed, each learner's estimate at the last step is compared with RTRL's exact
 * gradient over many replays (learners/gradstats.ts): the relative error of the mean estimate
 * (bias), the relative variance of one estimate, the mean cosine, and the time per step.
 */
import type { Command } from 'commander';
import { Rng } from '../tensor/rng.js';
import { norm } from '../tensor/kernels.js';
import { createModel } from '../model/config.js';
import { mse } from '../loss/loss.js';
import { gradstatsLearners, type LearnerConfig } from '../kinds/learners.js';
import { estimatorStats, exactGradient, type EstimatorStats, type ReplayStream } from '../learners/gradstats.js';
import { runCommand, UsageError } from './errors.js';
import { runAlignment } from './gradstats-alignment.js';
import { checkReportPath } from './compare.js';
import { givenOn } from './kind-flags.js';
import { addModelOptions, integerFlag, modelConfigFromFlags, type ModelFlags } from './model-options.js';

type GradstatsFlags = ModelFlags & {
  samples: string;
  steps: string;
  seed: string;
  learners: string;
  k: string;
  json?: boolean;
  alignment?: boolean;
  report?: string;
};

/** The learners gradstats knows (the learner table's names, --k setting tbptt's k2), the exact reference first. */
const LEARNER_NAMES = [...gradstatsLearners(1).keys()].sort((a, b) => Number(b === 'rtrl') - Number(a === 'rtrl'));
/** The default list: the learners any cell supports (KF-RTRL needs a Kronecker-factored core, RFLO a leaky one). */
const DEFAULT_LEARNERS = LEARNER_NAMES.filter((name) => !['kroneckerInfluence', 'leak'].includes(gradstatsLearners(1).get(name)!.needs ?? ''));

function learnerConfig(name: string, k: number): LearnerConfig {
  const entry = gradstatsLearners(k).get(name);
  if (entry === undefined) throw new UsageError(`unknown learner '${name}' in --learners (allowed: ${LEARNER_NAMES.join(', ')})`);
  return entry.config;
}

/** Deterministic estimates need no more than a few replays (kept for the timing). */
const DETERMINISTIC_REPLAYS = 10;

export function defineGradstats(command: Command): void {
  addModelOptions(command, { input: false })
    .option('--samples <n>', 'independent estimates per learner', '1000')
    .option('--steps <n>', 'length T of the replayed stream; the estimate at step T is measured', '20')
    .option('--seed <n>', 'seed of the model, the stream and the random signs', '1')
    .option('--learners <list>', `comma-separated: ${LEARNER_NAMES.join(', ')}`, DEFAULT_LEARNERS.join(','))
    .option('--k <n>', 'truncation k2 of tbptt (updating every step, k1 = 1)', '5')
    .option('--json', 'print the results as JSON')
    .option('--alignment', 'compare every applicable learner (or --learners) on one stream: the matrix of normalised dot products between their gradients and the exact one, and each one\'s cost per step')
    .option('--report <file>', 'with --alignment: write the heatmap as an HTML report (and the figure beside it as .svg)')
    .addHelpText(
      'after',
      `
The model gets --input 4 and a dense head of --output 2 unless given; the loss is mse against
random targets. bias = ‖mean ĝ − g‖/‖g‖ (→ 0 like √(variance/N) for an unbiased estimator),
variance = mean ‖ĝ − g‖²/‖g‖², cosine = mean cos(ĝ, g).

Examples:
  $ online-rnn gradstats --cell lstm --hidden 8 --samples 10000
  $ online-rnn gradstats --cell rnn --hidden 16 --learners uoro,uoro-norho,nbt --json
  $ online-rnn gradstats --cell gru --hidden 8 --layers 2 --steps 50 --k 10
  $ online-rnn gradstats --alignment --cell lstm --hidden 16 --steps 100 --report alignment.html`,
    )
    .action((flags: GradstatsFlags, command: Command) =>
      runCommand(() => {
        const samples = integerFlag(flags.samples, '--samples');
        const steps = integerFlag(flags.steps, '--steps');
        const seed = integerFlag(flags.seed, '--seed', { min: 0 });
        const k = integerFlag(flags.k, '--k');
        const names = flags.learners.split(',').map((name) => name.trim()).filter((name) => name !== '');
        if (names.length === 0) throw new UsageError('--learners must name at least one learner');
        const configs = names.map((name) => ({ name, config: learnerConfig(name, k) }));
        const given = givenOn(command);
        const report = flags.report === undefined ? null : checkReportPath(flags.report);
        if (report !== null && flags.alignment !== true) throw new UsageError('--report goes with --alignment');
        const config = modelConfigFromFlags(flags, given, { ...(given('input') ? {} : { inputSize: 4 }), ...(given('output') ? {} : { outputSize: 2 }) });
        const model = createModel(config, { seed }).online();
        const stream = randomStream(steps, model.core.inputSize, model.outputSize, seed + 1);
        if (flags.alignment === true) {
          const chosen = given('learners') ? configs : LEARNER_NAMES.map((name) => ({ name, config: learnerConfig(name, k) }));
          const learners = chosen.map(({ name, config }) => ({ name: labelOf(name, config), config }));
          return runAlignment({ model, config, stream, loss: mse, seed, learners, report, json: flags.json === true });
        }
        const exact = exactGradient(model, stream, mse);
        const results = configs.map(({ name, config }) => {
          const deterministic = ['rtrl', 'tbptt', 'snap1', 'eprop', 'snapn'].includes(config.kind);
          const stats = estimatorStats(config, model, stream, exact, { loss: mse, samples: deterministic ? Math.min(samples, DETERMINISTIC_REPLAYS) : samples, seed: seed + 2, clock: () => performance.now() });
          return { name, config, stats };
        });
        const header = { cell: config.layers[0]!.cell.kind, n: model.core.stateSize, p: model.paramSize, pCore: model.core.paramSize, steps, samples, seed, dtype: model.dtype, exactNorm: norm(exact) };
        if (flags.json === true) {
          const learners = results.map(({ name, config, stats }) => ({ learner: name, config, ...stats, microsecondsPerStep: stats.secondsPerStep * 1e6 }));
          process.stdout.write(JSON.stringify({ ...header, learners }, null, 2) + '\n');
        } else {
          process.stdout.write(table(header, results));
        }
      }),
    );
}

/** tbptt's row says its truncation. */
function labelOf(name: string, config: LearnerConfig): string {
  return config.kind === 'tbptt' ? `tbptt (k=${config.k2})` : name;
}

function randomStream(steps: number, inputSize: number, outputSize: number, seed: number): ReplayStream {
  const rng = new Rng(seed);
  const vector = (n: number) => Float64Array.from({ length: n }, () => rng.normal());
  return { inputs: Array.from({ length: steps }, () => vector(inputSize)), targets: Array.from({ length: steps }, () => vector(outputSize)) };
}

function table(header: { cell: string; n: number; p: number; pCore: number; steps: number; samples: number; seed: number; dtype: string; exactNorm: number }, results: Array<{ name: string; config: LearnerConfig; stats: EstimatorStats }>): string {
  const lines = [
    `${header.cell}: n = ${header.n} state, p = ${header.p} parameters (${header.pCore} recurrent), ${header.dtype}; stream of ${header.steps} steps, seed ${header.seed}`,
    `estimates at step ${header.steps} vs RTRL's exact gradient (‖g‖ = ${header.exactNorm.toPrecision(4)}), θ fixed`,
    '',
  ];
  const rows = [['learner', 'samples', 'bias ‖Eĝ−g‖/‖g‖', 'variance E‖ĝ−g‖²/‖g‖²', 'cosine', 'µs/step']];
  for (const { name, config, stats } of results) {
    rows.push([labelOf(name, config), String(stats.samples), stats.meanRelativeError.toPrecision(3), stats.relativeVariance.toPrecision(3), stats.meanCosine.toFixed(3), (stats.secondsPerStep * 1e6).toFixed(1)]);
  }
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((row) => row[j]!.length)));
  for (const row of rows) lines.push(row.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  '));
  return lines.join('\n') + '\n';
}
