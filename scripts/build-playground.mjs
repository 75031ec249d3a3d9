/**
 * Builds the browser playground (playground/) into dist/playground/index.html: one file with
 * its script, its styles and uPlot's inlined, so it opens from file:// with no network. The
 * learners' worker is bundled first and travels inside the page as a string (a file:// page
 * may not start a worker from a file; it may from a Blob). esbuild bundles for the browser, so
 * a Node import anywhere in what the page pulls in fails the build. Run by `npm run build`.
 */
import { build } from 'esbuild';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'playground');
const out = join(root, 'dist/playground');
const require = createRequire(import.meta.url);
const common = { bundle: true, write: false, platform: 'browser', format: 'iife', target: 'es2022', minify: process.env.PLAYGROUND_DEBUG === undefined, legalComments: 'none', logLevel: 'warning' };

const worker = await build({ ...common, entryPoints: [join(source, 'worker.ts')] });
const page = await build({ ...common, entryPoints: [join(source, 'main.ts')], define: { WORKER_SOURCE: JSON.stringify(worker.outputFiles[0].text) } });
const style = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8') + readFileSync(join(source, 'style.css'), 'utf8');
// A '</script>' inside the code would end the element early; '<\/' means the same in JS strings.
const script = page.outputFiles[0].text.replace(/<\/(script)/gi, '<\\/$1');
const html = readFileSync(join(source, 'index.html'), 'utf8')
  .replace('/*STYLE*/', () => style)
  .replace('/*SCRIPT*/', () => script);
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'index.html.tmp'), html);
renameSync(join(out, 'index.html.tmp'), join(out, 'index.html'));
