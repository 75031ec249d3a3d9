/**
 * Issue #13 item 2: every value read from a checkpoint is checked against what the task, the
 * model and the learner can hold before any file of the run is touched.
 */
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { oneErrorLine, runCli, tempDir } from '../support/cli.js';

/** Every file of a folder with its bytes, to show a refused resume changed nothing. */
function contents(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (path: string) => {
    for (const entry of readdirSync(path)) {
      const full = join(path, entry);
      if (statSync(full).isDirectory()) walk(full);
      else out.set(full.slice(dir.length), readFileSync(full).toString('base64'));
    }
  };
  walk(dir);
  return out;
}

const shared = mkdtempSync(join(tmpdir(), 'online-rnn-test-'));
after(() => rmSync(shared, { recursive: true, force: true }));
let base: string | null = null;
/** One short copy run with UORO (it keeps θ̃'s squared norm), checkpointed at its end; shared by the tests. */
async function baseRun(): Promise<string> {
  if (base !== null) return base;
  const dir = join(shared, 'run');
  const r = await runCli(['train', '--task', 'copy', '--cell', 'rnn', '--hidden', '4', '--learner', 'uoro', '--steps', '300', '--checkpoint-every', '300', '--log-every', '10', '--seed', '1', '--out', dir]);
  assert.equal(r.status, 0, r.stderr);
  return (base = dir);
}

/** A copy of the run with one checkpoint file changed by `damage`. */
async function damaged(t: TestContext, damage: (checkpoint: string) => void): Promise<string> {
  const dir = join(tempDir(t), 'damaged');
  cpSync(await baseRun(), dir, { recursive: true });
  damage(join(dir, 'checkpoints', readFileSync(join(dir, 'checkpoints', 'latest'), 'utf8').trim()));
  return dir;
}

/** Rewrites a safetensors file's header with `edit` (the data stays where it was). */
function editHeader(path: string, edit: (header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>) => void): void {
  const bytes = readFileSync(path);
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8'));
  edit(header);
  const text = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(text.length));
  writeFileSync(path, Buffer.concat([prefix, text, bytes.subarray(8 + length)]));
}

async function refusedUntouched(t: TestContext, dir: string, pattern: RegExp): Promise<void> {
  const before = contents(dir);
  const r = await runCli(['train', '--resume', dir, '--steps', '600']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(oneErrorLine(r.stderr), pattern);
  assert.deepEqual(contents(dir), before, 'the run is as it was');
  void t;
}

test("a copy checkpoint whose curriculum level is beyond what its steps can reach (1e9) is refused before anything is written", async (t) => {
  const dir = await damaged(t, (checkpoint) => {
    const path = join(checkpoint, 'learner.json');
    const json = JSON.parse(readFileSync(path, 'utf8'));
    json.extra.stream.state.level = 1e9;
    writeFileSync(path, JSON.stringify(json));
  });
  await refusedUntouched(t, dir, /learner\.json: extra\.stream\.state\.level 1000000000 is not a level the copy curriculum can reach/);
});

test('a learner tensor of the right size but the wrong shape is refused', async (t) => {
  const dir = await damaged(t, (checkpoint) =>
    editHeader(join(checkpoint, 'learner.safetensors'), (header) => {
      const entry = header['learner.state']!;
      entry.shape = [2, entry.shape[0]! / 2];
    }),
  );
  await refusedUntouched(t, dir, /learner\.safetensors: tensor learner\.state has shape \[2, 2\]/);
});

test('a squared norm of −Infinity (or any non-finite learner scalar) is refused', async (t) => {
  const dir = await damaged(t, (checkpoint) => {
    const path = join(checkpoint, 'learner.safetensors');
    const bytes = readFileSync(path);
    const length = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8'));
    const [begin] = header['value.thetaTildeBodyNormSquared'].data_offsets as [number, number];
    bytes.writeDoubleLE(-Infinity, 8 + length + begin);
    writeFileSync(path, bytes);
  });
  await refusedUntouched(t, dir, /thetaTildeBodyNormSquared is -Infinity/);
});

test('an optimizer that counts more updates than the steps taken is refused', async (t) => {
  const dir = await damaged(t, (checkpoint) => {
    const path = join(checkpoint, 'learner.json');
    const json = JSON.parse(readFileSync(path, 'utf8'));
    json.learner.optimizer.t = 1e12;
    writeFileSync(path, JSON.stringify(json));
  });
  await refusedUntouched(t, dir, /learner\.optimizer\.t 1000000000000 counts more updates than the 300 steps taken/);
});
