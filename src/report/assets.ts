/** uPlot's code and stylesheet, read from the installed package to be inlined into a report. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ChartAssets } from './html.js';

const require = createRequire(import.meta.url);

export function chartAssets(): ChartAssets & { version: string } {
  const script = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const style = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  const { version } = JSON.parse(readFileSync(require.resolve('uplot/package.json'), 'utf8')) as { version: string };
  return { script, style, version };
}
