/**
 * One format's share of the hostile-files fuzz, in a process of its own so its peak memory can
 * be measured: `node hostile-child.js FORMAT COUNT SEED`. Every case is written to disk (links
 * need a file system) and loaded the way the command line loads it; each must load a consistent
 * model or be refused with a one-line error of the expected kind. Prints one JSON line:
 * {format, cases, loaded, rejected, largestInput, baselineRss, peakRss, failures}.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/tensor/rng.js';
import { createModel, type ModelConfig } from '../../src/model/config.js';
import { saveModel, loadModel } from '../../src/io/model-files.js';
import { loadAnyModel, loadTfjs, saveAnyModel } from '../../src/io/load.js';
import { exportPyTorch, importPyTorch } from '../../src/io/pytorch-safetensors.js';
import { FormatError } from '../../src/io/safetensors.js';
import { loadCheckpoint } from '../../src/io/checkpoint.js';
import { decodeRunState } from '../../src/cli/run-state.js';
import { checkCheckpointValues } from '../../src/cli/checkpoint-check.js';
import { createTask, type TaskConfig } from '../../src/kinds/tasks.js';
import { createLearner, type LearnerConfig } from '../../src/kinds/learners.js';
import { mutateBytes, mutateHeader, mutateJson } from './mutate.js';

type Format = 'native' | 'pytorch' | 'tfjs' | 'checkpoint';
const [format, countText, seedText] = process.argv.slice(2) as [Format, string, string];
const count = Number(countText);
const rng = new Rng(Number(seedText));
const work = mkdtempSync(join(tmpdir(), `online-rnn-hostile-${format}-`));
const decoy = join(work, 'passwd');
writeFileSync(decoy, 'root:x:0:0:root:/root:/bin/bash\n'); // what a link out of a model directory would reach
let largestInput = 0;
const failures: string[] = [];
let loaded = 0;
let rejected = 0;

/** A case: `load` must succeed or throw one of `allowed` with a short one-line message. */
function attempt(what: string, load: () => unknown, allowed: ReadonlyArray<new (...args: never[]) => Error> = [FormatError]): void {
  try {
    load();
    loaded++;
  } catch (error) {
    const e = error as Error;
    const ok = allowed.some((kind) => e instanceof kind) && !e.message.includes('\n') && e.message.length <= 600 && e.message.length > 10 && !e.message.includes('root:x');
    if (ok) rejected++;
    else if (failures.length < 10) failures.push(`${what}: ${e.name}: ${e.message.slice(0, 300)}\n${(e.stack ?? '').split('\n').slice(1, 4).join('\n')}`);
  }
}

function inputBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) total += entry.isFile() ? readFileSync(join(dir, entry.name)).length : 0;
  largestInput = Math.max(largestInput, total);
  return total;
}

/** A fresh case folder, a copy of `template`. */
function caseDir(template: string, k: number): string {
  const dir = join(work, `case-${k}`);
  rmSync(dir, { recursive: true, force: true });
  cpSync(template, dir, { recursive: true });
  return dir;
}

/** Replaces `dir/name` with a link: out of the directory (to the decoy, or through a linked folder) or inside it. */
function link(dir: string, name: string, how: number): void {
  const target = join(dir, name);
  const bytes = readFileSync(target);
  rmSync(target);
  if (how === 0) symlinkSync(decoy, target);
  else if (how === 1) {
    const outside = join(work, `outside-${rng.nextUint32()}`);
    mkdirSync(outside);
    writeFileSync(join(outside, name), bytes);
    symlinkSync(join(outside, name), target); // the right bytes, but not the model's own file
  } else {
    writeFileSync(join(dir, `.real-${name}`), bytes);
    symlinkSync(`.real-${name}`, target); // inside: allowed
  }
}

/** A JSON config with its layer list repeated to a hostile length (the longest, megabytes of JSON, one time in twenty-five). */
function manyLayers(layers: unknown[]): unknown[] {
  const length = rng.int(25) === 0 ? 100_000 : [2, 17, 1000, 10_001][rng.int(4)]!;
  return Array.from({ length }, (_, i) => layers[i % layers.length]);
}

const NATIVE: ModelConfig = { inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 4, projSize: 2, peephole: true } }, { cell: { kind: 'gru', hiddenSize: 3 } }], outputSize: 2 };
const TFJS: ModelConfig = { inputSize: 2, layers: [{ cell: { kind: 'gru', hiddenSize: 3, resetAfter: false }, bidirectional: true }, { cell: { kind: 'lstm', hiddenSize: 2 } }], outputSize: 1, dtype: 'float32' };

