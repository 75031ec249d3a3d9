/**
 * Which kernels run: WebAssembly SIMD (the default where WebAssembly exists) or the
 * plain-TypeScript reference ('ts'). The SIMD kernels come in two builds: with fused multiply-adds
 * (relaxed SIMD: one rounding per multiply-add, about a sixth faster on the products) and without.
 * At start the engine is asked whether it validates the relaxed-SIMD build; by default the fused
 * build is used when it does — V8 ≥ 11.4: Node ≥ 22, Chrome ≥ 114 — and the plain build
 * otherwise: Node 20 gets the plain SIMD build unless started with
 * --experimental-wasm-relaxed-simd. The environment variable ONLINE_RNN_KERNELS (read when this
 * module loads) chooses otherwise: 'ts' turns the arena and the SIMD kernels off for the whole
 * process (every buffer is an ordinary typed array); 'wasm' is SIMD without fused multiply-adds
 * even where the engine has them (the numbers of the kernel set older versions used by default);
 * 'wasm-fma' asks for the fused build and warns when the engine lacks it; unset (or 'auto') is the
 * default just described.
 * The sets round differently, so a run is bit-identical to itself within one set, and a
 * checkpoint resumed under another set (another engine, another setting) is not bit for bit:
 * checkpoints and run directories record the set (src/io/kernel-set.ts) and resuming under
 * another one warns. `setKernelBackend` switches the dispatch at run time (the
 * tests run both paths on the same buffers); buffers already in the arena stay valid either way.
 *
 * Falling back to the TypeScript kernels without being asked is never silent: when the SIMD
 * kernels were wanted but a buffer cannot be in the arena (no WebAssembly, the compile refused,
 * the arena full), the first such buffer prints one warning, or — with
 * `setFallbackPolicy('error')` or ONLINE_RNN_FALLBACK=error — throws. `bufferBackend(v)` says
 * where the kernels run on a given buffer.
 */
import type { Vec } from './dtype.js';
import { Arena, type WasmMemory } from './arena.js';
import { SimdKernels, compileKernels, engineHasFma } from './wasm/simd.js';

export type KernelBackend = 'ts' | 'wasm';

type Requested = 'ts' | 'wasm' | 'wasm-fma' | 'auto';

