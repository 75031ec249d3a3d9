/**
 * `online-rnn train`: one learner on one task, online, with a live progress bar. Under --out
 * it writes config.json first, then metrics.jsonl as the curve grows (step, loss, metric,
 * time), and at the end report.html and report.svg. Ctrl-C stops at the next step and keeps
 * everything written; bad input is refused before anything is created.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { createTask, type TaskConfig } from '../tasks/config.js';
import { rowOf, type Comparison, type RunResult } from '../report/comparison.js';
import type { CurvePoint } from '../report/curve.js';
import { writeAtomically, writeReport } from '../report/write.js';
import { chartAssets } from '../report/assets.js';
import { formatNumber } from '../report/scale.js';
import { bytesText, referenceLines, spreadText } from '../report/table.js';
import { runCommand, UsageError } from './errors.js';
import { integerFlag } from './model-options.js';
import { addTaskOptions, taskConfigFromFlags, type TaskFlags } from './task-options.js';
import { addTrainingOptions, describeOptimizer, modelFromFlags, trainingFromFlags, type TrainingFlags } from './training-options.js';
import { parseLearnerSpec } from './learner-spec.js';
import { reportJobError, runPool, StopSignal } from './pool.js';
import { Progress } from './progress.js';
import { checkLearner, jobOf } from './plan.js';
import { commandLine, toJson, versions } from './provenance.js';

interface TrainFlags extends TaskFlags, TrainingFlags {
  learner: string;
  seed: string;
  out?: string;
}

export function registerTrain(program: Command): void {
  const command = program.command('train').description('train a model online on a task with one learner; write the learning curve under --out');
  addTaskOptions(command);
  addTrainingOptions(command)
    .option('--learner <spec>', 'tbptt:k=K, tbptt:k2=K:k1=J, rtrl, uoro, nbt, snap1 or kfrtrl; :lr=R sets its own rate', 'uoro')
    .option('--seed <n>', 'random seed (data, initial θ, the learner’s signs)', '1')
    .option('--out <dir>', 'write config.json, metrics.jsonl, report.html and report.svg there (a new or empty directory)')
    .addHelpText(
      'after',
      `
Examples:
  $ online-rnn train --task copy --cell lstm --hidden 64 --learner uoro --steps 200000 --lr 1e-3 --seed 1 --out runs/copy-uoro
  $ online-rnn train --task charlm --text book.txt --learner tbptt:k=32 --steps 100000
  $ online-rnn train --task series --csv prices.csv --column close --cell gru --hidden 16 --learner rtrl --json`,
    )
    .action((flags: TrainFlags, cmd: Command) => runCommand(() => trainCommand(flags, cmd)));
}

async function trainCommand(flags: TrainFlags, command: Command): Promise<void> {
  const taskConfig = taskConfigFromFlags(flags);
  const spec = parseLearnerSpec(flags.learner);
  const task = createTask(taskConfig);
  const model = modelFromFlags(flags, command, task);
  const training = trainingFromFlags(flags, task);
  const seed = integerFlag(flags.seed, '--seed', { min: 0 });
  checkLearner(spec, task, model, training);
  const out = flags.out === undefined ? null : checkOutDirectory(flags.out);
  const job = jobOf(0, spec, seed, taskConfig, model, training);
  const commandText = commandLine();
  const assets = chartAssets();
  const provenance = versions({ uplot: assets.version });

  // Everything is valid: from here on, files are written.
  let metrics: string | null = null;
  if (out !== null) {
    mkdirSync(out, { recursive: true });
    writeAtomically(join(out, 'config.json'), toJson({ command: commandText, versions: provenance, date: new Date().toISOString(), task: describeTaskConfig(taskConfig), model: model.config ?? model.description, learner: spec.config, optimizer: job.optimizer, clip: job.clip ?? null, steps: job.steps, seed, logEvery: job.logEvery }) + '\n');
    metrics = join(out, 'metrics.jsonl');
    writeAtomically(metrics, '');
  }
  const append = (points: CurvePoint[]) => {
    if (metrics !== null && points.length > 0) appendFileSync(metrics, points.map((p) => JSON.stringify({ step: p.step, loss: finite(p.loss), metric: finite(p.metric), time: Number(p.time.toFixed(3)) }) + '\n').join(''));
  };

  const progress = new Progress([spec.label], training.steps, task.metric.name, process.stderr.isTTY === true && flags.json !== true);
  const stop = new StopSignal();
  const onInterrupt = () => {
    if (stop.stopped) process.exit(130);
    stop.stop();
  };
  process.on('SIGINT', onInterrupt);
  let result: RunResult;
  try {
    const results = await runPool([job], {
      workers: 1,
      stop,
      events: {
        onProgress: (_job, points, latest) => {
          append(points);
          progress.update(spec.label, 0, latest.step, latest.loss, latest.metric);
        },
        onDone: (_job, r) => progress.update(spec.label, 0, r.steps, r.finalLoss, r.finalMetric),
      },
    });
    result = results.get(0)!;
  } catch (error) {
    if (reportJobError(error)) return;
    throw error;
  } finally {
    progress.stop();
    process.off('SIGINT', onInterrupt);
  }

  const comparison: Comparison = {
    task: { title: task.title, loss: task.loss.unit, metric: task.metric, references: task.references },
    model: model.description,
    optimizer: describeOptimizer(job.optimizer),
    steps: training.steps,
    learners: [{ label: spec.label, runs: [result] }],
    command: commandText,
    versions: provenance,
    date: new Date().toISOString(),
  };
  const report = out === null ? null : writeReport(join(out, 'report.html'), comparison, assets);
  if (flags.json === true) {
    const { points: _points, ...run } = result;
    process.stdout.write(toJson({ task: { kind: task.kind, title: task.title, metric: task.metric, references: task.references }, model: model.description, learner: spec.config, optimizer: job.optimizer, ...run, stepsPerSecond: run.steps / run.seconds, out, report }) + '\n');
    return;
  }
  const row = rowOf(comparison.learners[0]!);
  const ended = { completed: 'completed', stopped: 'stopped by Ctrl-C', diverged: `diverged: ${result.message ?? ''}` }[result.end];
  const lines = [
    `task:      ${task.title}`,
    `model:     ${model.description}`,
    `learner:   ${spec.label}; optimizer: ${comparison.optimizer}${job.clip !== undefined ? `, clip ${job.clip}` : ''}; seed ${seed}`,
    `steps:     ${result.steps.toLocaleString('en-US')} of ${training.steps.toLocaleString('en-US')} — ${ended}`,
    `time:      ${result.seconds.toFixed(1)} s (${Math.round(result.steps / Math.max(result.seconds, 1e-9)).toLocaleString('en-US')} steps/s); learner state ${bytesText(result.stateBytes)}`,
    `loss:      ${result.end === 'diverged' ? 'diverged' : spreadText(row.finalLoss)} ${task.loss.unit} (mean over the last tenth of the steps)`,
    `${task.metric.name}: ${formatNumber(result.finalMetric)}${task.metric.unit === '' ? '' : ` ${task.metric.unit}`}`,
    ...referenceLines(task),
  ];
  if (out !== null) lines.push(`wrote:     ${join(out, 'config.json')}, ${metrics}, ${report!.html}, ${report!.svg}`);
  process.stdout.write(lines.join('\n') + '\n');
}

function finite(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** A new or empty directory: a finished run is never mixed with another. */
function checkOutDirectory(path: string): string {
  if (existsSync(path)) {
    if (!statSync(path).isDirectory()) throw new UsageError(`--out ${path} is a file, not a directory`);
    if (readdirSync(path).length > 0) throw new UsageError(`--out ${path} is not empty; choose a new directory`);
  }
  return path;
}

/** The task config for config.json: a text or a CSV column is summarised, not copied. */
function describeTaskConfig(config: TaskConfig): unknown {
  if (config.kind === 'charlm' && config.corpus.kind === 'text') return { ...config, corpus: { kind: 'text', name: config.corpus.name, characters: [...config.corpus.text].length } };
  if (config.kind === 'series' && config.source.kind === 'values') return { ...config, source: { kind: 'values', name: config.source.name, count: config.source.values.length } };
  return config;
}
