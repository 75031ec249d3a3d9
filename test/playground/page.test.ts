/**
 * The playground in Debian's chromium, opened from file:// as a user would open the built file:
 * no network request, no console error; UORO and truncated BPTT race on the sine and each
 * one's prequential loss falls tenfold; a drift of the stream raises the loss and it
 * falls again; a downloaded checkpoint reopened makes bit-identical next predictions; the
 * last session comes back from IndexedDB; a dropped CSV and a series drawn with the mouse become
 * the stream. Skipped, with the reason, only without chromium.
 * Every wait is for something the page shows, however long a loaded machine takes: it fails only
 * after PATIENCE_MS (the speed of the page is a benchmark's business, bench/playground.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { repoRoot } from '../support/fixtures.js';
import { chromiumMissing, launchChromium } from '../support/chromium.js';
import { PATIENCE_MS } from '../support/cli.js';

const PAGE = join(repoRoot, 'dist/playground/index.html');
const skip = chromiumMissing !== false ? chromiumMissing : existsSync(PAGE) ? false : `${PAGE} is not built (npm run build)`;
if (skip !== false) process.stdout.write(`# skipping the playground test: ${skip}\n`);

interface LaneView {
  spec: string;
  step: number;
  losses: number[];
  recent: { step: number[]; prediction: number[]; target: number[] } | null;
  error: string;
  /** False from the report that answers a pause: no step comes after it. */
  running: boolean;
}

const lanes = (page: Page) => page.evaluate<LaneView[]>('window.onlineRnnPlayground.lanes()');
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** Polls `condition` over the lanes every 250 ms until it holds or PATIENCE_MS pass; returns the last lanes and the time taken. */
async function until(page: Page, condition: (lanes: LaneView[]) => boolean): Promise<{ lanes: LaneView[]; seconds: number; held: boolean }> {
  const started = Date.now();
  for (;;) {
    const now = await lanes(page);
    if (condition(now)) return { lanes: now, seconds: (Date.now() - started) / 1000, held: true };
    if (Date.now() - started > PATIENCE_MS) return { lanes: now, seconds: (Date.now() - started) / 1000, held: false };
    await page.waitForTimeout(250);
  }
}

/** Polls a page expression until it is true (waitForFunction would eval inside the page, which its CSP forbids). */
async function waitFor(page: Page, expression: string): Promise<void> {
  const started = Date.now();
  while (!(await page.evaluate<boolean>(expression))) {
    if (Date.now() - started > PATIENCE_MS) throw new Error(`waited ${PATIENCE_MS / 1000} s for ${expression}`);
    await page.waitForTimeout(100);
  }
}

/** The loss of the first 300 steps over that of the last 300 reported. */
const fall = (lane: LaneView) => (lane.losses.length < 6 ? 1 : mean(lane.losses.slice(0, 3)) / mean(lane.losses.slice(-3)));

