/**
 * Runs the peers as child processes, each printing one JSON line, and gathers their figures.
 * Peers that cannot run here (no PyTorch, no compiler) are reported as skipped with the reason.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Timing } from '../stats.js';
import { macs, type SequenceWorkload } from '../workloads.js';

export interface PeerFigure {
  readonly workload: string;
  readonly implementation: string;
  readonly dtype: 'float32' | 'float64';
  readonly threads: number;
  readonly timing: Timing;
  readonly note?: string;
}

export interface PeerReport {
  readonly figures: PeerFigure[];
  readonly skipped: string[];
  readonly info: Record<string, unknown>;
}

const here = dirname(fileURLToPath(import.meta.url));
/** bench/peers in the source tree (the .py and .c files are not compiled). */
const sourceDir = resolve(here, '../../../bench/peers');

function run(command: string, args: string[], env: Record<string, string> = {}): { ok: boolean; out: string; err: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  return { ok: result.status === 0, out: result.stdout ?? '', err: (result.stderr ?? '') + (result.error?.message ?? '') };
}

function lastJsonLine(text: string): any {
  const lines = text.trim().split('\n').filter((l) => l.startsWith('{'));
  return JSON.parse(lines[lines.length - 1]!);
}

export function tfjs(backend: 'cpu' | 'wasm', workloads: readonly SequenceWorkload[], runs: number, report: PeerReport, log: (s: string) => void): void {
  for (const w of workloads) {
    log(`  TF.js ${backend} ${w.name} …`);
    const r = run(process.execPath, [join(here, 'tfjs.js'), backend, JSON.stringify([w]), String(runs), '1']);
    if (!r.ok) {
      report.skipped.push(`TF.js ${backend} ${w.name}: ${r.err.trim().split('\n').slice(-1)[0]}`);
      continue;
    }
    const parsed = lastJsonLine(r.out);
    report.info[`tfjs`] = parsed.version;
    for (const { name, timing } of parsed.results) report.figures.push({ workload: name, implementation: `TF.js ${backend}`, dtype: 'float32', threads: 1, timing });
  }
}

/** The python3 that imports torch: the PATH one, else Debian's. */
function findTorchPython(): string | null {
  for (const python of ['python3', '/usr/bin/python3']) {
    if (run(python, ['-c', 'import torch']).ok) return python;
  }
  return null;
}

