/**
 * The PyTorch reference fixtures: `TORCH_FIXTURES` names the directory; by default the shared
 * `../shared/fixtures/pytorch` beside the checkout, falling back to the copy in
 * test/fixtures/pytorch so a clean clone tests without the shared folder.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export function fixtureDirectory(): string {
  const fromEnv = process.env.TORCH_FIXTURES;
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  const shared = resolve(repoRoot, '../shared/fixtures/pytorch');
  return existsSync(shared) ? shared : join(repoRoot, 'test/fixtures/pytorch');
}

/** The copies in test/fixtures/pytorch, for tests that need one named fixture whatever TORCH_FIXTURES says. */
export function inRepoFixtureDirectory(): string {
  return join(repoRoot, 'test/fixtures/pytorch');
}

export interface Tensor {
  shape: number[];
  data: number[];
}

export interface TorchFixture {
  name: string;
  module: 'lstm' | 'gru' | 'rnn';
  args: Record<string, unknown>;
  state_dict: Record<string, Tensor>;
  input: Tensor;
  h0: Tensor;
  c0?: Tensor;
  output: Tensor;
  h_n: Tensor;
  c_n?: Tensor;
  loss: { R: Tensor; RH: Tensor; RC?: Tensor; value: number };
  grads: Record<string, Tensor>;
  grad_input: Tensor;
  grad_h0: Tensor;
  grad_c0?: Tensor;
}

/** Every `*.json` fixture as [file, parsed JSON]; parse failures are returned as errors, not skipped. */
export function readFixtures(directory = fixtureDirectory()): Array<{ file: string; fixture?: TorchFixture; error?: string }> {
  const files = readdirSync(directory).filter((f) => f.endsWith('.json')).sort();
  return files.map((file) => {
    try {
      return { file, fixture: JSON.parse(readFileSync(join(directory, file), 'utf8')) as TorchFixture };
    } catch (e) {
      return { file, error: (e as Error).message };
    }
  });
}
