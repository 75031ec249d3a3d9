/**
 * Our time against the C + OpenBLAS limit for one thing at a time (issue #17), in one command
 * so both sides see the same machine: a quicker, narrower measurement than the full bench.
 * Each side runs in fresh processes, alternating, for --rounds rounds. Per side: the median over
 * rounds of each round's median (a shared machine's bursts hit single rounds), and the fastest
 * run of all (what a quiet machine gives; on a busy one the only figure that holds still).
 *
 *   node dist/bench/limits.js W1 [float32|float64] [--rounds N]
 *       the workload (bench/workloads.ts): ours (wasm kernels, and fused multiply-adds), C + OpenBLAS,
 *       and for W1/W2 our products alone (products.ts workloadProducts): what the kernels' rates allow
 *   node dist/bench/limits.js product ab|abt|atb m n k [float32|float64] [--rounds N]
 *       one product (bench/products.ts): ours, ours FMA, OpenBLAS (bench/peers/gemm.c), GFLOP/s
 */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DType } from '../src/tensor/dtype.js';
import { summarize, type Timing } from './stats.js';
import { W1, W2, W3, macs, type SequenceWorkload } from './workloads.js';
import { cReference, openblasProduct, type PeerReport } from './peers/run-peers.js';
import type { ProductKind } from './products.js';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);

function fail(message: string): never {
  process.stderr.write(`limits: ${message}\n`);
  process.exit(2);
}

function option(name: string, fallback: number): number {
  const at = argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) fail(`${name} needs a positive integer`);
  argv.splice(at, 2);
  return value;
}

const rounds = option('--rounds', 3);
const WORKLOADS: Record<string, SequenceWorkload> = { W1, W2, W3 };

/** node [flags] dist/bench/<script> args with ONLINE_RNN_KERNELS=kernels → its last JSON line. */
function ours(script: string, args: string[], kernels: 'wasm' | 'wasm-fma'): any {
  // Node 20 has relaxed SIMD behind a flag; Node ≥ 22 has it on and refuses the flag.
  const flags = kernels === 'wasm-fma' && Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-wasm-relaxed-simd'] : [];
  const r = spawnSync(process.execPath, [...flags, resolve(here, script), ...args], { encoding: 'utf8', env: { ...process.env, ONLINE_RNN_KERNELS: kernels } });
  if (r.status !== 0) fail(`${script} ${args.join(' ')} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

/** Per side, each round's timing; then the median of the round medians and the least minimum. */
const sides = new Map<string, Timing[]>();
const record = (side: string, t: Timing) => sides.set(side, [...(sides.get(side) ?? []), t]);
const figure = (side: string): { median: number; min: number } => {
  const timings = sides.get(side)!;
  return { median: summarize(timings.map((t) => t.median)).median, min: Math.min(...timings.map((t) => t.min)) };
};

const [what, ...rest] = argv;
if (what !== undefined && what in WORKLOADS) {
  const w = WORKLOADS[what]!;
  const dtype = (rest[0] ?? 'float32') as DType;
  if (dtype !== 'float32' && dtype !== 'float64') fail(`dtype must be float32 or float64, not ${dtype}`);
  if (w.cell !== 'lstm') fail(`${w.name} has no C reference`);
  const limit = 'C + OpenBLAS';
  for (let round = 0; round < rounds; round++) {
    for (const kernels of ['wasm', 'wasm-fma'] as const) {
      const tag = kernels === 'wasm' ? '' : ' FMA';
      record(`ours${tag}`, ours('child.js', [JSON.stringify({ type: 'sequence', workload: w.name, dtype, runs: 7 })], kernels) as Timing);
      if (w.mode === 'train') record(`products${tag}`, ours('products.js', [w.name, dtype], kernels).timing);
    }
    const report: PeerReport = { figures: [], skipped: [], info: {} };
    cReference([w], 7, report, () => {});
    const c = report.figures.find((f) => f.implementation === limit && f.dtype === dtype);
    if (c === undefined) fail(`no ${limit} figure: ${report.skipped.join('; ') || 'libopenblas-dev missing?'}`);
    record(limit, c.timing);
    process.stderr.write(`round ${round + 1}: ${[...sides].map(([side, t]) => `${side} ${t[t.length - 1]!.median.toFixed(2)} ms`).join(', ')}\n`);
  }
  const flop = 2 * macs(w);
  const c = figure(limit);
  process.stdout.write(`${w.name} ${dtype}, ${rounds} rounds: median of the round medians | fastest run (ms per run, GFLOP/s, time ÷ ${limit}'s)\n`);
  for (const side of sides.keys()) {
    const { median, min } = figure(side);
    const cells = (t: number, limitMs: number) => `${t.toFixed(2).padStart(7)} ms ${(flop / (t * 1e6)).toFixed(1).padStart(6)} GFLOP/s ${(t / limitMs).toFixed(2).padStart(6)}×`;
    process.stdout.write(`  ${side.padEnd(14)}${cells(median, c.median)}  | ${cells(min, c.min)}\n`);
  }
} else if (what === 'product') {
  const [product, m, n, k, dtype = 'float32'] = rest;
  if (product !== 'ab' && product !== 'abt' && product !== 'atb') fail('product needs ab, abt or atb, then m n k');
  const shape = { product: product as ProductKind, m: Number(m), n: Number(n), k: Number(k) };
  if (![shape.m, shape.n, shape.k].every((v) => Number.isInteger(v) && v > 0)) fail('m, n and k must be positive integers');
  if (dtype !== 'float32' && dtype !== 'float64') fail(`dtype must be float32 or float64, not ${dtype}`);
  const gflops = (ms: number) => (2 * shape.m * shape.n * shape.k) / (ms * 1e6);
  for (let round = 0; round < rounds; round++) {
    for (const kernels of ['wasm', 'wasm-fma'] as const) record(kernels === 'wasm' ? 'ours' : 'ours FMA', ours('products.js', [product, m!, n!, k!, dtype], kernels).timing);
    const blas = openblasProduct(shape, dtype, 41);
    if (typeof blas === 'string') fail(blas);
    record('OpenBLAS', blas.timing);
  }
  const blas = figure('OpenBLAS');
  process.stdout.write(`${product} ${m}×${n}×${k} ${dtype}, one thread, ${rounds} rounds: median of the round medians | fastest run (GFLOP/s, time ÷ OpenBLAS's)\n`);
  for (const side of sides.keys()) {
    const { median, min } = figure(side);
    process.stdout.write(`  ${side.padEnd(10)} ${gflops(median).toFixed(1).padStart(7)} GFLOP/s ${(median / blas.median).toFixed(2).padStart(6)}×  | ${gflops(min).toFixed(1).padStart(7)} GFLOP/s ${(min / blas.min).toFixed(2).padStart(6)}×\n`);
  }
} else fail('usage: limits.js W1|W2|W3 [float32|float64] [--rounds N]  or  limits.js product ab|abt|atb m n k [float32|float64] [--rounds N]');