export function pytorch(workloads: readonly SequenceWorkload[], runs: number, threadCounts: readonly number[], report: PeerReport, log: (s: string) => void): void {
  const python = findTorchPython();
  if (python === null) {
    report.skipped.push("PyTorch: skipped: `python3 -c 'import torch'` fails (apt-get install python3-torch libopenblas-dev)");
    return;
  }
  for (const dtype of ['float32', 'float64'] as const) {
    for (const threads of threadCounts) {
      log(`  PyTorch ${dtype} ${threads} thread(s) …`);
      const env = { OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
      const r = run(python, [join(sourceDir, 'torch_bench.py'), JSON.stringify(workloads), dtype, String(threads), String(runs), '2'], env);
      if (!r.ok) {
        report.skipped.push(`PyTorch ${dtype} ${threads}t: ${r.err.trim().split('\n').slice(-1)[0]}`);
        continue;
      }
      const parsed = lastJsonLine(r.out);
      const blas = (parsed.blas as string[]).map((p) => p.split('/').pop()).join(', ') || 'none found (reference BLAS?)';
      report.info.pytorch = { version: parsed.torch, blas: parsed.blas };
      for (const { name, timing } of parsed.results) report.figures.push({ workload: name, implementation: 'PyTorch', dtype, threads, timing, note: `BLAS: ${blas}` });
    }
  }
}

/**
 * The C reference of the LSTM workloads (bench/peers/lstm.c), built here with gcc -O3
 * -march=native, plain and with OpenBLAS on one thread: the practical limit of each workload.
 * Only LSTM workloads (lstm.c is an LSTM); each in float32 and float64.
 */
export function cReference(workloads: readonly SequenceWorkload[], runs: number, report: PeerReport, log: (s: string) => void): void {
  const source = join(sourceDir, 'lstm.c');
  if (!run('gcc', ['--version']).ok) {
    report.skipped.push('C reference: skipped: gcc not found');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'online-rnn-bench-'));
  const hasBlas = existsSync('/usr/include/x86_64-linux-gnu/cblas.h') || existsSync('/usr/include/cblas.h') || existsSync('/usr/include/openblas/cblas.h');
  for (const real of ['float', 'double'] as const) {
    for (const blas of hasBlas ? [false, true] : [false]) {
      const binary = join(dir, `lstm-${real}${blas ? '-blas' : ''}`);
      const args = ['-O3', '-march=native', `-DREAL=${real}`, ...(blas ? ['-DUSE_BLAS', '-I/usr/include/openblas'] : []), source, '-o', binary, ...(blas ? ['-lopenblas'] : []), '-lm'];
      try {
        execFileSync('gcc', args, { stdio: 'pipe' });
      } catch (e) {
        report.skipped.push(`C ${blas ? '+ OpenBLAS ' : ''}${real}: compile failed: ${String((e as Error).message).split('\n')[0]}`);
        continue;
      }
      for (const w of workloads.filter((w) => w.cell === 'lstm')) {
        log(`  C ${blas ? '+ OpenBLAS ' : '-O3 '}${real} ${w.name} …`);
        // Short workloads take 41 runs (a median that shrugs off bursts), long ones at least `runs`.
        const count = macs(w) < 1e8 ? Math.max(runs, 41) : runs;
        const sizes = [w.inputSize, w.hiddenSize, w.outputSize, w.steps, w.batch, w.layers, w.bidirectional ? 1 : 0, w.mode === 'train' ? 1 : 0];
        const r = run(binary, [...sizes.map(String), String(count), '2'], { OPENBLAS_NUM_THREADS: '1' });
        if (!r.ok) {
          report.skipped.push(`C ${real} ${w.name}: ${r.err}`);
          continue;
        }
        const { median, min, max, runs: n } = lastJsonLine(r.out);
        report.figures.push({ workload: w.name, implementation: blas ? 'C + OpenBLAS' : 'C -O3 -march=native', dtype: real === 'float' ? 'float32' : 'float64', threads: 1, timing: { median, min, max, runs: n } });
      }
    }
  }
  if (!hasBlas) report.skipped.push('C + OpenBLAS: skipped: cblas.h not found (apt-get install libopenblas-dev)');
}

let gemmBinary: string | null = null;

/**
 * One OpenBLAS product on one thread (bench/peers/gemm.c, built here with gcc -O3): the rate
 * bench/products.ts measures for our kernels, same shape and layout. A string says why not.
 */
export function openblasProduct(shape: { product: 'ab' | 'abt' | 'atb'; m: number; n: number; k: number }, dtype: 'float32' | 'float64', runs: number): { timing: Timing; gflops: number } | string {
  if (gemmBinary === null) {
    const binary = join(mkdtempSync(join(tmpdir(), 'online-rnn-gemm-')), 'gemm');
    try {
      execFileSync('gcc', ['-O3', '-I/usr/include/openblas', join(sourceDir, 'gemm.c'), '-o', binary, '-lopenblas'], { stdio: 'pipe' });
    } catch (e) {
      return `OpenBLAS product: gemm.c did not build (gcc and libopenblas-dev needed): ${String((e as Error).message).split('\n')[0]}`;
    }
    gemmBinary = binary;
  }
  const { product, m, n, k } = shape;
  const r = run(gemmBinary, [product, String(m), String(n), String(k), dtype === 'float32' ? 'float' : 'double', String(runs)], { OPENBLAS_NUM_THREADS: '1' });
  if (!r.ok) return `OpenBLAS product: ${r.err.trim()}`;
  const { median, min, max, runs: count, gflops } = lastJsonLine(r.out);
  return { timing: { median, min, max, runs: count }, gflops };
}
