/**
 * The README's three pictures of the playground: at the start, mid-run, and after a drift of
 * the stream. Opens the built page (npm run build) from file:// in Debian's chromium and writes
 * docs/images/playground-{start,running,drift}.png.
 *
 *   node scripts/playground-screenshots.mjs [seconds per phase, default 15]
 */
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const seconds = Number(process.argv[2] ?? 15);
const settings = 'stream=sine&period=40&cell=lstm&hidden=32&layers=1&learners=uoro,nbt,tbptt:k=16,snap1&seed=1';
const profile = mkdtempSync(join(tmpdir(), 'online-rnn-screenshots-'));
const context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu'], viewport: { width: 1400, height: 1000 } });
try {
  const page = await context.newPage();
  await page.goto(`${pathToFileURL(join(root, 'dist/playground/index.html')).href}#${settings}`);
  await page.waitForSelector('#loss-chart .uplot canvas');
  await page.waitForTimeout(2000);
  const shot = (name) => page.screenshot({ path: join(root, 'docs/images', `playground-${name}.png`), fullPage: true });
  await shot('start');
  await page.click('#run');
  await page.waitForTimeout(seconds * 1000);
  await shot('running');
  await page.click('#drift');
  await page.waitForTimeout(seconds * 1000);
  await page.click('#run');
  await page.waitForTimeout(500);
  await shot('drift');
  const lanes = await page.evaluate('window.onlineRnnPlayground.lanes().map((l) => `${l.spec}: step ${l.step}, ${Math.round(l.stepsPerSecond)} steps/s`)');
  process.stdout.write(`wrote docs/images/playground-{start,running,drift}.png (${lanes.join('; ')})\n`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