function requested(): Requested {
  const env = (globalThis as unknown as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.ONLINE_RNN_KERNELS;
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if (value === 'ts' || value === 'wasm' || value === 'wasm-fma') return value;
  throw new TypeError(`ONLINE_RNN_KERNELS must be 'auto', 'ts', 'wasm' or 'wasm-fma', got '${value}'`);
}

let fmaWarned = false;

/**
 * Whether to use the fused multiply-add build: by default exactly when the engine validates it;
 * 'wasm-fma' on an engine without relaxed SIMD says once that it gets the plain build.
 */
function wantFma(): boolean {
  const asked = requested();
  if (asked === 'ts' || asked === 'wasm') return false;
  const has = engineHasFma();
  if (!has && asked === 'wasm-fma' && !fmaWarned) {
    fmaWarned = true;
    (globalThis as unknown as { console?: { warn(message: string): void } }).console?.warn('online-rnn: ONLINE_RNN_KERNELS=wasm-fma, but this engine has no relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd): using the SIMD kernels without fused multiply-adds');
  }
  return has;
}

/** Why the SIMD kernels are off although wanted (null: they are on, or ONLINE_RNN_KERNELS=ts asked for TS). */
let unavailable: string | null = null;

function start(): { arena: Arena | null; kernels: SimdKernels | null } {
  unavailable = null;
  if (requested() === 'ts') return { arena: null, kernels: null };
  const arena = Arena.create();
  if (arena === null) {
    unavailable = 'this engine has no WebAssembly memory';
    return { arena: null, kernels: null };
  }
  try {
    return { arena, kernels: new SimdKernels(arena, { fma: wantFma() }) };
  } catch (error) {
    // e.g. a browser's main thread refuses a synchronous compile: enableWasmKernels() compiles asynchronously
    unavailable = `the WebAssembly kernels did not compile (${(error as Error).message})`;
    return { arena: null, kernels: null };
  }
}

let started = start();

export type FallbackPolicy = 'warn' | 'error';

function policyFromEnvironment(): FallbackPolicy {
  const env = (globalThis as unknown as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.ONLINE_RNN_FALLBACK;
  if (value === undefined || value === '' || value === 'warn') return 'warn';
  if (value === 'error') return value;
  throw new TypeError(`ONLINE_RNN_FALLBACK must be 'warn' or 'error', got '${value}'`);
}

let fallbackPolicy: FallbackPolicy = policyFromEnvironment();
let warned = false;

/** What happens when a buffer must fall back to the TypeScript kernels: one warning (default), or an error. */
export function setFallbackPolicy(policy: FallbackPolicy): void {
  fallbackPolicy = policy;
}

/**
 * Called by `zeros()` for a buffer that cannot live in the arena. Says why once ('warn') or
 * throws ('error'); silent only when the TypeScript kernels were asked for.
 */
export function reportFallback(reason: string | null = unavailable): void {
  if (reason === null) return;
  const message = `online-rnn: a buffer falls back to the TypeScript kernels (slower): ${reason}`;
  if (fallbackPolicy === 'error') throw new Error(message);
  if (warned) return;
  warned = true;
  (globalThis as unknown as { console?: { warn(message: string): void } }).console?.warn(`${message}. Later fallbacks are not reported; setFallbackPolicy('error') or ONLINE_RNN_FALLBACK=error makes them errors.`);
}

/** Where the kernels run on buffer v: 'wasm' when the SIMD kernels are on and v lives in the arena. */
export function bufferBackend(v: Vec): KernelBackend {
  return simd !== null && arena !== null && arena.owns(v) ? 'wasm' : 'ts';
}

/** The arena buffers are made in, or null (kernels off, or no WebAssembly). */
export let arena: Arena | null = started.arena;

/** The SIMD kernels the dispatch uses now, or null for the TypeScript reference. */
export let simd: SimdKernels | null = started.kernels;

export function kernelBackend(): KernelBackend {
  return simd === null ? 'ts' : 'wasm';
}

/** Whether the SIMD kernels in use fuse their multiply-adds (relaxed SIMD). */
export function fusedMultiplyAdd(): boolean {
  return simd?.options.fma ?? false;
}

/** Switches the dispatch; 'wasm' throws when it was never available in this process. */
export function setKernelBackend(kind: KernelBackend): void {
  if (kind === 'ts') simd = null;
  else if (started.kernels === null) throw new Error('the WebAssembly kernels are not available here (ONLINE_RNN_KERNELS=ts, or no WebAssembly)');
  else simd = started.kernels;
}

/**
 * For browsers, whose main thread refuses a synchronous compile of this size: compiles the
 * kernels asynchronously and turns them on. Buffers made before it stay ordinary typed arrays
 * (TS kernels), so call it before building models. Resolves to the backend now in use.
 */
export async function enableWasmKernels(): Promise<KernelBackend> {
  if (started.kernels !== null || requested() === 'ts') return kernelBackend();
  await compileKernels({ fma: wantFma() });
  started = start();
  arena = started.arena;
  simd = started.kernels;
  return kernelBackend();
}

/**
 * Joins a shared memory made by another thread (a worker of the parallel batch split): buffers
 * made from now on come from that memory's arena, so this thread's kernels and the parent's
 * work on the same buffers. Call it before making any buffer.
 */
export function adoptSharedMemory(memory: WasmMemory): void {
  const adopted = Arena.adopt(memory);
  started = { arena: adopted, kernels: new SimdKernels(adopted, { fma: wantFma() }) };
  arena = started.arena;
  simd = started.kernels;
}
