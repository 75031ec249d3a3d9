/**
 * Issue #17 item 2: the fused multiply-add kernels are the default exactly where the engine has
 * relaxed SIMD, detected at start; ONLINE_RNN_KERNELS overrides. Node 20 needs
 * --experimental-wasm-relaxed-simd for relaxed SIMD, so both cases run here in child processes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const kernelSetModule = fileURLToPath(new URL('../../src/io/kernel-set.js', import.meta.url));
const simdModule = fileURLToPath(new URL('../../src/tensor/wasm/simd.js', import.meta.url));

/** The kernel set a fresh process picks, whether its engine validates relaxed SIMD, and what it warned. */
function startUp(flags: string[], kernels: string | undefined): { set: string; engineHasFma: boolean; stderr: string } {
  const env = { ...process.env };
  delete env['ONLINE_RNN_KERNELS'];
  if (kernels !== undefined) env['ONLINE_RNN_KERNELS'] = kernels;
  const script = `const { kernelSet } = await import(${JSON.stringify(kernelSetModule)}); const { engineHasFma } = await import(${JSON.stringify(simdModule)}); console.log(JSON.stringify({ set: kernelSet(), engineHasFma: engineHasFma() }));`;
  const r = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script], { encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stderr);
  return { ...(JSON.parse(r.stdout.trim()) as { set: string; engineHasFma: boolean }), stderr: r.stderr };
}

const major = Number(process.versions.node.split('.')[0]);
/** Relaxed SIMD on: Node 20's flag; Node ≥ 22 has it on and refuses the flag. */
const RELAXED = major >= 22 ? [] : ['--experimental-wasm-relaxed-simd'];

test('by default a process uses the fused multiply-add kernels exactly when its engine validates relaxed SIMD', () => {
  const withFlag = startUp(RELAXED, undefined);
  assert.equal(withFlag.engineHasFma, true, 'V8 in Node 20 has relaxed SIMD behind the flag, Node ≥ 22 without');
  assert.equal(withFlag.set, 'wasm-fma');
  const plain = startUp([], undefined);
  assert.equal(plain.set, plain.engineHasFma ? 'wasm-fma' : 'wasm');
  if (major >= 22) assert.equal(plain.set, 'wasm-fma', 'Node ≥ 22 has relaxed SIMD without a flag');
  else assert.equal(plain.set, 'wasm', 'Node 20 without the flag gets the plain SIMD kernels');
});

test('ONLINE_RNN_KERNELS=wasm keeps the plain SIMD kernels on an engine with relaxed SIMD, and ts the reference', () => {
  assert.equal(startUp(RELAXED, 'wasm').set, 'wasm');
  assert.equal(startUp(RELAXED, 'auto').set, 'wasm-fma');
  assert.equal(startUp(RELAXED, 'ts').set, 'ts');
});

test('ONLINE_RNN_KERNELS=wasm-fma on an engine without relaxed SIMD says so once and uses the plain SIMD kernels', (t) => {
  const plain = startUp([], 'wasm-fma');
  if (plain.engineHasFma) {
    t.skip('this engine has relaxed SIMD without a flag');
    return;
  }
  assert.equal(plain.set, 'wasm');
  assert.match(plain.stderr, /ONLINE_RNN_KERNELS=wasm-fma, but this engine has no relaxed SIMD/);
});