function runNative(k: number, template: string): void {
  const dir = caseDir(template, k);
  const roll = rng.int(6);
  if (roll === 0) link(dir, rng.int(2) === 0 ? 'config.json' : 'model.safetensors', rng.int(3));
  else if (roll === 1) {
    const json = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    json.model.layers = manyLayers(json.model.layers);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(json));
  } else if (roll === 2) writeFileSync(join(dir, 'config.json'), JSON.stringify(mutateJson(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')), rng)));
  else if (roll === 3) writeFileSync(join(dir, 'model.safetensors'), mutateHeader(readFileSync(join(dir, 'model.safetensors')), rng));
  else writeFileSync(join(dir, 'model.safetensors'), mutateBytes(readFileSync(join(dir, 'model.safetensors')), rng, 64));
  inputBytes(dir);
  attempt(`native case ${k} (roll ${roll})`, () => loadModel(dir));
}

function runPyTorch(k: number, template: string): void {
  const dir = caseDir(template, k);
  const file = join(dir, 'model.safetensors');
  const roll = rng.int(5);
  if (roll === 0) {
    const args = JSON.parse(readFileSync(join(dir, 'args.json'), 'utf8'));
    args.num_layers = [3, 1000, 1e6, 2 ** 31, -1][rng.int(5)];
    writeFileSync(join(dir, 'args.json'), JSON.stringify(args));
  } else if (roll === 1) writeFileSync(join(dir, 'args.json'), JSON.stringify(mutateJson(JSON.parse(readFileSync(join(dir, 'args.json'), 'utf8')), rng)));
  else if (roll === 2) {
    // A tensor renamed to a hostile name: __proto__, constructor, a very long one.
    const bytes = readFileSync(file);
    const length = Number(bytes.readBigUInt64LE(0));
    const header = bytes.subarray(8, 8 + length).toString('utf8');
    const name = ['__proto__', 'constructor', 'x'.repeat(100_000), 'weight_ih_l0\u0000', ''][rng.int(5)]!;
    const renamed = Buffer.from(header.replace(/"weight_hh_l0"/, JSON.stringify(name)));
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(BigInt(renamed.length));
    writeFileSync(file, Buffer.concat([prefix, renamed, bytes.subarray(8 + length)]));
  } else if (roll === 3) writeFileSync(file, mutateHeader(readFileSync(file), rng));
  else writeFileSync(file, mutateBytes(readFileSync(file), rng, 64));
  inputBytes(dir);
  attempt(`pytorch case ${k} (roll ${roll})`, () => loadAnyModel(file, { format: 'pytorch', config: join(dir, 'args.json') }));
}

function runTfjs(k: number, template: string): void {
  const dir = caseDir(template, k);
  const jsonPath = join(dir, 'model.json');
  const json = JSON.parse(readFileSync(jsonPath, 'utf8'));
  const shard: string = json.weightsManifest[0].paths[0];
  const roll = rng.int(6);
  if (roll === 0) json.weightsManifest[0].paths = Array.from({ length: 2 + rng.int(200) }, () => shard); // one shard listed again and again
  else if (roll === 1) link(dir, shard, rng.int(3));
  else if (roll === 2) {
    // The shard behind a linked folder (outside) or a sub-folder of its own (inside).
    const folder = join(work, `folder-${k}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, shard), readFileSync(join(dir, shard)));
    if (rng.int(2) === 0) symlinkSync(folder, join(dir, 'weights'));
    else cpSync(folder, join(dir, 'weights'), { recursive: true });
    json.weightsManifest[0].paths = [`weights/${shard}`];
  } else if (roll === 3) {
    const config = json.modelTopology.config ?? json.modelTopology.model_config?.config;
    if (config?.layers) config.layers = manyLayers(config.layers);
  } else if (roll === 4) Object.assign(json, mutateJson(mutateJson(json, rng), rng));
  else writeFileSync(join(dir, shard), mutateBytes(readFileSync(join(dir, shard)), rng, 0));
  writeFileSync(jsonPath, JSON.stringify(json));
  inputBytes(dir);
  attempt(`tfjs case ${k} (roll ${roll})`, () => loadTfjs(dir));
}

/** What `train --resume` reads and checks of a checkpoint, before it writes anything. */
function resumeChecks(checkpoints: string, taskConfig: TaskConfig, learnerConfig: LearnerConfig): void {
  const checkpoint = loadCheckpoint(checkpoints);
  const run = decodeRunState(checkpoint.extra, checkpoint.path);
  checkCheckpointValues(checkpoint, run, taskConfig, 10);
  try {
    createTask(taskConfig).stream(new Rng(0)).restore(run.stream);
    const learner = createLearner(learnerConfig, checkpoint.model.online(), { loss: createTask(taskConfig).loss, optimizer: { kind: 'adam', lr: 0.01 } });
    learner.restore(checkpoint.snapshot);
  } catch (error) {
    // resume.ts names the checkpoint in these (inCheckpoint): a refusal, as long as it is one of the two kinds.
    if (error instanceof RangeError || error instanceof TypeError) throw new FormatError(`${checkpoint.path}: ${error.message}`);
    throw error;
  }
}

const NUMBERS = [1e9, -1, 2 ** 53, 1.5, 0, 'NaN', '-Infinity', null, 1e308];

function runCheckpoint(k: number, template: string): void {
  const dir = caseDir(template, k);
  const checkpoints = join(dir, 'checkpoints');
  const name = readFileSync(join(checkpoints, 'latest'), 'utf8').trim();
  const path = join(checkpoints, name);
  const roll = rng.int(6);
  if (roll <= 1) {
    // One number of learner.json's stream, loop or learner replaced by a hostile value.
    const json = JSON.parse(readFileSync(join(path, 'learner.json'), 'utf8'));
    const targets = [json.extra.stream.state, json.extra.loop, json.extra.loop.curve, json.learner, json.learner.optimizer].filter((o) => o !== null && typeof o === 'object');
    const target = targets[rng.int(targets.length)];
    const keys = Object.keys(target).filter((key) => typeof target[key] === 'number' || typeof target[key] === 'string');
    if (keys.length > 0) target[keys[rng.int(keys.length)]!] = NUMBERS[rng.int(NUMBERS.length)];
    writeFileSync(join(path, 'learner.json'), JSON.stringify(json));
  } else if (roll === 2) writeFileSync(join(path, 'learner.json'), JSON.stringify(mutateJson(JSON.parse(readFileSync(join(path, 'learner.json'), 'utf8')), rng)));
  else if (roll === 3) writeFileSync(join(path, 'learner.safetensors'), mutateHeader(readFileSync(join(path, 'learner.safetensors')), rng));
  else if (roll === 4) {
    // A value or tensor entry overwritten with a non-finite or huge double.
    const bytes = readFileSync(join(path, 'learner.safetensors'));
    const length = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as Record<string, { data_offsets?: [number, number]; dtype?: string }>;
    const names = Object.keys(header).filter((n) => header[n]!.dtype === 'F64');
    const entry = header[names[rng.int(names.length)]!]!;
    bytes.writeDoubleLE([-Infinity, NaN, 1e308, -1][rng.int(4)]!, 8 + length + entry.data_offsets![0]);
    writeFileSync(join(path, 'learner.safetensors'), bytes);
  } else link(path, ['learner.json', 'learner.safetensors', 'config.json', 'model.safetensors'][rng.int(4)]!, rng.int(3));
  inputBytes(path);
  attempt(`checkpoint case ${k} (roll ${roll})`, () => resumeChecks(checkpoints, { kind: 'copy' }, { kind: 'uoro' }));
}

// ---- setup, a warm-up, then the measured cases -----------------------------------------

const template = join(work, 'template');
let run: (k: number) => void;
switch (format) {
  case 'native':
    saveModel(createModel(NATIVE, { seed: 1 }), template);
    run = (k) => runNative(k, template);
    break;
  case 'pytorch': {
    const { tensors, args } = exportPyTorch(createModel({ inputSize: 3, layers: [{ cell: { kind: 'lstm', hiddenSize: 4, projSize: 2 }, bidirectional: true }, { cell: { kind: 'lstm', hiddenSize: 4, projSize: 2 }, bidirectional: true }] }, { seed: 2 }));
    mkdirSync(template);
    writeFileSync(join(template, 'model.safetensors'), tensors);
    writeFileSync(join(template, 'args.json'), args);
    importPyTorch(tensors, null);
    run = (k) => runPyTorch(k, template);
    break;
  }
  case 'tfjs':
    saveAnyModel(createModel(TFJS, { seed: 3 }), 'tfjs', template);
    run = (k) => runTfjs(k, template);
    break;
  case 'checkpoint': {
    const cli = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../../src/cli/main.js');
    const made = spawnSync(process.execPath, [cli, 'train', '--task', 'copy', '--cell', 'rnn', '--hidden', '3', '--learner', 'uoro', '--steps', '200', '--checkpoint-every', '200', '--log-every', '10', '--seed', '1', '--out', template], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(made.stderr);
    run = (k) => runCheckpoint(k, template);
    break;
  }
}
for (let k = 0; k < 20; k++) run(-1 - k);
loaded = rejected = 0;
failures.length = 0;
const baselineRss = process.resourceUsage().maxRSS * 1024;
for (let k = 0; k < count; k++) run(k);
const peakRss = process.resourceUsage().maxRSS * 1024;
rmSync(work, { recursive: true, force: true });
process.stdout.write(JSON.stringify({ format, cases: count, loaded, rejected, largestInput, baselineRss, peakRss, failures }) + '\n');
