/**
 * The write-ahead log: one JSON line per accepted update, `{"n": sequence number, …update}`,
 * appended before the update is acknowledged. Segments are named by the sequence number they
 * start at (wal-000000000042.jsonl); a checkpoint at update n makes every segment before it
 * redundant, so a new segment starts at n and the old ones are deleted (compaction).
 *
 * Durability: with `fsyncMs` 0 every record is fsynced before the acknowledgement (nothing
 * acknowledged is lost even if the machine fails); with fsyncMs > 0 records are written at once
 * (a killed process loses nothing: the kernel has them) and fsynced every fsyncMs milliseconds
 * (a machine failure may lose that much).
 */
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Update } from './events.js';

const SEGMENT = /^wal-(\d{12})\.jsonl$/;

export interface LogRecord {
  readonly n: number;
  readonly update: Update;
}

export class WriteAheadLog {
  private fd: number | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private dirty = false;

  constructor(
    readonly dir: string,
    readonly fsyncMs: number,
  ) {}

  /** The records with n ≥ `from`, in order, from every segment; a torn last line ends its segment. */
  static read(dir: string, from: number): LogRecord[] {
    const records: LogRecord[] = [];
    for (const name of segments(dir)) {
      const lines = readFileSync(join(dir, name), 'utf8').split('\n');
      for (const line of lines) {
        if (line === '') continue;
        let record: { n: number } & Update;
        try {
          record = JSON.parse(line) as { n: number } & Update;
        } catch {
          break; // a write cut short by a crash: it was never acknowledged
        }
        const { n, ...update } = record;
        if (n >= from) records.push({ n, update: update as Update });
      }
    }
    return records;
  }

  /** Starts a new segment at sequence number `n` and deletes the older ones. */
  startSegment(n: number): void {
    this.close();
    const name = `wal-${String(n).padStart(12, '0')}.jsonl`;
    this.fd = openSync(join(this.dir, name), 'a');
    fsyncSync(this.fd);
    for (const old of segments(this.dir)) if (old !== name) rmSync(join(this.dir, old), { force: true });
    if (this.fsyncMs > 0) {
      this.timer = setInterval(() => this.flush(), this.fsyncMs);
      this.timer.unref();
    }
  }

  append(n: number, update: Update): void {
    if (this.fd === null) throw new Error('write-ahead log: no open segment');
    writeSync(this.fd, JSON.stringify({ n, ...update }) + '\n');
    if (this.fsyncMs === 0) fsyncSync(this.fd);
    else this.dirty = true;
  }

  flush(): void {
    if (this.fd !== null && this.dirty) {
      fsyncSync(this.fd);
      this.dirty = false;
    }
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (this.fd !== null) {
      this.flush();
      closeSync(this.fd);
      this.fd = null;
    }
  }
}

function segments(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => SEGMENT.test(name))
    .sort();
}