test('the playground races UORO and TBPTT on a sine from file://, adapts to a drift, reopens a checkpoint bit for bit, keeps the session and learns a dropped CSV and a drawn series', { skip, timeout: 6 * PATIENCE_MS }, async (t) => {
  const browser = await launchChromium({ viewport: { width: 1400, height: 1000 } });
  const downloads = mkdtempSync(join(tmpdir(), 'online-rnn-playground-'));
  try {
    const page = await browser.page();
    const url = pathToFileURL(PAGE).href;
    await page.goto(`${url}#stream=sine&period=40&cell=lstm&hidden=32&layers=1&learners=uoro,tbptt:k=16&seed=1`);
    await page.waitForSelector('#loss-chart .uplot canvas');
    assert.deepEqual((await lanes(page)).map((lane) => lane.spec), ['uoro', 'tbptt:k=16']);
    const legend = await page.locator('#loss-chart .u-legend .u-label').allTextContents();
    assert.deepEqual(legend, ['step', '1: uoro', '2: tbptt:k=16'], 'the loss chart has a legend naming each learner');
    await waitFor(page, `document.querySelectorAll('.learner .model').length === 2 && [...document.querySelectorAll('.learner .model')].every((e) => e.textContent !== '')`);
    for (const line of await page.locator('.learner .model').allTextContents()) assert.match(line, /^LSTM 32, 4,385 parameters, float64, WebAssembly SIMD kernels$/, 'the workers compile the SIMD kernels (the page\'s CSP allows WebAssembly)');

    // The race: both losses fall tenfold.
    await page.keyboard.press('Space');
    const race = await until(page, (now) => now.every((lane) => fall(lane) >= 10));
    t.diagnostic(`after ${race.seconds.toFixed(1)} s: ${race.lanes.map((lane) => `${lane.spec} step ${lane.step}, loss ÷${fall(lane).toFixed(1)}`).join('; ')}`);
    assert.ok(race.held, `prequential loss fell tenfold: ${race.lanes.map((lane) => `${lane.spec} ÷${fall(lane).toFixed(1)} at step ${lane.step}`).join(', ')}`);

    // A drift: the loss rises above what it was, then falls again.
    const before = (await lanes(page)).map((lane) => ({ blocks: lane.losses.length, level: mean(lane.losses.slice(-5)) }));
    await page.click('#drift');
    const [at] = await page.evaluate<number[]>('window.onlineRnnPlayground.drifts()');
    assert.ok(at !== undefined && at > 0);
    // A learner already past `at` switches when the message reaches it, a little later: look at all blocks since.
    const firstBlock = Math.floor(at! / 100);
    const after = (lane: LaneView) => lane.losses.slice(firstBlock);
    const rose = await until(page, (now) => now.every((lane, i) => after(lane).length >= 3 && Math.max(...after(lane)) > 3 * before[i]!.level));
    assert.ok(rose.held, `the loss rose after the drift at step ${at}: ${rose.lanes.map((lane, i) => `${lane.spec} ${before[i]!.level.toExponential(2)} → ${Math.max(...after(lane)).toExponential(2)}`).join(', ')}`);
    const recovered = await until(page, (now) => now.every((lane) => after(lane).length >= 10 && mean(after(lane).slice(-3)) < Math.max(...after(lane)) / 3));
    t.diagnostic(`drift at step ${at}: ${recovered.lanes.map((lane, i) => `${lane.spec} ${before[i]!.level.toExponential(2)} → peak ${Math.max(...after(lane)).toExponential(2)} → ${mean(after(lane).slice(-3)).toExponential(2)}`).join('; ')}`);
    assert.ok(recovered.held, 'the loss fell again after the drift');

    // Pause, download UORO's checkpoint, step 100, reopen it, step 100 again: the same predictions, bit for bit.
    await page.click('#run');
    // Each worker answers the pause with a report saying it stopped: the step it names is final.
    const paused = await until(page, (now) => now.every((lane) => lane.step > 0 && !lane.running));
    const saved = (await lanes(page))[0]!.step;
    assert.ok(paused.held);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('.learner').first().locator('[data-action=checkpoint]').click()]);
    const file = join(downloads, download.suggestedFilename());
    await download.saveAs(file);
    assert.match(download.suggestedFilename(), /^online-rnn-uoro-checkpoint-step\d+\.tar$/);
    await page.click('#step');
    const first = await until(page, (now) => now[0]!.step === saved + 100);
    assert.ok(first.held, `stepped 100 from ${saved}: at ${first.lanes[0]!.step}`);
    await page.locator('.learner').first().locator('input[data-action=open]').setInputFiles(file);
    const reopened = await until(page, (now) => now[0]!.step === saved);
    assert.ok(reopened.held, 'the checkpoint reopened at its step');
    await page.click('#step');
    const second = await until(page, (now) => now[0]!.step === saved + 100);
    assert.ok(second.held);
    const tail = (lane: LaneView) => lane.recent!.step.map((step, i) => [step, lane.recent!.prediction[i]!]).filter(([step]) => step! > saved);
    assert.equal(tail(first.lanes[0]!).length, 100);
    assert.deepEqual(tail(second.lanes[0]!), tail(first.lanes[0]!), 'the next 100 predictions after reopening the checkpoint');

    // The session survives a reload without settings in the URL.
    await page.evaluate('window.onlineRnnPlayground.remember()');
    await page.goto(url);
    const restored = await until(page, (now) => now.length === 2 && now[0]!.step === saved + 100);
    assert.ok(restored.held, `the last session restored: ${JSON.stringify(restored.lanes.map((lane) => lane.step))}`);
    assert.match((await page.locator('#status').textContent()) ?? '', /Restored the last session/);

    // A dropped CSV and a drawn series are streams of the same shape as the sine: each is a drift.
    const csv = join(downloads, 'prices.csv');
    writeFileSync(csv, 'day,close\n' + Array.from({ length: 300 }, (_, i) => `${i},${(100 + 10 * Math.sin(i / 7) + i / 50).toFixed(3)}`).join('\n') + '\n');
    await page.locator('#data-file').setInputFiles(csv);
    await waitFor(page, 'window.onlineRnnPlayground.drifts().length === 2');
    assert.match((await page.locator('#status').textContent()) ?? '', /The stream changes at step [\d,]+: prices\.csv, column close\./);
    const box = (await page.locator('#draw').boundingBox())!;
    await page.mouse.move(box.x + 5, box.y + box.height / 2);
    await page.mouse.down();
    for (let i = 1; i <= 30; i++) await page.mouse.move(box.x + 5 + ((box.width - 10) * i) / 30, box.y + box.height / 2 + (box.height / 3) * Math.sin(i / 3));
    await page.mouse.up();
    await waitFor(page, 'window.onlineRnnPlayground.drifts().length === 3');
    assert.match((await page.locator('#status').textContent()) ?? '', /drawn with the mouse/);
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
    rmSync(downloads, { recursive: true, force: true });
  }
});

