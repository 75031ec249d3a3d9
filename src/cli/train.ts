/**
 * `online-rnn train`: one learner on one task, online, with a live progress bar. Under --out
 * it writes config.json first, then metrics.jsonl as the curve grows (step, loss, metric,
 * time), and at the end report.html and report.svg. Ctrl-C stops at the next step and keeps
 * everything written; bad input is refused before anything is created.
 *
 * With --checkpoint-every N it saves a checkpoint under <out>/checkpoints every N steps and
 * when the run ends or is stopped (after the curve up to that step is on disk); --resume DIR
 * goes on from the latest one as if the run had never stopped (resume.ts).
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Task } from '../tasks/task.js';
import { detectionMarkers, finalLoss, rowOf, type Comparison } from '../report/comparison.js';
import type { CurvePoint } from '../report/curve.js';
import { writeAtomically, writeReport } from '../report/write.js';
import { chartAssets } from '../report/assets.js';
import { formatNumber } from '../report/scale.js';
import { bytesText, referenceLines, spreadText } from '../report/table.js';
import { writeCheckpoint } from '../io/checkpoint.js';
import { appendWhole, syncFile, writeDirectoryAtomic } from '../io/files.js';
import { CONFIG_FILE, TENSORS_FILE } from '../io/model-format.js';
import { runCommand, UsageError } from './errors.js';
import { integerFlag } from './kind-flags.js';
import { addTaskOptions } from './task-options.js';
import { addTrainingOptions, describeModel, describeOptimizer } from './training-options.js';
import { learnerUsage } from './learner-spec.js';
import { runFromFlags, settingsJson, type RunConfig, type RunFlags } from './run-config.js';
import { Progress } from './progress.js';
import { checkLearner, jobOf } from './plan.js';
import type { Job } from './job.js';
import { commandLine, toJson, versions } from './provenance.js';
import { CHECKPOINTS, CONFIG_JSON, METRICS_JSONL, recordResume, resumePlan, rewindMetrics, type JsonObject, type ResumePlan } from './resume.js';
import { lockRunDirectory } from './run-lock.js';
import { checkWritablePath } from './output-path.js';
import { checkMemory, memoryLimit } from './memory-estimate.js';
import { EXIT_DIVERGED, progressEvery, runUntilStopped } from './run-signals.js';
import { kernelSet, kernelSetWarning } from '../io/kernel-set.js';
import { addDriftOptions, driftFromFlags } from './drift-options.js';
import { detectorText } from '../stream/detectors.js';
import { driftPolicyText } from '../stream/drift.js';

type TrainFlags = RunFlags;

/** What a run is, fresh or resumed: its configuration, and what train writes and starts from. */
interface Plan {
  readonly run: RunConfig;
  readonly task: Task;
  readonly out: string | null;
  /** config.json's and every checkpoint's record of `run`. */
  readonly settings: JsonObject;
  readonly checkpointEvery: number | null;
  readonly resume: ResumePlan | null;
  /** Said on stderr before the run starts (a slow step, another kernel set). */
  readonly warnings: readonly string[];
  /** --drift and --on-drift (a fresh run only). */
  readonly drift?: ReturnType<typeof driftFromFlags>;
}

export function defineTrain(command: Command): void {
  addTaskOptions(command);
  addTrainingOptions(command)
    .option('--learner <spec>', `${learnerUsage()}; :lr=R sets its own rate`, 'uoro')
    .option('--seed <n>', 'random seed (data, initial θ, the learner’s signs)', '1')
    .option('--out <dir>', 'write config.json, metrics.jsonl, report.html and report.svg there (a new or empty directory)')
    .option('--checkpoint-every <n>', 'with --out: save a checkpoint under <out>/checkpoints every n steps, and when the run ends or is stopped')
    .option('--resume <dir>', 'go on with the run in <dir> from its latest checkpoint, as if it had never stopped; only --steps, --checkpoint-every and --json may change')
    .option('--max-memory <size>', 'refuse a run estimated to need more memory than this (e.g. 512M, 8G); default: half of this machine’s memory')
    .option('--progress-every <s>', 'when stderr is not a terminal: a progress line every so many seconds (0: none)', '30');
  addDriftOptions(command)
    .addHelpText(
      'after',
      `
Examples:
  $ online-rnn train --task copy --cell lstm --hidden 64 --learner uoro --steps 200000 --lr 1e-3 --seed 1 --out runs/copy-uoro
  $ online-rnn train --task copy --learner rtrl --steps 200000 --checkpoint-every 10000 --out runs/copy-rtrl
  $ online-rnn train --resume runs/copy-rtrl --steps 400000
  $ online-rnn train --task charlm --text book.txt --learner tbptt:k=32 --steps 100000
  $ online-rnn train --task series --csv prices.csv --column close --cell gru --hidden 16 --learner rtrl --json

Exit codes: 0 the run completed or was stopped (Ctrl-C, SIGTERM); 1 an internal failure;
2 bad input or a file that cannot be read or written; ${EXIT_DIVERGED} the run diverged (its loss stopped being finite).`,
    )
    .action((flags: TrainFlags, cmd: Command) => runCommand(() => trainCommand(flags, cmd)));
}

