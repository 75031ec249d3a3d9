/**
 * `serve --jsonl`: newline-delimited JSON in, one reply line per input line, in order. A bad
 * line gets {"id": …, "error": "…"} and the service keeps going. Lines are handled one at a
 * time, synchronously, so replies keep the input's order.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { RequestError, parseJson, parseLine } from './events.js';
import type { StreamService } from './service.js';

/** Serves `input` until it ends or `stop` is called; resolves when the last line is answered. */
export function serveJsonLines(service: StreamService, input: Readable, output: Writable): { done: Promise<void>; stop: () => void } {
  const lines = createInterface({ input, crlfDelay: Infinity });
  const widths = { inputSize: service.inputSize, targetSize: service.targetSize };
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    let id: unknown = null;
    let reply: Record<string, unknown>;
    try {
      const value = parseJson(line);
      if (typeof value === 'object' && value !== null && 'id' in value) id = (value as { id: unknown }).id;
      reply = service.apply(parseLine(value, widths));
    } catch (error) {
      if (!(error instanceof RequestError)) throw error;
      reply = { id, error: error.message };
    }
    output.write(JSON.stringify(reply) + '\n');
  });
  const done = new Promise<void>((resolve) => lines.once('close', resolve));
  return { done, stop: () => lines.close() };
}
