/**
 * The byte codecs in a real browser: the core bundled by esbuild for the browser (so a Node
 * import would fail the build), run in Debian's chromium from a file:// page. A UORO learner's
 * checkpoint archive goes through IndexedDB and back and continues bit for bit; and the bytes
 * the page wrote decode in Node to the page's θ, and encode again to the same bytes. (The page
 * and Node need not compute the same θ: kernel sets may round differently, DESIGN.md.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { repoRoot } from '../support/fixtures.js';
import { chromiumMissing, launchChromium } from '../support/chromium.js';
import { PATIENCE_MS } from '../support/cli.js';
import { createLearner } from '../../src/kinds/learners.js';
import { mse } from '../../src/loss/loss.js';
import { decodeCheckpointArchive, encodeCheckpointArchive } from '../../src/codec/checkpoint.js';

if (chromiumMissing !== false) process.stdout.write(`# skipping the browser codec test: ${chromiumMissing}\n`);

const CONFIG = { inputSize: 1, layers: [{ cell: { kind: 'lstm' as const, hiddenSize: 8 } }], outputSize: 1 };
const STEPS = 50;

const PAGE_SCRIPT = `
import { createModel, createLearner, mse, encodeCheckpointArchive, decodeCheckpointArchive, encodeModelArchive, decodeModelArchive } from ${JSON.stringify(join(repoRoot, 'dist/src/index.js'))};

/** bytes → IndexedDB → bytes. */
function throughIndexedDb(key, bytes) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('codec-test', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('files');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const put = db.transaction('files', 'readwrite').objectStore('files').put(bytes, key);
      put.onerror = () => reject(put.error);
      put.onsuccess = () => {
        const get = db.transaction('files').objectStore('files').get(key);
        get.onerror = () => reject(get.error);
        get.onsuccess = () => resolve(get.result);
      };
    };
  });
}
const hex = (values) => Array.from(new Uint8Array(Float64Array.from(values).buffer), (b) => b.toString(16).padStart(2, '0')).join('');

window.codecResult = (async () => {
  const model = createModel(${JSON.stringify(CONFIG)}, { seed: 1 });
  const learner = createLearner({ kind: 'uoro' }, model, { loss: mse, optimizer: { kind: 'adam', lr: 1e-2 }, seed: 2 });
  for (let t = 0; t < ${STEPS}; t++) learner.step([Math.sin(t / 5)], [Math.sin((t + 1) / 5)]);
  const archive = encodeCheckpointArchive({ model, learner, extra: { note: 'from the browser' } });
  const thetaSaved = hex(model.theta);
  const stored = await throughIndexedDb('checkpoint', archive);
  const saved = decodeCheckpointArchive(stored, 'IndexedDB');
  const resumed = createLearner({ kind: 'uoro' }, saved.model, { loss: mse, optimizer: { kind: 'adam', lr: 1e-2 }, seed: 2 });
  resumed.restore(saved.snapshot);
  const mismatches = [];
  for (let t = ${STEPS}; t < ${2 * STEPS}; t++) {
    const a = hex(learner.step([Math.sin(t / 5)], [Math.sin((t + 1) / 5)]).prediction);
    const b = hex(resumed.step([Math.sin(t / 5)], [Math.sin((t + 1) / 5)]).prediction);
    if (a !== b) mismatches.push(t);
  }
  const modelBack = decodeModelArchive(await throughIndexedDb('model', encodeModelArchive(model)));
  return {
    mismatches,
    sameTheta: hex(modelBack.theta) === hex(model.theta),
    extra: saved.extra,
    thetaSaved,
    archive: btoa(String.fromCharCode(...archive)),
  };
})();
`;

test('in chromium, a checkpoint archive kept in IndexedDB restores a UORO learner whose next predictions are bit-identical, and Node reads the same bytes', { skip: chromiumMissing, timeout: 2 * PATIENCE_MS }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'online-rnn-codec-browser-'));
  const browser = await launchChromium();
  try {
    const bundle = await build({ stdin: { contents: PAGE_SCRIPT, resolveDir: repoRoot, loader: 'js' }, bundle: true, write: false, platform: 'browser', format: 'iife', target: 'es2022', logLevel: 'silent' });
    const html = join(directory, 'codec.html');
    writeFileSync(html, `<!doctype html><meta charset="utf-8"><title>codec</title><script>${bundle.outputFiles[0]!.text.replace(/<\/script/gi, '<\\/script')}</script>`);
    const page = await browser.page();
    await page.goto(pathToFileURL(html).href);
    const result = await page.evaluate<{ mismatches: number[]; sameTheta: boolean; extra: unknown; thetaSaved: string; archive: string }>('window.codecResult');
    assert.deepEqual(result.mismatches, [], 'steps whose prediction differs after the restore');
    assert.ok(result.sameTheta, 'the model archive restores θ bit for bit');
    assert.deepEqual(result.extra, { note: 'from the browser' });

    const bytes = new Uint8Array(Buffer.from(result.archive, 'base64'));
    const fromPage = decodeCheckpointArchive(bytes, 'the page');
    assert.equal(Buffer.from(Float64Array.from(fromPage.model.theta).buffer).toString('hex'), result.thetaSaved, 'θ as the page saved it');
    const learner = createLearner({ kind: 'uoro' }, fromPage.model, { loss: mse, optimizer: { kind: 'adam', lr: 1e-2 }, seed: 2 });
    learner.restore(fromPage.snapshot);
    assert.ok(fromPage.kernels === 'wasm' || fromPage.kernels === 'wasm-fma', `the page records its kernel set, got ${String(fromPage.kernels)}`);
    assert.deepEqual(encodeCheckpointArchive({ model: fromPage.model, learner, extra: fromPage.extra, kernels: fromPage.kernels! }), bytes, 'Node writes the same bytes for what it read');
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
    rmSync(directory, { recursive: true, force: true });
  }
});
