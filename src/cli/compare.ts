/**
 * `online-rnn compare`: several learners on one task over several seeds, in parallel worker
 * threads; prints the table (final loss and metric with their spread over seeds, steps/s,
 * state bytes) and writes the HTML report and its SVG figure. Ctrl-C stops the runs cleanly
 * and reports what was trained so far.
 */
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { detectionMarkers, metricTarget, rowOf, type Comparison, type LearnerRuns } from '../report/comparison.js';
import { referenceLines, renderTable } from '../report/table.js';
import { writeReport } from '../report/write.js';
import { chartAssets } from '../report/assets.js';
import { runCommand, UsageError } from './errors.js';
import { integerFlag } from './model-options.js';
import { addTaskOptions, type TaskFlags } from './task-options.js';
import { learnerUsage } from './learner-spec.js';
import { addTrainingOptions, describeModel, describeOptimizer, type TrainingFlags } from './training-options.js';
import { parseLearnerSpecs } from './learner-spec.js';
import { Progress } from './progress.js';
import { checkLearner, jobOf } from './plan.js';
import { commandLine, toJson, versions } from './provenance.js';
import { progressEvery, runUntilStopped } from './run-signals.js';
import { runFromFlags, type RunConfig } from './run-config.js';
import { checkWritablePath } from './output-path.js';
import { checkMemory, memoryLimit } from './memory-estimate.js';
import { addDriftOptions, driftFromFlags } from './drift-options.js';

type CompareFlags = TaskFlags &
  TrainingFlags & {
    learners?: string;
    seeds: string;
    seed: string;
    report?: string;
    maxMemory?: string;
    workers?: string;
    progressEvery?: string;
  };

export function defineCompare(command: Command): void {
  addTaskOptions(command);
  addTrainingOptions(command)
    .option('--learners <specs>', `comma-separated learners: ${learnerUsage()}; add :lr=R for a learner’s own rate`)
    .option('--seeds <n>', 'number of seeds per learner', '3')
    .option('--seed <n>', 'the first seed', '1')
    .option('--report <file>', 'write the HTML report there (and the figure beside it as .svg)')
    .option('--max-memory <size>', 'refuse runs estimated to need more memory together than this (e.g. 512M, 8G); default: half of this machine’s memory')
    .option('--workers <n>', 'worker threads (default: the number of cores)')
    .option('--progress-every <s>', 'when stderr is not a terminal: a progress line every so many seconds (0: none)', '30');
  addDriftOptions(command)
    .addHelpText(
      'after',
      `
Examples:
  $ online-rnn compare --task influence --learners tbptt:k=2,tbptt:k=32,tbptt:k=41,rtrl,uoro:lr=1e-5,nbt:lr=1e-5 --steps 20000 --seeds 3 --report report.html
  $ online-rnn compare --task copy --cell rnn --hidden 16 --learners tbptt:k=8,rtrl,uoro --steps 100000 --seeds 3
  $ online-rnn compare --task charlm --corpus anbn --learners tbptt:k=16,uoro --steps 50000 --json`,
    )
    .action((flags: CompareFlags, cmd: Command) => runCommand(() => compare(flags, cmd)));
}