async function trainCommand(flags: TrainFlags, command: Command): Promise<void> {
  // A run directory is written by one process at a time: the lock comes before reading it.
  if (typeof flags.resume === 'string' && existsSync(flags.resume) && statSync(flags.resume).isDirectory()) lockRunDirectory(flags.resume);
  const plan = flags.resume !== undefined ? resumed(resumePlan(flags, command)) : freshPlan(flags, command);
  const lineEvery = progressEvery(flags.progressEvery === undefined ? undefined : String(flags.progressEvery));
  for (const warning of plan.warnings) process.stderr.write(`online-rnn: ${warning}\n`);
  const { run, task, out, resume, drift } = plan;
  const { learner: spec, training, seed } = run;
  const model = { description: describeModel(run.model) };
  const job: Job = {
    ...jobOf(0, run),
    // With --out the run's last state comes back as checkpoint files, so <out>/model can be saved.
    ...(plan.checkpointEvery !== null || out !== null ? { checkpoint: { every: plan.checkpointEvery ?? Infinity, settings: plan.settings } } : {}),
    ...(resume !== null ? { resume: resume.state } : {}),
    ...(drift !== undefined ? { drift } : {}),
  };
  const commandText = commandLine();
  const assets = chartAssets();
  const provenance = versions({ uplot: assets.version });
  const rewound = resume === null ? null : rewindMetrics(join(resume.dir, METRICS_JSONL), resume.checkpoint.step, training.logEvery);

  // Files are written once the job is built (and restored from its checkpoint), before its first step.
  let metrics: string | null = null;
  const startFiles = () => {
    if (out === null) return;
    mkdirSync(out, { recursive: true });
    metrics = join(out, METRICS_JSONL);
    if (resume === null) {
      lockRunDirectory(out);
      writeAtomically(join(out, CONFIG_JSON), toJson({ command: commandText, versions: provenance, date: new Date().toISOString(), kernels: kernelSet(), ...plan.settings, ...(drift !== undefined ? { drift: { detector: detectorText(drift.detector), policy: driftPolicyText(drift.policy) } } : {}), steps: training.steps, checkpointEvery: plan.checkpointEvery }) + '\n');
      writeAtomically(metrics, '');
    } else {
      recordResume(resume, commandText);
      writeAtomically(metrics, rewound!.text);
    }
  };
  let checkpoint: string | null = null;
  let finalFiles: Record<string, Uint8Array | string> | null = null;
  const append = (points: CurvePoint[]) => {
    if (metrics !== null && points.length > 0) appendWhole(metrics, points.map((p) => JSON.stringify({ step: p.step, loss: finite(p.loss), metric: finite(p.metric), time: Number(p.time.toFixed(3)) }) + '\n').join(''));
  };

  const progress = new Progress([spec.label], training.steps, task.metric.name, process.stderr.isTTY === true && flags.json !== true, lineEvery);
  const ran = await runUntilStopped([job], {
    workers: 1,
    progress,
    events: {
      onReady: startFiles,
      onProgress: (_job, points, latest) => {
        append(points);
        progress.update(spec.label, 0, latest.step, latest.loss, latest.metric);
      },
      onCheckpoint: (_job, step, files) => {
        if (metrics !== null) syncFile(metrics); // the curve up to the checkpoint is on disk before it
        finalFiles = files;
        if (plan.checkpointEvery !== null) checkpoint = writeCheckpoint(join(out!, CHECKPOINTS), step, files);
      },
      onDone: (_job, r) => progress.update(spec.label, 0, r.steps, r.finalLoss, r.finalMetric),
    },
  });
  if (ran === null) return;
  let result = ran.results.get(0)!;
  if (rewound !== null && rewound.points.length > 0) {
    // The report and the summary cover the whole run, from step 1.
    const points = [...rewound.points, ...result.points];
    result = { ...result, points, finalLoss: result.end === 'diverged' ? Infinity : finalLoss(points, result.steps) };
  }

  const learners = [{ label: spec.label, runs: [result] }];
  const comparison: Comparison = {
    task: { title: task.title, loss: task.loss.unit, metric: task.metric, references: task.references },
    model: model.description,
    optimizer: describeOptimizer(job.optimizer),
    steps: training.steps,
    learners,
    command: commandText,
    versions: provenance,
    date: new Date().toISOString(),
    markers: detectionMarkers(learners),
  };
  const report = out === null ? null : writeReport(join(out, 'report.html'), comparison, assets);
  const savedModel = out === null || finalFiles === null ? null : saveTrainedModel(out, finalFiles);
  if (result.end === 'diverged') process.exitCode = EXIT_DIVERGED;
  if (flags.json === true) {
    const { points: _points, ...run } = result;
    process.stdout.write(toJson({ task: { kind: task.kind, title: task.title, metric: task.metric, references: task.references }, model: model.description, learner: spec.config, optimizer: job.optimizer, ...run, stepsPerSecond: run.steps / run.seconds, resumedFrom: resume?.checkpoint.step ?? null, out, report, checkpoint, savedModel }) + '\n');
    return;
  }
  const row = rowOf(comparison.learners[0]!);
  const ended = { completed: 'completed', stopped: `stopped by ${ran.received ?? 'a signal'}`, diverged: `diverged: ${result.message ?? ''}` }[result.end];
  const lines = [
    `task:      ${task.title}`,
    `model:     ${model.description}`,
    `learner:   ${spec.label}; optimizer: ${comparison.optimizer}${job.clip !== undefined ? `, clip ${job.clip}` : ''}; seed ${seed}`,
    `steps:     ${result.steps.toLocaleString('en-US')} of ${training.steps.toLocaleString('en-US')} — ${ended}${resume !== null ? ` (resumed at step ${resume.checkpoint.step.toLocaleString('en-US')})` : ''}`,
    `time:      ${result.seconds.toFixed(1)} s (${Math.round(result.steps / Math.max(result.seconds, 1e-9)).toLocaleString('en-US')} steps/s); learner state ${bytesText(result.stateBytes)}`,
    `loss:      ${result.end === 'diverged' ? 'diverged' : spreadText(row.finalLoss)} ${task.loss.unit} (prequential: each step's loss is measured before the learner learns from it; mean over the last tenth of the steps)`,
    `${task.metric.name}: ${formatNumber(result.finalMetric)}${task.metric.unit === '' ? '' : ` ${task.metric.unit}`}`,
    ...referenceLines(task),
  ];
  if (drift !== undefined) lines.push(`drift:     ${detectionsText(result.detections ?? [])} by ${detectorText(drift.detector)}, policy ${driftPolicyText(drift.policy)}${out !== null ? ' (drawn on the report)' : ''}`);
  if (out !== null) lines.push(`wrote:     ${join(out, CONFIG_JSON)}, ${metrics}, ${report!.html}, ${report!.svg}`);
  if (savedModel !== null) lines.push(`model:     ${savedModel} (online-rnn forward --model ${savedModel}, online-rnn serve --model ${savedModel})`);
  if (checkpoint !== null) lines.push(`checkpoint: ${checkpoint}`);
  process.stdout.write(lines.join('\n') + '\n');
}

