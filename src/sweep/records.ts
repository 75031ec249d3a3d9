/**
 * The sweep's results: DIR/records.jsonl, one JSON line per finished run, only ever appended.
 *
 * A record holds the run's id, parameters and full config, its result (end, steps, final loss
 * and metric, the prequential loss over the whole run, the learning curve) and, apart, what
 * varies between two executions of the same run: timing and provenance (versions, host, date).
 * Records of the same run made anywhere are equal outside those two fields, bit for bit.
 *
 * Each record is one write() on a file opened for appending (O_APPEND), then fsynced, so
 * writers on one file system never interleave lines. A line torn by a crash is skipped when
 * reading, and the next append starts on a fresh line.
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, fsyncSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { JsonValue } from '../io/checkpoint.js';
import type { RunResult } from '../report/comparison.js';
import type { CurvePoint } from '../report/curve.js';
import type { RunParams, SweepRun } from './run-config.js';

export const RECORDS_FILE = 'records.jsonl';
export const RECORD_FORMAT = 'online-rnn/sweep-record';

export interface RunRecord {
  readonly format: typeof RECORD_FORMAT;
  readonly id: string;
  readonly params: RunParams;
  readonly label: string;
  readonly task: SweepRun['task'];
  readonly config: { readonly [key: string]: JsonValue };
  readonly result: {
    readonly end: RunResult['end'] | 'pruned';
    readonly steps: number;
    /** Mean loss over the last tenth of the steps (compare's "final loss"); null when diverged. */
    readonly finalLoss: number | null;
    readonly finalMetric: number | null;
    /** Mean prequential loss over every step run (each curve point weighted by its steps). */
    readonly prequentialLoss: number | null;
    readonly stateBytes: number;
    /** The curve, column-wise; NaN as null. */
    readonly curve: { readonly step: number[]; readonly loss: Array<number | null>; readonly metric: Array<number | null> };
    readonly message?: string;
  };
  readonly timing: { readonly seconds: number; readonly curveSeconds: number[] };
  readonly provenance: { readonly versions: Readonly<Record<string, string>>; readonly host: string; readonly date: string; readonly resumedFrom: number | null };
}

const orNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

/** The mean loss over the whole curve, each point weighted by the steps it covers. */
export function prequentialLoss(points: readonly CurvePoint[]): number {
  let sum = 0;
  let steps = 0;
  let previous = 0;
  for (const p of points) {
    const covered = p.step - previous;
    previous = p.step;
    if (Number.isNaN(p.loss)) continue;
    sum += p.loss * covered;
    steps += covered;
  }
  return steps === 0 ? Number.NaN : sum / steps;
}

export function recordOf(run: SweepRun, result: RunResult, options: { versions: Readonly<Record<string, string>>; resumedFrom: number | null; pruned?: boolean }): RunRecord {
  const points = result.points;
  return {
    format: RECORD_FORMAT,
    id: run.id,
    params: run.params,
    label: run.job.label,
    task: run.task,
    config: run.config,
    result: {
      end: options.pruned === true ? 'pruned' : result.end,
      steps: result.steps,
      finalLoss: orNull(result.finalLoss),
      finalMetric: orNull(result.finalMetric),
      prequentialLoss: orNull(prequentialLoss(points)),
      stateBytes: result.stateBytes,
      curve: { step: points.map((p) => p.step), loss: points.map((p) => orNull(p.loss)), metric: points.map((p) => orNull(p.metric)) },
      ...(result.message !== undefined ? { message: result.message } : {}),
    },
    timing: { seconds: result.seconds, curveSeconds: points.map((p) => Number(p.time.toFixed(3))) },
    provenance: { versions: options.versions, host: hostname(), date: new Date().toISOString(), resumedFrom: options.resumedFrom },
  };
}

/** Appends one record as one line (after a newline if a crash left the last line torn). */
export function appendRecord(dir: string, record: RunRecord): void {
  const fd = openSync(join(dir, RECORDS_FILE), 'a+');
  try {
    const size = fstatSync(fd).size;
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    writeSync(fd, prefix + JSON.stringify(record) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface RecordsRead {
  /** Finished runs by id (the first record of each; a pruned run counts only when nothing better exists). */
  readonly finished: ReadonlyMap<string, RunRecord>;
  readonly pruned: ReadonlyMap<string, RunRecord>;
  /** Lines that are not a whole record (a crash mid-write). */
  readonly torn: number;
}

export function readRecords(dir: string): RecordsRead {
  const path = join(dir, RECORDS_FILE);
  const finished = new Map<string, RunRecord>();
  const pruned = new Map<string, RunRecord>();
  let torn = 0;
  if (!existsSync(path)) return { finished, pruned, torn };
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    let record: RunRecord;
    try {
      record = JSON.parse(line) as RunRecord;
    } catch {
      torn++;
      continue;
    }
    if (record?.format !== RECORD_FORMAT || typeof record.id !== 'string') {
      torn++;
      continue;
    }
    const target = record.result.end === 'pruned' ? pruned : finished;
    if (!target.has(record.id)) target.set(record.id, record);
  }
  return { finished, pruned, torn };
}