test('on influence balancing the loss chart keeps redrawing without a page error while the default learners diverge and RTRL and SnAp-1 drive the loss to 1e-29, and a diverged learner is called diverged', { skip, timeout: 3 * PATIENCE_MS }, async (t) => {
  const browser = await launchChromium({ viewport: { width: 1400, height: 1000 } });
  try {
    const page = await browser.page();
    await page.goto(`${pathToFileURL(PAGE).href}#stream=influence&learners=uoro,tbptt:k=16,rtrl,snap1&seed=1`);
    // UORO and TBPTT diverge within a second; RTRL and SnAp-1 converge to losses near 1e-29, below what uPlot's log ticks survive.
    await page.waitForSelector('#loss-chart .uplot canvas');
    interface ChartView { points: number; lastStep: number; yMin: number | null; yMax: number | null }
    const chart = () => page.evaluate<ChartView>('window.onlineRnnPlayground.lossChart()');
    const before = await chart();
    await page.keyboard.press('Space');
    // The learners run (each stops where its gradient diverges); the chart follows their curves every 250 ms.
    // Looked at once a second until it has moved on 8 times: a chart that stops redrawing never does.
    const seen: ChartView[] = [];
    const started = Date.now();
    while (seen.length < 8) {
      if (Date.now() - started > PATIENCE_MS) throw new Error(`the chart moved on ${seen.length} times in ${PATIENCE_MS / 1000} s: ${JSON.stringify(seen)}`);
      await page.waitForTimeout(1000);
      const view = await chart();
      if (view.lastStep > (seen.at(-1)?.lastStep ?? 0)) seen.push(view);
    }
    const now = await lanes(page);
    const last = seen[seen.length - 1]!;
    t.diagnostic(`after ${((Date.now() - started) / 1000).toFixed(1)} s: ${now.map((lane) => `${lane.spec} step ${lane.step}${lane.error === '' ? '' : ` (${lane.error})`}`).join('; ')}; chart ${JSON.stringify(last)}`);
    assert.deepEqual(browser.problems.filter((problem) => problem.startsWith('page error')), [], 'no error inside the page (uPlot redraws the chart)');
    assert.equal(before.points, 0);
    assert.ok(last.yMin !== null && last.yMax !== null && last.yMin >= 1e-20 && last.yMax <= 1e30, `the y-axis stays within [1e-20, 1e30]: ${JSON.stringify(last)}`);
    const cards = await page.evaluate<string[]>('window.onlineRnnPlayground.cardLosses()');
    for (const [i, lane] of now.entries()) if (/diverged/.test(lane.error)) assert.equal(cards[i], 'diverged', `${lane.spec}'s card says it diverged`);
    await page.keyboard.press('Space');
  } finally {
    await browser.close();
  }
});
