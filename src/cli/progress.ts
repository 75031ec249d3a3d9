/**
 * Live progress on stderr, one bar per learner (its seeds added up): steps done, steps per
 * second, the latest loss and metric. Drawn with cli-progress when stderr is a terminal;
 * otherwise (pipes, CI, --json) no bar is drawn and stdout stays clean, but with `lineEvery`
 * seconds a plain line goes to stderr that often, as CI logs expect.
 */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { formatNumber } from '../report/scale.js';

interface Track {
  readonly bar: SingleBar | null;
  readonly total: number;
  /** Steps of each job of this learner, by job id. */
  readonly steps: Map<number, number>;
  started: number | null;
}

export class Progress {
  private readonly multibar: MultiBar | null;
  private readonly tracks = new Map<string, Track>();
  private lastLine: number | null = null;

  constructor(
    labels: readonly string[],
    totalPerLabel: number,
    metricName: string,
    enabled = process.stderr.isTTY === true,
    /** Seconds between progress lines when no bar is drawn; 0 for none. */
    private readonly lineEvery = 0,
  ) {
    const width = Math.max(...labels.map((l) => l.length));
    this.multibar = enabled
      ? new MultiBar(
          {
            format: ` {label} {bar} {percentage}% | {value}/{total} | {speed} steps/s | loss {loss} | ${metricName} {metric}{status}`,
            barsize: 24,
            hideCursor: true,
            clearOnComplete: false,
            stopOnComplete: false,
            etaBuffer: 50,
            fps: 8,
            stream: process.stderr,
            formatValue: (value, _options, type) => (type === 'value' || type === 'total' ? Math.round(value).toLocaleString('en-US') : String(value)),
          },
          Presets.shades_classic,
        )
      : null;
    for (const label of labels) {
      const bar = this.multibar?.create(totalPerLabel, 0, { label: label.padEnd(width), speed: '–', loss: '–', metric: '–', status: '' }) ?? null;
      this.tracks.set(label, { bar, total: totalPerLabel, steps: new Map(), started: null });
    }
  }

  update(label: string, jobId: number, step: number, loss: number, metric: number, now = Date.now()): void {
    const track = this.tracks.get(label)!;
    track.started ??= now;
    track.steps.set(jobId, step);
    const done = [...track.steps.values()].reduce((a, b) => a + b, 0);
    const seconds = (now - track.started) / 1000;
    track.bar?.update(done, {
      speed: seconds > 0.5 ? Math.round(done / seconds).toLocaleString('en-US') : '–',
      loss: formatNumber(loss),
      metric: formatNumber(metric),
    });
    if (this.multibar === null && this.lineEvery > 0) {
      this.lastLine ??= track.started;
      if (now - this.lastLine >= this.lineEvery * 1000) {
        this.lastLine = now;
        const speed = seconds > 0 ? Math.round(done / seconds).toLocaleString('en-US') : '–';
        process.stderr.write(`progress: ${label} step ${Math.round(done).toLocaleString('en-US')} of ${track.total.toLocaleString('en-US')} (${((100 * done) / track.total).toFixed(0)}%), ${speed} steps/s, loss ${formatNumber(loss)}, metric ${formatNumber(metric)}\n`);
      }
    }
  }

  /** Marks a learner's job as ended early (diverged or stopped). */
  note(label: string, status: string): void {
    this.tracks.get(label)!.bar?.update({ status: ` | ${status}` });
  }

  stop(): void {
    this.multibar?.stop();
  }
}
