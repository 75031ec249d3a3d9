/**
 * `npm run bench` — issue #5's suite: our figures and every available peer's, measured in the
 * same run on the same workloads, printed as a table with ratios and written to results.json
 * (and the scaling plot to scaling.svg) in a new temporary folder, or --out DIR; only --update
 * writes the tracked bench/results.json and bench/scaling.svg. Never part of `npm test`.
 *
 *   npm run bench                 full suite (a few minutes)
 *   npm run bench -- --quick      fewer runs and sizes, TF.js cpu only on W1
 *   npm run bench -- --no-peers   ours only
 *   npm run bench -- --update     write the results into bench/ (tracked) instead
 *   npm run bench -- --no-serve   without the service section (bench/serve.ts: HTTP with
 *                                 autocannon at 1 and 16 connections, JSONL, beside in-process steps/s)
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem, platform, arch } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DType } from '../src/tensor/dtype.js';
import { kernelBackend } from '../src/tensor/backend.js';
import { fitExponent, type Timing } from './stats.js';
import { W1, W1_GRU, W2, W3, macs, type SequenceWorkload } from './workloads.js';
import type { OnlineKind } from './online.js';
import type { ChildTask } from './child.js';
import { tfjs, pytorch, cReference, type PeerFigure, type PeerReport } from './peers/run-peers.js';
import { logLogSvg } from './plot.js';
import { measureOnlineRatios, ratioTable } from './online-ratios.js';
import { IN_CACHE, rtrlProduct, type ProductShape } from './products.js';
import { benchOutputDir } from './output-dir.js';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const withPeers = !args.has('--no-peers');
const runs = quick ? 5 : 7;
const here = dirname(fileURLToPath(import.meta.url));
/** Where results.json and scaling.svg go: bench/ itself only when asked (--update). */
const benchDir = benchOutputDir(process.argv.slice(2), resolve(here, '../../bench'));

/**
 * Runs one measurement in a fresh process (bench/child.ts) with ONLINE_RNN_KERNELS=`kernels`;
 * 'wasm-fma' also passes Node 20's flag for relaxed SIMD (newer engines have it on by default).
 */
