/**
 * `online-rnn playground`: serves the browser playground (built by `npm run build` into
 * dist/playground/, one self-contained page) on 127.0.0.1 and prints its address. The page
 * needs no server — it opens from file:// too — this is for a browser that is not on the disk's
 * machine, or one that refuses file:// pages. node:http suffices: one file, read-only, no routes.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { UsageError, runCommand } from './errors.js';

/** The built page, beside the compiled CLI: dist/src/cli/ → dist/playground/. */
export const PLAYGROUND_PAGE = fileURLToPath(new URL('../../playground/index.html', import.meta.url));

/** Starts serving `page` at 127.0.0.1:`port` (0: a free port); resolves with the server and its address. */
export function servePlayground(options: { port: number; page?: string }): Promise<{ server: Server; url: string }> {
  const page = options.page ?? PLAYGROUND_PAGE;
  if (!existsSync(page)) throw new UsageError(`the playground is not built (${page} is missing); run npm run build`);
  const html = readFileSync(page);
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' }).end();
    } else if (path === '/' || path === '/index.html') {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': html.length, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
      response.end(request.method === 'HEAD' ? undefined : html);
    } else {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found: the playground is at /\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new UsageError(`port ${options.port} is in use; pick another with --port (0: any free port)`) : error));
    server.listen(options.port, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : options.port;
      resolve({ server, url: `http://127.0.0.1:${port}/` });
    });
  });
}

export function definePlayground(command: Command): void {
  command
    .option('--port <n>', 'TCP port (0: any free port)', '8080')
    .action((flags: { port: string }) =>
      runCommand(async () => {
        const port = Number(flags.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got '${flags.port}'`);
        const { server, url } = await servePlayground({ port });
        process.stdout.write(`playground: ${url}  (also opens without a server: ${PLAYGROUND_PAGE})\nCtrl-C stops.\n`);
        process.once('SIGINT', () => server.close());
        process.once('SIGTERM', () => server.close());
      }),
    );
}