async function compare(flags: CompareFlags, command: Command): Promise<void> {
  if (flags.learners === undefined) throw new UsageError('--learners is required, e.g. --learners tbptt:k=8,rtrl,uoro');
  const specs = parseLearnerSpecs(flags.learners);
  // One run configuration a (learner, seed): the same task, model and training, as train reads them.
  const { run: first, task } = runFromFlags(flags, command, specs[0]!);
  const { model, training } = first;
  const description = describeModel(model);
  const seedCount = integerFlag(flags.seeds, '--seeds');
  const firstSeed = first.seed;
  const workers = flags.workers === undefined ? availableParallelism() : integerFlag(flags.workers, '--workers');
  const reportPath = flags.report === undefined ? null : checkReportPath(flags.report);
  const parallel = Math.min(workers, seedCount * specs.length);
  for (const spec of specs) {
    // Sizes before allocations; up to `parallel` runs of the largest learner are held at once.
    const slow = checkMemory(model, spec, { limit: memoryLimit(flags.maxMemory), limitGiven: flags.maxMemory !== undefined, runs: parallel, what: description });
    if (slow !== null) process.stderr.write(`online-rnn: ${slow}\n`);
    checkLearner(spec, model);
  }

  const seeds = Array.from({ length: seedCount }, (_, i) => firstSeed + i);
  // Seed-major order: every learner gets its first seed before any gets its second.
  const drift = driftFromFlags(flags);
  const runs: RunConfig[] = seeds.flatMap((seed) => specs.map((learner) => ({ ...first, learner, seed })));
  const jobs = runs.map((run, id) => ({ ...jobOf(id, run), ...(drift !== undefined ? { drift } : {}) }));

  const progress = new Progress(
    specs.map((s) => s.label),
    training.steps * seedCount,
    task.metric.name,
    process.stderr.isTTY === true && flags.json !== true,
    progressEvery(flags.progressEvery),
  );
  const ran = await runUntilStopped(jobs, {
    workers,
    progress,
    events: {
      onProgress: (job, _points, latest) => progress.update(job.label, job.id, latest.step, latest.loss, latest.metric),
      onDone: (job, result) => {
        progress.update(job.label, job.id, result.steps, result.finalLoss, result.finalMetric);
        if (result.end === 'diverged') progress.note(job.label, `seed ${job.seed} diverged at step ${result.steps.toLocaleString('en-US')}`);
      },
    },
  });
  if (ran === null) return;
  const { results, stopped, received } = ran;

  const learners: LearnerRuns[] = specs.map((spec) => ({
    label: spec.label,
    runs: jobs.filter((j) => j.label === spec.label && results.has(j.id)).map((j) => results.get(j.id)!),
  }));
  const assets = reportPath === null ? null : chartAssets();
  const comparison: Comparison = {
    task: { title: task.title, loss: task.loss.unit, metric: task.metric, references: task.references },
    model: description,
    optimizer: describeOptimizer(training.optimizer) + (specs.some((s) => s.lr !== undefined) ? ' (per-learner lr where given)' : ''),
    steps: training.steps,
    learners,
    command: commandLine(),
    versions: versions(assets === null ? {} : { uplot: assets.version }),
    date: new Date().toISOString(),
    markers: detectionMarkers(learners),
  };
  // The results are printed even when the report cannot be written (a full disk): then exit 2.
  let written: { html: string; svg: string } | null = null;
  let reportError: unknown = null;
  try {
    written = reportPath === null || assets === null ? null : writeReport(reportPath, comparison, assets);
  } catch (error) {
    reportError = error;
  }
  printResults();
  if (reportError !== null) throw reportError;
  function printResults(): void {
  const target = metricTarget(task);
  const rows = learners.filter((l) => l.runs.length > 0).map((l) => rowOf(l, target));
  if (flags.json === true) {
    process.stdout.write(
      toJson({
        task: { kind: task.kind, title: task.title, loss: task.loss.kind, metric: task.metric, references: task.references },
        model: description,
        optimizer: training.optimizer,
        steps: training.steps,
        seeds,
        stopped,
        learners: learners.map((l, i) => ({
          label: l.label,
          learner: specs[i]!.config,
          ...(specs[i]!.lr !== undefined ? { lr: specs[i]!.lr } : {}),
          summary: l.runs.length === 0 ? null : summaryOf(rowOf(l, target)),
          runs: l.runs.map(({ points: _points, ...run }) => ({ ...run, stepsPerSecond: run.steps / run.seconds })),
        })),
        report: written,
        command: comparison.command,
        versions: comparison.versions,
      }) + '\n',
    );
    return;
  }
  const out: string[] = [
    `task: ${task.title}`,
    `model: ${description}; optimizer: ${comparison.optimizer}`,
    `${training.steps.toLocaleString('en-US')} steps × ${seedCount} seed${seedCount > 1 ? 's' : ''} (${seeds.join(', ')}) on ${Math.min(workers, jobs.length)} worker${Math.min(workers, jobs.length) > 1 ? 's' : ''}${stopped ? ` — stopped by ${received ?? 'a signal'}: the table covers the steps run` : ''}`,
    '',
    renderTable(rows, task.metric, target),
    '',
    "figures are prequential (test-then-train): each step's loss and the task's metric score the prediction made before the learner learned from that step",
    ...referenceLines(task),
  ];
  if (written !== null) out.push(`report: ${written.html} (figure: ${written.svg})`);
  process.stdout.write(out.join('\n') + '\n');
  }
}

function summaryOf(row: ReturnType<typeof rowOf>) {
  return { finalLoss: row.finalLoss, finalMetric: row.finalMetric, diverged: row.diverged, ...(row.atTarget === null ? {} : { atTarget: row.atTarget }), seeds: row.seeds, stepsPerSecond: row.stepsPerSecond, stateBytes: row.stateBytes };
}

/** The report is written only at the end (its directory created then); its name is checked now. */
export function checkReportPath(path: string): string {
  checkWritablePath(path, '--report');
  if (existsSync(path) && statSync(path).isDirectory()) throw new UsageError(`--report ${path} is a directory; name an .html file`);
  if (!/\.html?$/i.test(path)) throw new UsageError(`--report ${path}: name an .html file`);
  return path;
}