function child(task: ChildTask, kernels: 'wasm' | 'ts' | 'wasm-fma' = 'wasm'): Timing | { skipped: string } {
  const env = { ...process.env, ONLINE_RNN_KERNELS: kernels };
  const flags = kernels === 'wasm-fma' && Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-wasm-relaxed-simd'] : []; // Node ≥ 22 refuses the flag
  const r = spawnSync(process.execPath, [...flags, resolve(here, 'child.js'), JSON.stringify(task)], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`bench child ${JSON.stringify(task)} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}
const log = (s: string) => process.stderr.write(s + '\n');

interface Figure extends PeerFigure {}
const figures: Figure[] = [];
const report: PeerReport = { figures: [], skipped: [], info: {} };

// ---- ours ------------------------------------------------------------------------------

const sequenceWorkloads: SequenceWorkload[] = [W1, W1_GRU, W2, W3];
for (const w of sequenceWorkloads) {
  for (const dtype of ['float64', 'float32'] as const) {
    log(`ours ${w.name} ${dtype} …`);
    figures.push({ workload: w.name, implementation: 'online-rnn', dtype, threads: 1, timing: child({ type: 'sequence', workload: w.name, dtype, runs }) as Timing });
    if (w.batch > 1 || w.bidirectional) {
      log(`ours ${w.name} ${dtype} on 2 threads (${w.batch > 1 ? 'batch split' : 'directions'}) …`);
      figures.push({ workload: w.name, implementation: 'online-rnn', dtype, threads: 2, timing: child({ type: 'sequence', workload: w.name, dtype, runs, workers: 1 }) as Timing });
    }
    if (w.cell === 'lstm') {
      log(`ours ${w.name} ${dtype}, fused multiply-adds (ONLINE_RNN_KERNELS=wasm-fma) …`);
      figures.push({ workload: w.name, implementation: 'online-rnn (FMA)', dtype, threads: 1, timing: child({ type: 'sequence', workload: w.name, dtype, runs }, 'wasm-fma') as Timing });
      if (dtype === 'float32' && (w.batch > 1 || w.bidirectional)) {
        log(`ours ${w.name} ${dtype}, fused multiply-adds on 2 threads …`);
        figures.push({ workload: w.name, implementation: 'online-rnn (FMA)', dtype, threads: 2, timing: child({ type: 'sequence', workload: w.name, dtype, runs, workers: 1 }, 'wasm-fma') as Timing });
      }
    }
    if (!quick || w.batch === 1) {
      log(`ours ${w.name} ${dtype}, TypeScript kernels …`);
      figures.push({ workload: w.name, implementation: 'online-rnn (TS kernels)', dtype, threads: 1, timing: child({ type: 'sequence', workload: w.name, dtype, runs: 5 }, 'ts') as Timing });
    }
  }
}

// ---- online learners on W1's model ---------------------------------------------------

interface OnlineFigure {
  readonly kind: OnlineKind;
  readonly hiddenSize: number;
  readonly dtype: DType;
  readonly msPerStep: Timing | null;
  readonly stepsPerSecond: number | null;
  readonly skipped?: string;
}
const online: OnlineFigure[] = [];
async function measureOnline(kind: OnlineKind, hiddenSize: number, dtype: DType, steps: number): Promise<OnlineFigure> {
  const t = child({ type: 'online', kind, cell: 'lstm', hiddenSize, dtype, steps, runs });
  if ('skipped' in t) return { kind, hiddenSize, dtype, msPerStep: null, stepsPerSecond: null, skipped: t.skipped };
  return { kind, hiddenSize, dtype, msPerStep: t, stepsPerSecond: 1000 / t.median };
}
for (const dtype of ['float64', 'float32'] as const) {
  for (const kind of ['forward', 'tbptt', 'uoro', 'nbt', 'rtrl'] as const) {
    log(`online ${kind} ${dtype} …`);
    online.push(await measureOnline(kind, kind === 'rtrl' ? 32 : W1.hiddenSize, dtype, kind === 'rtrl' ? 50 : 200));
  }
}

// ---- scaling -------------------------------------------------------------------------

const hiddenSizes = quick ? [16, 32, 64, 128, 256] : [16, 32, 64, 128, 256, 512];
const scaling: OnlineFigure[] = [];
for (const kind of ['forward', 'tbptt', 'uoro', 'nbt', 'rtrl'] as const) {
  for (const H of hiddenSizes) {
    if (kind === 'rtrl' && H > 64) continue;
    log(`scaling ${kind} H=${H} …`);
    const steps = Math.max(10, Math.min(200, Math.round(4e6 / (H * H * (kind === 'rtrl' ? H : 1)))));
    const f = await measureOnline(kind, H, 'float64', steps);
    scaling.push(f);
    if (f.skipped !== undefined) break;
  }
}
const exponents: Record<string, number | null> = {};
for (const kind of ['forward', 'tbptt', 'uoro', 'nbt', 'rtrl'] as const) {
  const points = scaling.filter((f) => f.kind === kind && f.msPerStep !== null && f.hiddenSize >= 32);
  exponents[kind] = points.length >= 2 ? fitExponent(points.map((p) => p.hiddenSize), points.map((p) => p.msPerStep!.median)) : null;
}
const plotted = (['forward', 'tbptt', 'uoro', 'nbt', 'rtrl'] as const)
  .map((kind) => ({ kind, points: scaling.filter((f) => f.kind === kind && f.msPerStep !== null).map((f) => [f.hiddenSize, f.msPerStep!.median] as const) }))
  .filter((s) => s.points.length > 0)
  .map((s) => ({ label: `${s.kind} (H^${exponents[s.kind]?.toFixed(2) ?? '?'})`, points: s.points }));
writeFileSync(resolve(benchDir, 'scaling.svg'), logLogSvg(plotted, { title: 'time per step, LSTM 32 → H, float64', xLabel: 'hidden size H', yLabel: 'time per step' }));

// ---- online step ratios at every H, both dtypes (issue #17) ---------------------------

const onlineRatios = measureOnlineRatios({ hiddenSizes: [32, 64, 128, 256, 512], dtypes: ['float64', 'float32'], repeat: quick ? 1 : 2, milliseconds: 150, log });
// ---- RTRL against its own product -------------------------------------------------------

/** RTRL's step is the product J·M (learners/rtrl.ts eq. (3)): that product alone, and an in-cache product for the kernels' rate. */
interface ProductFigure {
  readonly shape: ProductShape;
  readonly timing: Timing;
  readonly gflops: number;
}
const RTRL_HIDDEN = 64;
const productFigure = (shape: ProductShape): ProductFigure => ({ shape, ...(child({ type: 'product', shape, dtype: 'float64', runs }) as unknown as { timing: Timing; gflops: number }) });
log(`RTRL's product J·M alone at H=${RTRL_HIDDEN}, and an in-cache product …`);
const rtrlGemm = productFigure(rtrlProduct(RTRL_HIDDEN));
const inCacheGemm = productFigure(IN_CACHE);

// ---- peers ----------------------------------------------------------------------------

if (withPeers) {
  log('peers …');
  cReference(sequenceWorkloads, runs, report, log);
  pytorch(sequenceWorkloads, runs, [1, 2], report, log);
  tfjs('wasm', sequenceWorkloads, 5, report, log);
  tfjs('cpu', quick ? [W1] : sequenceWorkloads, 5, report, log);
} else report.skipped.push('peers: skipped (--no-peers)');
figures.push(...report.figures);

// ---- the table -------------------------------------------------------------------------

const columns: Array<{ label: string; implementation: string; dtype: DType; threads: number }> = [
  { label: 'ours f64', implementation: 'online-rnn', dtype: 'float64', threads: 1 },
  { label: 'ours f32', implementation: 'online-rnn', dtype: 'float32', threads: 1 },
  { label: 'ours f64 2t', implementation: 'online-rnn', dtype: 'float64', threads: 2 },
  { label: 'ours f32 2t', implementation: 'online-rnn', dtype: 'float32', threads: 2 },
  { label: 'ours FMA f64', implementation: 'online-rnn (FMA)', dtype: 'float64', threads: 1 },
  { label: 'ours FMA f32', implementation: 'online-rnn (FMA)', dtype: 'float32', threads: 1 },
  { label: 'FMA f32 2t', implementation: 'online-rnn (FMA)', dtype: 'float32', threads: 2 },
  { label: 'ours TS f64', implementation: 'online-rnn (TS kernels)', dtype: 'float64', threads: 1 },
  { label: 'C+BLAS f32', implementation: 'C + OpenBLAS', dtype: 'float32', threads: 1 },
  { label: 'C -O3 f32', implementation: 'C -O3 -march=native', dtype: 'float32', threads: 1 },
  { label: 'C+BLAS f64', implementation: 'C + OpenBLAS', dtype: 'float64', threads: 1 },
  { label: 'torch f32', implementation: 'PyTorch', dtype: 'float32', threads: 1 },
  { label: 'torch f32 2t', implementation: 'PyTorch', dtype: 'float32', threads: 2 },
  { label: 'torch f64', implementation: 'PyTorch', dtype: 'float64', threads: 1 },
  { label: 'tfjs wasm', implementation: 'TF.js wasm', dtype: 'float32', threads: 1 },
  { label: 'tfjs cpu', implementation: 'TF.js cpu', dtype: 'float32', threads: 1 },
];
const find = (workload: string, c: { implementation: string; dtype: DType; threads: number }) =>
  figures.find((f) => f.workload === workload && f.implementation === c.implementation && f.dtype === c.dtype && f.threads === c.threads);

const lines: string[] = [];
const pad = (s: string, n: number) => s.padStart(n);
for (const statistic of ['median', 'min'] as const) {
  lines.push(`ms per run, ${statistic === 'median' ? `median of ≥ ${runs} runs (max in results.json)` : 'fastest run (the machine is shared: the min shows the spread)'}`);
  lines.push(pad('workload', 8) + columns.map((c) => pad(c.label, 13)).join(''));
  for (const w of sequenceWorkloads) {
    lines.push(pad(w.name, 8) + columns.map((c) => pad(find(w.name, c)?.timing[statistic].toFixed(2) ?? '—', 13)).join(''));
  }
  lines.push('');
}
lines.pop();

/** Peer time / our time in the same dtype: > 1 means we are faster. */
interface Ratio {
  readonly workload: string;
  readonly ours: string;
  readonly peer: string;
  readonly dtype: DType;
  readonly speedup: number;
}
const ratios: Ratio[] = [];
/** Our variants, each compared with every peer: one thread, the batch split over two, fused multiply-adds. */
const oursVariants = [
  { implementation: 'online-rnn', threads: 1, tag: '' },
  { implementation: 'online-rnn', threads: 2, tag: ' 2t' },
  { implementation: 'online-rnn (FMA)', threads: 1, tag: ' FMA' },
  { implementation: 'online-rnn (FMA)', threads: 2, tag: ' FMA 2t' },
] as const;
for (const w of sequenceWorkloads) {
  for (const v of oursVariants) {
    for (const c of columns.slice(8)) {
      const peer = find(w.name, c);
      const mine = find(w.name, { implementation: v.implementation, dtype: c.dtype, threads: v.threads });
      if (peer !== undefined && mine !== undefined) ratios.push({ workload: w.name, ours: `ours ${c.dtype === 'float64' ? 'f64' : 'f32'}${v.tag}`, peer: c.label, dtype: c.dtype, speedup: peer.timing.median / mine.timing.median });
    }
  }
}
lines.push('');
lines.push('speed-up of ours over each peer, same dtype (peer time / our time; > 1 = ours faster)');
for (const w of sequenceWorkloads) {
  for (const v of oursVariants) {
    const row = ratios.filter((r) => r.workload === w.name && r.ours.replace(/^ours f(64|32)/, '') === v.tag).map((r) => `${r.peer} ${r.speedup.toFixed(2)}×`);
    if (row.length > 0) lines.push(`${pad(w.name, 8)} ${v.tag === '' ? '' : `(ours${v.tag}) `} ${row.join(', ')}`);
  }
}
lines.push('');
lines.push('online step on W1 (LSTM 32 → 128, dense 32; RTRL at hidden 32): µs per step, steps/s, ratio to the forward step');
for (const dtype of ['float64', 'float32'] as const) {
  const forward = online.find((f) => f.kind === 'forward' && f.dtype === dtype)!;
  for (const f of online.filter((g) => g.dtype === dtype)) {
    if (f.msPerStep === null) {
      lines.push(`  ${dtype} ${f.kind.padEnd(8)} skipped: ${f.skipped}`);
      continue;
    }
    const ratio = f.kind === 'rtrl' ? '' : `  ${(f.msPerStep.median / forward.msPerStep!.median).toFixed(2)}× forward`;
    lines.push(`  ${dtype} ${f.kind.padEnd(8)} H=${String(f.hiddenSize).padEnd(4)} ${(f.msPerStep.median * 1000).toFixed(1).padStart(9)} µs  ${f.stepsPerSecond!.toFixed(0).padStart(8)} steps/s${ratio}`);
  }
}
lines.push('');
lines.push(`scaling (float64, µs per step; exponent fitted over H ≥ 32; plot: bench/scaling.svg)`);
lines.push(pad('kind', 9) + hiddenSizes.map((H) => pad(`H=${H}`, 10)).join('') + pad('exponent', 10) + '   ratio to forward');
for (const kind of ['forward', 'tbptt', 'uoro', 'nbt', 'rtrl'] as const) {
  const row = hiddenSizes.map((H) => {
    const f = scaling.find((g) => g.kind === kind && g.hiddenSize === H);
    return pad(f?.msPerStep ? (f.msPerStep.median * 1000).toFixed(1) : f?.skipped ? 'skip' : '—', 10);
  });
  const toForward = hiddenSizes
    .map((H) => {
      const f = scaling.find((g) => g.kind === kind && g.hiddenSize === H);
      const base = scaling.find((g) => g.kind === 'forward' && g.hiddenSize === H);
      return f?.msPerStep && base?.msPerStep ? (f.msPerStep.median / base.msPerStep.median).toFixed(1) : '—';
    })
    .join(' ');
  lines.push(pad(kind, 9) + row.join('') + pad(exponents[kind]?.toFixed(2) ?? '—', 10) + '   ' + toForward);
}
lines.push('');
lines.push(ratioTable(onlineRatios));
{
  const step = scaling.find((g) => g.kind === 'rtrl' && g.hiddenSize === RTRL_HIDDEN)?.msPerStep?.median;
  const { m, n, k } = rtrlGemm.shape;
  const atRate = (2 * m * n * k) / (inCacheGemm.gflops * 1e6);
  lines.push(`RTRL at H=${RTRL_HIDDEN} (float64) against its product J·M (${m}×${k} · ${k}×${n}, ${((2 * m * n * k) / 1e9).toFixed(2)} GFLOP): ms per step`);
  lines.push(`  J·M alone ${rtrlGemm.timing.median.toFixed(1)} ms (${rtrlGemm.gflops.toFixed(1)} GFLOP/s); at the kernels' in-cache rate (${inCacheGemm.gflops.toFixed(1)} GFLOP/s, ${IN_CACHE.m}×${IN_CACHE.k} · ${IN_CACHE.k}×${IN_CACHE.n}) ${atRate.toFixed(1)} ms`);
  if (step !== undefined) lines.push(`  RTRL step ${step.toFixed(1)} ms = ${(step / atRate).toFixed(2)}× J·M at the in-cache rate, ${(step / rtrlGemm.timing.median).toFixed(2)}× J·M alone; fitted exponent ${exponents.rtrl?.toFixed(2) ?? '—'} (the method's: 4)`);
}
lines.push('');
lines.push('GFLOP/s per workload (2 × multiply-adds / median time), one thread, and the ratio of our time to the limit, C + OpenBLAS in the same dtype');
lines.push(pad('workload', 8) + pad('dtype', 9) + ['ours', 'ours FMA', 'C+BLAS', 'PyTorch', 'ours/limit', 'FMA/limit', 'ours/torch'].map((h) => pad(h, 12)).join(''));
for (const w of sequenceWorkloads) {
  for (const dtype of ['float64', 'float32'] as const) {
    const ms = (implementation: string) => find(w.name, { implementation, dtype, threads: 1 })?.timing.median;
    const rate = (t: number | undefined) => (t === undefined ? '—' : ((2 * macs(w)) / (t * 1e6)).toFixed(1));
    const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? '—' : `${(a / b).toFixed(2)}×`);
    const [ours, fma, limit, torch] = [ms('online-rnn'), ms('online-rnn (FMA)'), ms('C + OpenBLAS'), ms('PyTorch')];
    lines.push(pad(w.name, 8) + pad(dtype, 9) + [rate(ours), rate(fma), rate(limit), rate(torch), ratio(ours, limit), ratio(fma, limit), ratio(ours, torch)].map((c) => pad(c, 12)).join(''));
  }
}
if (report.skipped.length > 0) {
  lines.push('');
  for (const s of report.skipped) lines.push(`skipped: ${s}`);
}
const table = lines.join('\n');
process.stdout.write(table + '\n');

// ---- the service (issue #11): bench/serve.ts in a fresh process -------------------------------

let service: unknown = null;
if (!args.has('--no-serve')) {
  log('service: in-process, serve --jsonl, HTTP /observe at 1 and 16 connections (bench/serve.ts) …');
  const r = spawnSync(process.execPath, [resolve(here, 'serve.js'), '--json', '--seconds', quick ? '2' : '5', '--lines', quick ? '5000' : '20000'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench/serve.js failed:\n${r.stderr}`);
  const out = r.stdout.trim().split('\n');
  service = JSON.parse(out.pop()!);
  process.stdout.write(`\nservice cost over the library:\n${out.join('\n')}\n`);
} else report.skipped.push('service: skipped (--no-serve)');

// ---- results.json ------------------------------------------------------------------------

const results = {
  date: new Date().toISOString(),
  quick,
  machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), platform: platform(), arch: arch() },
  node: process.version,
  kernels: kernelBackend(),
  dtypes: ['float64', 'float32'],
  workloads: Object.fromEntries(sequenceWorkloads.map((w) => [w.name, { ...w, macs: macs(w) }])),
  peers: report.info,
  figures: figures.map((f) => ({ ...f, unit: 'ms per run' })),
  ratios,
  online: online.map((f) => ({ ...f, unit: 'ms per step' })),
  scaling: { unit: 'ms per step', dtype: 'float64', figures: scaling, exponents },
  onlineRatios,
  rtrlProduct: { hiddenSize: RTRL_HIDDEN, product: rtrlGemm, inCache: inCacheGemm, unit: 'ms per product' },
  skipped: report.skipped,
  service,
  table,
};
writeFileSync(resolve(benchDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
log(`wrote ${resolve(benchDir, 'results.json')} and ${resolve(benchDir, 'scaling.svg')}`);
