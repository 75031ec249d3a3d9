/**
 * `online-rnn sweep`: hundreds of runs from one spec (src/sweep/spec.ts), on this machine, on
 * array jobs (Slurm, Kubernetes Indexed Jobs) or on a BullMQ queue in Redis.
 *
 *   sweep plan SPEC                 the runs and their ids
 *   sweep run SPEC --out DIR        this machine's share (--index, --shard, or the array index
 *                                   in the environment); --prune halving for successive halving
 *   sweep enqueue SPEC… --queue URL one job per run
 *   sweep worker --queue URL --out DIR
 *   sweep status [SPEC] [--queue URL] [--out DIR]
 *   sweep report DIR                the HTML report (or --json)
 *
 * Everything is validated before anything is written; every mistake is one line, exit code 2.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { chartAssets } from '../report/assets.js';
import { writeAtomically } from '../report/write.js';
import { formatNumber } from '../report/scale.js';
import { readText } from './task-options.js';
import { runCommand, UsageError } from './errors.js';
import { integerFlag } from './model-options.js';
import { reportJobError, StopSignal } from './pool.js';
import { packageVersion, toJson, versions } from './provenance.js';
import { parseSpec, METRIC_NAMES, SpecError, type MetricName, type SweepMetric } from '../sweep/spec.js';
import { planSweep, type SweepPlan } from '../sweep/plan.js';
import { shardOf } from '../sweep/shard.js';
import { executeRuns, runDirectory } from '../sweep/execute.js';
import { successiveHalving } from '../sweep/halving.js';
import { readRecords, RECORDS_FILE } from '../sweep/records.js';
import type { QueueAddress } from '../sweep/queue.js';
import { metricValue, summarize } from '../sweep/summary.js';
import { renderSweepHtml } from '../sweep/report-html.js';

const DEFAULT_QUEUE_NAME = 'online-rnn-sweep';

export function defineSweep(sweep: Command): void {
  sweep
    .command('plan <spec>')
    .description('print the runs a spec expands to, with their stable ids')
    .option('--json', 'print JSON')
    .action((spec: string, flags: { json?: boolean }) => runCommand(() => planCommand(spec, flags)));
  sweep
    .command('run <spec>')
    .description('run this machine’s share of a sweep; one record per finished run in <out>/records.jsonl')
    .requiredOption('--out <dir>', 'the sweep’s directory (shared by every shard): records.jsonl and the running runs’ checkpoints')
    .option('--index <i>', 'run the plan’s run i alone')
    .option('--shard <i/N>', 'run runs i, i+N, i+2N, …')
    .option('--shards <N>', 'with $SLURM_ARRAY_TASK_ID or $JOB_COMPLETION_INDEX as i: the shard i/N')
    .option('--workers <n>', 'worker threads (default: the number of cores)')
    .option('--checkpoint-every <n>', 'steps between a run’s checkpoints; 0 for none (default: a tenth of the run)')
    .option('--prune <method>', 'halving: successive halving on the spec’s metric')
    .option('--eta <n>', 'with --prune halving: keep the best 1/eta at each rung', '3')
    .option('--min-steps <n>', 'with --prune halving: the first rung (default: steps/eta³)')
    .option('--json', 'print JSON')
    .action((spec: string, flags: RunFlags) => runCommand(() => runSweep(spec, flags)));
  sweep
    .command('enqueue <specs...>')
    .description('add one job per run to a BullMQ queue in Redis (a run already there is not added again)')
    .requiredOption('--queue <url>', 'redis://HOST:PORT[/DB]')
    .option('--name <queue>', 'the queue’s name', DEFAULT_QUEUE_NAME)
    .option('--json', 'print JSON')
    .action((specs: string[], flags: QueueFlags) => runCommand(() => enqueueCommand(specs, flags)));
  sweep
    .command('worker')
    .description('take runs from the queue and run them, in sandboxed child processes, until stopped')
    .requiredOption('--queue <url>', 'redis://HOST:PORT[/DB]')
    .requiredOption('--out <dir>', 'the sweep’s directory, shared by every worker (records and checkpoints)')
    .option('--name <queue>', 'the queue’s name', DEFAULT_QUEUE_NAME)
    .option('--concurrency <n>', 'runs at once (default: the number of cores)')
    .option('--checkpoint-every <n>', 'steps between a run’s checkpoints; 0 for none (default: a tenth of the run)')
    .option('--lock-duration <ms>', 'a run whose worker is silent this long is stalled and taken by another worker', '30000')
    .option('--until-empty', 'stop once nothing is waiting or running')
    .action((flags: WorkerFlags) => runCommand(() => workerCommand(flags)));
  sweep
    .command('status [spec]')
    .description('the queue’s waiting / active / done / failed runs (--queue), or a spec’s runs recorded in --out')
    .option('--queue <url>', 'redis://HOST:PORT[/DB]')
    .option('--name <queue>', 'the queue’s name', DEFAULT_QUEUE_NAME)
    .option('--out <dir>', 'the sweep’s directory')
    .option('--json', 'print JSON')
    .action((spec: string | undefined, flags: StatusFlags) => runCommand(() => statusCommand(spec, flags)));
  sweep
    .command('report <dir>')
    .description('write the sweep’s HTML report: metric against learning rate per learner, the best configurations, their learning curves')
    .option('--out <file>', 'the HTML file (default: <dir>/report.html)')
    .option('--metric <name>', `${METRIC_NAMES.join(', ')}`, 'final_loss')
    .option('--goal <goal>', 'minimize or maximize', 'minimize')
    .option('--best <k>', 'how many of the best configurations to draw', '5')
    .option('--json', 'print the report’s data as JSON instead')
    .action((dir: string, flags: ReportFlags) => runCommand(() => reportCommand(dir, flags)));
}

interface RunFlags {
  out: string;
  index?: string;
  shard?: string;
  shards?: string;
  workers?: string;
  checkpointEvery?: string;
  prune?: string;
  eta: string;
  minSteps?: string;
  json?: boolean;
}
interface QueueFlags {
  queue: string;
  name: string;
  json?: boolean;
}
interface WorkerFlags extends QueueFlags {
  out: string;
  concurrency?: string;
  checkpointEvery?: string;
  lockDuration: string;
  untilEmpty?: boolean;
}
interface StatusFlags extends Partial<QueueFlags> {
  out?: string;
}
interface ReportFlags {
  out?: string;
  metric: string;
  goal: string;
  best: string;
  json?: boolean;
}

function loadPlan(path: string): SweepPlan {
  try {
    return planSweep(parseSpec(readText(path, 'spec'), path), path);
  } catch (error) {
    if (error instanceof SpecError) throw new UsageError(error.message);
    throw error;
  }
}

/** A directory this process can write in, made if missing; checked before any run starts. */
function writableDirectory(dir: string): string {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`--out ${dir} is a file, not a directory`);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new UsageError(`--out ${dir} is not writable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return dir;
}

function checkpointEveryFlag(text: string | undefined): number | null {
  return text === undefined ? null : integerFlag(text, '--checkpoint-every', { min: 0 });
}

function planCommand(path: string, flags: { json?: boolean }): void {
  const plan = loadPlan(path);
  const { spec, runs } = plan;
  if (flags.json === true) {
    process.stdout.write(toJson({ name: spec.name, method: spec.method, count: spec.count, metric: spec.metric, duplicates: plan.duplicates, runs: runs.map((r, index) => ({ index, id: r.id, label: r.job.label, params: r.params, config: r.config })) }) + '\n');
    return;
  }
  const lines = [`${spec.name ?? path}: ${spec.method}, ${runs.length} runs${plan.duplicates > 0 ? ` (${plan.duplicates} drawn twice, kept once)` : ''}; metric ${spec.metric.name} (${spec.metric.goal})`];
  runs.forEach((r, i) => lines.push(`${String(i).padStart(4)}  ${r.id}  ${Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(' ')}`));
  process.stdout.write(lines.join('\n') + '\n');
}

async function runSweep(path: string, flags: RunFlags): Promise<void> {
  const plan = loadPlan(path);
  const shard = shardOf(plan.runs.length, flags);
  const workers = flags.workers === undefined ? availableParallelism() : integerFlag(flags.workers, '--workers');
  const checkpointEvery = checkpointEveryFlag(flags.checkpointEvery);
  if (flags.prune !== undefined && flags.prune !== 'halving') throw new UsageError(`--prune must be halving, got '${flags.prune}'`);
  const pruning = flags.prune === 'halving';
  if (pruning && shard.positions.length !== plan.runs.length) throw new UsageError('--prune halving ranks every run at each rung: run it unsharded (no --index, --shard or array index)');
  const eta = integerFlag(flags.eta, '--eta', { min: 2 });
  const minSteps = flags.minSteps === undefined ? null : integerFlag(flags.minSteps, '--min-steps');
  const out = writableDirectory(flags.out);

  const recorded = readRecords(out);
  const mine = shard.positions.map((p) => plan.runs[p]!);
  const todo = mine.filter((r) => !recorded.finished.has(r.id) && !(pruning && recorded.pruned.has(r.id)));
  const stop = new StopSignal();
  const onInterrupt = () => {
    if (stop.stopped) process.exit(130);
    stop.stop();
    process.stderr.write('\nstopping at the next step; each run keeps a checkpoint (Ctrl-C again to quit at once)…\n');
  };
  process.on('SIGINT', onInterrupt);
  const log = (line: string) => {
    if (flags.json !== true) process.stderr.write(line + '\n');
  };
  const provenance = versions();
  let summary: Record<string, unknown>;
  try {
    if (pruning) {
      const outcome = await successiveHalving(todo, { out, workers, stop, versions: provenance, checkpointEvery, metric: plan.spec.metric, eta, minSteps, onFinished: (f) => f.record !== null && log(`${f.record.result.end.padEnd(9)} ${f.run.id} at step ${f.result.steps}`) });
      const survivors = outcome.finished.filter((f) => f.record?.result.end !== 'pruned' && f.record !== null);
      const sign = plan.spec.metric.goal === 'minimize' ? 1 : -1;
      const winner = survivors
        .map((f) => ({ f, value: metricValue(f.record!, plan.spec.metric) }))
        .filter((w) => Number.isFinite(w.value))
        .sort((a, b) => sign * (a.value - b.value))[0];
      summary = {
        runs: mine.length,
        skipped: mine.length - todo.length,
        rungs: outcome.rungs,
        pruned: outcome.prunedCount,
        trainedSteps: outcome.trained,
        fullSteps: outcome.full,
        computeSaved: outcome.full === 0 ? 0 : 1 - outcome.trained / outcome.full,
        winner: winner === undefined ? null : { id: winner.f.run.id, params: winner.f.run.params, [plan.spec.metric.name]: winner.value },
      };
    } else {
      const finished = await executeRuns(todo, { out, workers, stop, versions: provenance, checkpointEvery, onFinished: (f) => f.record !== null && log(`${f.record.result.end.padEnd(9)} ${f.run.id} ${f.run.job.label} (seed ${f.run.job.seed})${f.record.provenance.resumedFrom !== null ? ` resumed from step ${f.record.provenance.resumedFrom}` : ''}`) });
      summary = { runs: mine.length, skipped: mine.length - todo.length, finished: finished.filter((f) => f.record !== null).length };
    }
  } catch (error) {
    if (reportJobError(error)) return;
    throw error;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  const result = { spec: path, shard: shard.description, ...summary, stopped: stop.stopped, records: join(out, RECORDS_FILE) };
  if (flags.json === true) {
    process.stdout.write(toJson(result) + '\n');
    return;
  }
  const lines = [`${shard.description}: ${summary.skipped as number} already recorded, ${pruning ? `${summary.pruned as number} pruned` : `${summary.finished as number} finished`}${stop.stopped ? ' — stopped by Ctrl-C; run again to go on from the checkpoints' : ''}`];
  if (pruning) {
    const w = summary.winner as { id: string; params: Record<string, unknown> } | null;
    lines.push(`successive halving (η = ${eta}, rungs ${(summary.rungs as number[]).join(', ')}): ${(summary.trainedSteps as number).toLocaleString('en-US')} of ${(summary.fullSteps as number).toLocaleString('en-US')} steps trained, ${formatNumber(100 * (summary.computeSaved as number))}% saved`);
    lines.push(`winner: ${w === null ? 'none (every run diverged)' : `${w.id} ${Object.entries(w.params).map(([k, v]) => `${k}=${v}`).join(' ')}`}`);
  }
  lines.push(`records: ${result.records}`);
  process.stdout.write(lines.join('\n') + '\n');
}

/** The queue's code (BullMQ, ioredis) loads only for the commands that use it. */
const queueModule = () => import('../sweep/queue.js');

async function withRedis<T>(address: QueueAddress, body: (client: Awaited<ReturnType<Awaited<ReturnType<typeof queueModule>>['reachRedis']>>) => Promise<T>): Promise<T> {
  const client = await (await queueModule()).reachRedis(address);
  try {
    return await body(client);
  } finally {
    client.disconnect();
  }
}

async function enqueueCommand(paths: string[], flags: QueueFlags): Promise<void> {
  const { claimVersion, enqueueRuns, parseQueueAddress } = await queueModule();
  const address = parseQueueAddress(flags.queue, flags.name);
  const runs = paths.flatMap((path) => loadPlan(path).runs);
  const version = packageVersion();
  const { added, present } = await withRedis(address, async (client) => {
    await claimVersion(client, address, version);
    return enqueueRuns(address, runs, version);
  });
  if (flags.json === true) process.stdout.write(toJson({ queue: address.text, name: address.name, runs: runs.length, added, present, version }) + '\n');
  else process.stdout.write(`queue '${address.name}' at ${address.text}: ${added} runs added, ${present} already there (online-rnn ${version})\n`);
}

async function workerCommand(flags: WorkerFlags): Promise<void> {
  const { checkWorkerVersion, parseQueueAddress } = await queueModule();
  const { runWorker } = await import('../sweep/worker.js');
  const address = parseQueueAddress(flags.queue, flags.name);
  const out = writableDirectory(flags.out);
  const concurrency = flags.concurrency === undefined ? availableParallelism() : integerFlag(flags.concurrency, '--concurrency');
  const lockDuration = integerFlag(flags.lockDuration, '--lock-duration', { min: 100 });
  const checkpointEvery = checkpointEveryFlag(flags.checkpointEvery);
  await withRedis(address, (client) => checkWorkerVersion(client, address, packageVersion()));
  process.stderr.write(`worker ${process.pid}: queue '${address.name}' at ${address.text}, ${concurrency} at once, records in ${join(out, RECORDS_FILE)}\n`);
  const counts = await runWorker(address, { out, concurrency, checkpointEvery, lockDuration, untilEmpty: flags.untilEmpty === true, log: (line) => process.stderr.write(`worker ${process.pid}: ${line}\n`) });
  process.stderr.write(`worker ${process.pid}: stopped after ${counts.completed} done, ${counts.failed} failed\n`);
}

async function statusCommand(path: string | undefined, flags: StatusFlags): Promise<void> {
  if (flags.queue === undefined && (path === undefined || flags.out === undefined)) throw new UsageError('give --queue URL, or a SPEC and --out DIR');
  const status: Record<string, unknown> = {};
  if (flags.queue !== undefined) {
    const { parseQueueAddress, queueStatus } = await queueModule();
    const address = parseQueueAddress(flags.queue, flags.name ?? DEFAULT_QUEUE_NAME);
    await withRedis(address, async () => undefined);
    status.queue = { url: address.text, name: address.name, ...(await queueStatus(address)) };
  }
  if (path !== undefined && flags.out !== undefined) {
    const plan = loadPlan(path);
    const recorded = readRecords(flags.out);
    const done = plan.runs.filter((r) => recorded.finished.has(r.id)).length;
    const pruned = plan.runs.filter((r) => !recorded.finished.has(r.id) && recorded.pruned.has(r.id)).length;
    const started = plan.runs.filter((r) => !recorded.finished.has(r.id) && existsSync(runDirectory(flags.out!, r.id).dir)).length;
    status.records = { runs: plan.runs.length, done, pruned, started, waiting: plan.runs.length - done - pruned - started, torn: recorded.torn };
  }
  if (flags.json === true) {
    process.stdout.write(toJson(status) + '\n');
    return;
  }
  const lines: string[] = [];
  const q = status.queue as { url: string; name: string; waiting: number; active: number; done: number; failed: number } | undefined;
  if (q !== undefined) lines.push(`queue '${q.name}' at ${q.url}: ${q.waiting} waiting, ${q.active} active, ${q.done} done, ${q.failed} failed`);
  const r = status.records as { runs: number; done: number; pruned: number; started: number; waiting: number } | undefined;
  if (r !== undefined) lines.push(`${path}: ${r.runs} runs — ${r.done} done, ${r.started} started (a checkpoint or curve in --out), ${r.waiting} not started${r.pruned > 0 ? `, ${r.pruned} pruned` : ''}`);
  process.stdout.write(lines.join('\n') + '\n');
}

function reportCommand(dir: string, flags: ReportFlags): void {
  if (!existsSync(join(dir, RECORDS_FILE))) throw new UsageError(`${dir}: no ${RECORDS_FILE} here (not the --out of a sweep)`);
  if (!(METRIC_NAMES as readonly string[]).includes(flags.metric)) throw new UsageError(`--metric must be one of ${METRIC_NAMES.join(', ')}, got '${flags.metric}'`);
  if (flags.goal !== 'minimize' && flags.goal !== 'maximize') throw new UsageError(`--goal must be minimize or maximize, got '${flags.goal}'`);
  const best = integerFlag(flags.best, '--best');
  const htmlPath = flags.out ?? join(dir, 'report.html');
  if (!/\.html?$/i.test(htmlPath)) throw new UsageError(`--out ${htmlPath}: name an .html file`);
  const metric: SweepMetric = { name: flags.metric as MetricName, goal: flags.goal };
  const recorded = readRecords(dir);
  const summary = summarize([...recorded.finished.values()], metric, { best, pruned: [...recorded.pruned.keys()].filter((id) => !recorded.finished.has(id)).length });
  if (flags.json === true) {
    const { configurations, best: top, ...rest } = summary;
    const plain = (c: (typeof configurations)[number]) => ({ label: c.label, params: c.params, learner: c.learner, lr: c.lr, metric: c.metric, seeds: c.seeds, diverged: c.diverged, ids: c.runs.map((r) => r.id) });
    process.stdout.write(toJson({ dir, ...rest, configurations: configurations.map(plain), best: top.map(plain) }) + '\n');
    return;
  }
  const assets = chartAssets();
  try {
    writeAtomically(htmlPath, renderSweepHtml(summary, assets, { dir, versions: versions({ uplot: assets.version }), date: new Date().toISOString() }));
  } catch (error) {
    throw new UsageError(`--out ${htmlPath} cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const top = summary.best[0];
  process.stdout.write(`${summary.runs} runs, ${summary.configurations.length} configurations; best: ${top === undefined ? '–' : `${top.label} (${metric.name} ${formatNumber(top.metric.mean)})`}\nreport: ${htmlPath}\n`);
}
