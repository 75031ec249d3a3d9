/** Which kernels run: the plain-TypeScript reference ('ts'); WebAssembly SIMD ('wasm') is to come. */
export type KernelBackend = 'ts' | 'wasm';

export function kernelBackend(): KernelBackend {
  return 'ts';
}
