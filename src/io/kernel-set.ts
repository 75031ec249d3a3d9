/**
 * The name of the kernel set this process computes with — 'ts' (the TypeScript reference),
 * 'wasm' (SIMD) or 'wasm-fma' (SIMD with fused multiply-adds) — as checkpoints and run
 * directories record it: the sets round differently, so bit-identity holds within one set only
 * (docs/formats.md "Kernel sets").
 */
import { fusedMultiplyAdd, kernelBackend } from '../tensor/backend.js';

export type KernelSet = 'ts' | 'wasm' | 'wasm-fma';

export function kernelSet(): KernelSet {
  if (kernelBackend() === 'ts') return 'ts';
  return fusedMultiplyAdd() ? 'wasm-fma' : 'wasm';
}

/** The warning for a run resumed under another set than it was saved with, or null. */
export function kernelSetWarning(saved: string | null, where: string): string | null {
  const now = kernelSet();
  if (saved === null || saved === now) return null;
  return `warning: ${where} was computed with the '${saved}' kernels, this process uses '${now}' (ONLINE_RNN_KERNELS, or an engine with or without relaxed SIMD): the numbers round differently, so the resumed run will not be bit-identical to one never stopped`;
}
