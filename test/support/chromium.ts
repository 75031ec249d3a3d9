/**
 * Debian's chromium driven by playwright-core, for the browser tests. Each launch gets its own
 * temporary profile (tests run concurrently); `problems` collects console errors and warnings,
 * page errors and every request that leaves the page's own file:// and blob: URLs.
 * Tests skip, with the reason printed, only where /usr/bin/chromium is not installed (.ci/run
 * installs it).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { PATIENCE_MS } from './cli.js';

export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** false, or why the browser tests skip. */
export const chromiumMissing: false | string = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install -y chromium)`;

export interface Browser {
  readonly context: BrowserContext;
  /** Opens a page that records its problems into `problems`. */
  page(): Promise<Page>;
  readonly problems: string[];
  close(): Promise<void>;
}

export async function launchChromium(options: { viewport?: { width: number; height: number } } = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'online-rnn-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, acceptDownloads: true, timeout: PATIENCE_MS, ...(options.viewport ? { viewport: options.viewport } : {}) });
  const problems: string[] = [];
  return {
    context,
    problems,
    async page() {
      const page = await context.newPage();
      // Playwright's 30 s default for each action and navigation is a guess about the machine's load.
      page.setDefaultTimeout(PATIENCE_MS);
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('request', (request) => {
        if (!/^(file|blob|data):/.test(request.url())) problems.push(`request: ${request.url()}`);
      });
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