/** <out>/model: the native model directory inside the last checkpoint's files, written atomically. */
function saveTrainedModel(out: string, files: Readonly<Record<string, Uint8Array | string>>): string {
  const dir = join(out, 'model');
  writeDirectoryAtomic(dir, { [CONFIG_FILE]: files[CONFIG_FILE]!, [TENSORS_FILE]: files[TENSORS_FILE]! }, { overwrite: true });
  return dir;
}

function detectionsText(steps: readonly number[]): string {
  const shown = steps.slice(0, 10).map((step) => step.toLocaleString('en-US')).join(', ');
  return steps.length === 0 ? 'no detection' : `${steps.length} detection${steps.length > 1 ? 's' : ''} at step${steps.length > 1 ? 's' : ''} ${shown}${steps.length > 10 ? ', …' : ''}`;
}

function finite(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** A new or empty directory: a finished run is never mixed with another. */
function checkOutDirectory(path: string): string {
  checkWritablePath(path, '--out');
  if (existsSync(path)) {
    if (!statSync(path).isDirectory()) throw new UsageError(`--out ${path} is a file, not a directory`);
    if (readdirSync(path).length > 0) throw new UsageError(`--out ${path} is not empty; choose a new directory`);
  }
  return path;
}

function freshPlan(flags: TrainFlags, command: Command): Plan {
  const { run, task } = runFromFlags(flags, command);
  const maxMemory = flags.maxMemory === undefined ? undefined : String(flags.maxMemory);
  // Sizes before allocations: nothing of the run is built before this.
  const slow = checkMemory(run.model, run.learner, { limit: memoryLimit(maxMemory), limitGiven: maxMemory !== undefined, what: describeModel(run.model) });
  checkLearner(run.learner, run.model);
  const checkpointEvery = flags.checkpointEvery === undefined ? null : integerFlag(String(flags.checkpointEvery), '--checkpoint-every');
  if (checkpointEvery !== null && flags.out === undefined) throw new UsageError('--checkpoint-every needs --out: checkpoints go under <out>/checkpoints');
  const drift = driftFromFlags(flags);
  // The detector's state is not in a checkpoint: a resumed run would not be the same run.
  if (drift !== undefined && checkpointEvery !== null) throw new UsageError('--drift cannot be combined with --checkpoint-every: checkpoints do not hold the detector’s state');
  const out = flags.out === undefined ? null : checkOutDirectory(String(flags.out));
  return { run, task, out, settings: settingsJson(run), checkpointEvery, resume: null, warnings: slow === null ? [] : [slow], drift };
}

function resumed(plan: ResumePlan): Plan {
  const other = kernelSetWarning(plan.checkpoint.kernels, plan.checkpoint.path);
  return { run: plan.run, task: plan.task, out: plan.dir, settings: plan.settings, checkpointEvery: plan.checkpointEvery, resume: plan, warnings: other === null ? [] : [other] };
}
