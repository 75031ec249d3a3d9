/**
 * The HTML report in a real browser: Debian's chromium driven by playwright-core. The page
 * must draw both charts and the table, print no console error, and fetch nothing but itself.
 * Skipped, with the reason printed, only where /usr/bin/chromium is not installed
 * (.ci/run installs it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeReport } from '../../src/report/write.js';
import { chartAssets } from '../../src/report/assets.js';
import { exampleComparison } from './example.js';
import { chromiumMissing as missing, launchChromium } from '../support/chromium.js';
import { PATIENCE_MS } from '../support/cli.js';

if (missing !== false) process.stdout.write(`# skipping the browser test: ${missing}\n`);

test('the report renders both charts and the table in chromium, with no console error and no network request', { skip: missing, timeout: 2 * PATIENCE_MS }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'online-rnn-report-'));
  const browser = await launchChromium();
  try {
    const { html } = writeReport(join(directory, 'report.html'), exampleComparison(), chartAssets());
    const page = await browser.page();
    const problems = browser.problems;
    await page.goto(pathToFileURL(html).href);
    await page.waitForSelector('#chart-metric .uplot canvas');
    // Runs in the page (the test compiles without DOM types): coloured pixels per chart canvas.
    const drawn = await page.evaluate<Array<{ width: number; coloured: number }>>(`
      Array.from(document.querySelectorAll('.uplot canvas')).map((canvas) => {
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let coloured = 0;
        for (let i = 0; i < pixels.length; i += 4) if (pixels[i + 3] > 0 && (pixels[i] !== pixels[i + 1] || pixels[i + 1] !== pixels[i + 2])) coloured++;
        return { width: canvas.width, coloured };
      })`);
    assert.equal(drawn.length, 2, 'two charts');
    for (const chart of drawn) assert.ok(chart.width > 200 && chart.coloured > 500, `a chart with colour drawn: ${JSON.stringify(chart)}`);
    const titles = await page.locator('.u-title').allTextContents();
    assert.deepEqual(titles, ['loss (nats) — log scale', 'θ — asinh scale']);
    const rows = await page.locator('#summary tbody tr').allTextContents();
    assert.equal(rows.length, 3);
    assert.match(rows[2]!, /tbptt:k=2.*diverged/);
    assert.match(await page.locator('#command').textContent() ?? '', /^online-rnn compare --task influence/);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    rmSync(directory, { recursive: true, force: true });
  }
});

test('drift detections given as markers are drawn on both charts in chromium', { skip: missing, timeout: 2 * PATIENCE_MS }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'online-rnn-report-'));
  const browser = await launchChromium();
  try {
    const coloured = async (name: string, markers: Array<{ step: number; label: string; learner: number }>) => {
      const { html } = writeReport(join(directory, name), { ...exampleComparison(), markers }, chartAssets());
      const page = await browser.page();
      await page.goto(pathToFileURL(html).href);
      await page.waitForSelector('#chart-metric .uplot canvas');
      return page.evaluate<number[]>(`
        Array.from(document.querySelectorAll('.uplot canvas')).map((canvas) => {
          const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
          let coloured = 0;
          for (let i = 0; i < pixels.length; i += 4) if (pixels[i + 3] > 0 && (pixels[i] !== pixels[i + 1] || pixels[i + 1] !== pixels[i + 2])) coloured++;
          return coloured;
        })`);
    };
    const without = await coloured('plain.html', []);
    const withMarkers = await coloured('marked.html', [250, 650, 1050, 1450].map((step, i) => ({ step, label: '', learner: i % 2 })));
    without.forEach((count, chart) => assert.ok(withMarkers[chart]! > count + 200, `chart ${chart}: ${withMarkers[chart]} coloured pixels with markers, ${count} without`));
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
    rmSync(directory, { recursive: true, force: true });
  }
});
