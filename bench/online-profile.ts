/**
 * Where an online step's time goes: runs `steps` steps of one learner on bench/online.ts's model
 * (LSTM 32 → H, dense 32, SGD) so that `node --cpu-prof` records them, then, given the profile it
 * wrote, prints each function's share of the samples taken inside the steps (the orthogonal
 * initialisation of a large H would otherwise be a sixth of the profile). WebAssembly
 * kernels appear as wasm-function[i]: `--exports` lists which export each index is.
 *
 *   node --cpu-prof --cpu-prof-dir=DIR dist/bench/online-profile.js uoro 512 float64 1500
 *   node dist/bench/online-profile.js --summarize DIR/<file>.cpuprofile
 *   node dist/bench/online-profile.js --exports
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DType, Vec } from '../src/tensor/dtype.js';
import { zeros } from '../src/tensor/dtype.js';
import { PLAIN_MEMORY_KERNELS } from '../src/tensor/wasm/binary.generated.js';
import { stepper, type OnlineKind } from './online.js';

/** The steps, in a function of their own: the summary counts only the samples taken inside it. */
function stepping(step: (x: Vec, y: Vec) => void, x: Vec, y: Vec, steps: number): void {
  for (let i = 0; i < steps; i++) step(x, y);
}

async function run(kind: OnlineKind, hiddenSize: number, dtype: DType, steps: number): Promise<void> {
  const step = await stepper(kind, 'lstm', hiddenSize, dtype);
  const x = zeros(dtype, 32);
  const y = zeros(dtype, 32);
  for (let i = 0; i < 32; i++) x[i] = Math.sin(i);
  for (let i = 0; i < 32; i++) y[i] = Math.cos(i);
  const start = process.cpuUsage();
  stepping(step, x, y, steps);
  const { user, system } = process.cpuUsage(start);
  process.stdout.write(`${kind} H=${hiddenSize} ${dtype}: ${((user + system) / 1000 / steps).toFixed(4)} ms per step (CPU time)\n`);
}

interface Profile {
  nodes: Array<{ id: number; children?: number[]; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

function summarize(file: string): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const name = (id: number) => {
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
    return `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber}`;
  };
  // the nodes below stepping(): the steps, without the model's set-up
  const inside = new Set<number>();
  const mark = (id: number): void => {
    inside.add(id);
    for (const child of nodes.get(id)!.children ?? []) mark(child);
  };
  for (const node of profile.nodes) if (node.callFrame.functionName === 'stepping' && !inside.has(node.id)) mark(node.id);
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    if (!inside.has(id)) return;
    const time = profile.timeDeltas[i] ?? 0;
    self.set(name(id), (self.get(name(id)) ?? 0) + time);
    total += time;
  });
  if (total === 0) throw new Error(`${file}: no samples inside stepping() (was it written by --cpu-prof on this script?)`);
  for (const [key, time] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 20)) process.stdout.write(`${((100 * time) / total).toFixed(1).padStart(5)} %  ${key}\n`);
}

/** Export name per function index of the kernels' module (no imported functions: indices are the module's own). */
function exportsByIndex(): void {
  const bytes = Buffer.from(PLAIN_MEMORY_KERNELS, 'base64');
  let at = 8;
  const leb = () => {
    let value = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = bytes[at++]!;
      value |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    return value >>> 0;
  };
  while (at < bytes.length) {
    const section = bytes[at++]!;
    const end = leb() + at;
    if (section === 7) {
      for (let count = leb(); count > 0; count--) {
        const length = leb();
        const exported = bytes.subarray(at, at + length).toString();
        at += length;
        const kind = bytes[at++]!;
        const index = leb();
        if (kind === 0) process.stdout.write(`wasm-function[${index}] ${exported}\n`);
      }
    }
    at = end;
  }
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const [first, ...rest] = process.argv.slice(2);
  if (first === '--summarize' && rest[0] !== undefined) summarize(rest[0]);
  else if (first === '--exports') exportsByIndex();
  else {
    const [hidden, dtype, steps] = [Number(rest[0] ?? 512), (rest[1] ?? 'float64') as DType, Number(rest[2] ?? 1000)];
    if (!['forward', 'tbptt', 'uoro', 'nbt', 'rtrl'].includes(first ?? '') || !(Number.isInteger(hidden) && hidden > 0) || (dtype !== 'float64' && dtype !== 'float32') || !(Number.isInteger(steps) && steps > 0)) {
      process.stderr.write('usage: online-profile.js forward|tbptt|uoro|nbt|rtrl [H] [float64|float32] [steps] | --summarize FILE | --exports\n');
      process.exit(2);
    }
    await run(first as OnlineKind, hidden, dtype, steps);
  }
}
