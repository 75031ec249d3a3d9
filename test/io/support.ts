/** Helpers shared by the interop tests: fixtures as user files, and the CLI run concurrently. */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSafetensors } from '../../src/io/safetensors.js';
import type { TestContext } from 'node:test';
import { inRepoFixtureDirectory, readFixtures, repoRoot, type Tensor, type TorchFixture } from '../support/fixtures.js';
import { tempDir } from '../support/cli.js';

const cli = join(repoRoot, 'dist/src/cli/main.js');

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** `online-rnn …` in a child process; resolves (never rejects) with its exit code and output. */
export function cli$(...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { encoding: 'utf8' }, (error, stdout, stderr) => {
      const status = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ status, stdout, stderr });
    });
  });
}

export function rowsOf(tensor: Tensor): number[][] {
  const width = tensor.shape[tensor.shape.length - 1]!;
  return Array.from({ length: tensor.data.length / width }, (_, r) => tensor.data.slice(r * width, (r + 1) * width));
}

/** A fixture as a user would have it: model.safetensors (its state_dict), args.json and input.json. */
export function writePyTorchFiles(fixture: TorchFixture, dir: string): { model: string; args: string; input: string } {
  const tensors = Object.entries(fixture.state_dict).map(([name, t]) => ({ name, shape: t.shape, data: Float64Array.from(t.data) }));
  const paths = { model: join(dir, 'model.safetensors'), args: join(dir, 'args.json'), input: join(dir, 'input.json') };
  writeFileSync(paths.model, writeSafetensors(tensors, { format: 'pt' }));
  writeFileSync(paths.args, JSON.stringify({ module: fixture.module, ...fixture.args }));
  const input: Record<string, number[][]> = { input: rowsOf(fixture.input), h0: rowsOf(fixture.h0) };
  if (fixture.c0 !== undefined) input.c0 = rowsOf(fixture.c0);
  writeFileSync(paths.input, JSON.stringify(input));
  return paths;
}

/** The error `load` throws, after checking it matches `message` and is one line; fails if nothing is thrown. */
export function refusal(load: () => unknown, message: RegExp): Error {
  let error: Error | null = null;
  try {
    load();
  } catch (e) {
    error = e as Error;
  }
  if (error === null) throw new Error(`accepted, though it should fail with ${String(message)}`);
  if (!message.test(error.message)) throw new Error(`${JSON.stringify(error.message)} does not match ${String(message)}`);
  if (error.message.includes('\n')) throw new Error(`more than one line: ${JSON.stringify(error.message)}`);
  return error;
}

/** A PyTorch fixture (by file name) written as safetensors + args.json + input into a fresh temporary folder removed when the test ends. */
export function pytorchFixtureFiles(t: TestContext, file: string, prefix: string): { dir: string; fixture: TorchFixture; paths: { model: string; args: string; input: string } } {
  const dir = tempDir(t, prefix);
  const fixture = readFixtures(inRepoFixtureDirectory()).find((f) => f.file === file)!.fixture!;
  return { dir, fixture, paths: writePyTorchFiles(fixture, dir) };
}
