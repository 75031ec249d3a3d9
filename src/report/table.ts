/**
 * The comparison table, for the terminal and the HTML report: per learner, the final loss and
 * metric as mean ± sd over seeds (or how many seeds diverged), steps per second and the bytes
 * of the learner's state.
 */
import type { MetricSpec, Task } from '../tasks/task.js';
import type { Row, Spread } from './comparison.js';
import { formatNumber } from './scale.js';

/** The columns; 'at target' only when the metric aims at a value, 'non-finite' counts runs that overflowed. */
export function tableHeader(metric: MetricSpec, target: number | null): string[] {
  return ['learner', 'final loss', metric.name, ...(target === null ? [] : ['at target']), 'non-finite', 'steps/s', 'state'];
}

export function tableCells(row: Row, metric: MetricSpec): string[] {
  return [
    row.label,
    row.diverged === row.seeds ? 'diverged' : spreadText(row.finalLoss),
    spreadText(row.finalMetric, metric.unit),
    ...(row.atTarget === null ? [] : [`${row.atTarget}/${row.seeds}`]),
    `${row.diverged}/${row.seeds}`,
    Number.isFinite(row.stepsPerSecond) ? Math.round(row.stepsPerSecond).toLocaleString('en-US') : '–',
    bytesText(row.stateBytes),
  ];
}

/** `mean ± sd` over the seeds that did not diverge (the diverged ones are counted apart). */
export function spreadText(spread: Spread, unit = ''): string {
  const finite = spread.values.filter(Number.isFinite);
  if (finite.length === 0) return '–';
  const mean = finite.reduce((s, v) => s + v, 0) / finite.length;
  const sd = finite.length > 1 ? Math.sqrt(finite.reduce((s, v) => s + (v - mean) ** 2, 0) / (finite.length - 1)) : 0;
  const suffix = unit === '' ? '' : ` ${unit}`;
  return finite.length === 1 ? `${formatNumber(mean)}${suffix}` : `${formatNumber(mean)} ± ${formatNumber(sd)}${suffix}`;
}

export function bytesText(bytes: number): string {
  if (!Number.isFinite(bytes)) return '–';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** The table as aligned text columns. */
export function renderTable(rows: readonly Row[], metric: MetricSpec, target: number | null): string {
  const header = tableHeader(metric, target);
  const lines = [header, ...rows.map((row) => tableCells(row, metric))];
  const widths = header.map((_, c) => Math.max(...lines.map((line) => [...line[c]!].length)));
  const pad = (text: string, c: number) => (c === 0 ? text.padEnd(widths[c]!) : text.padStart(widths[c]!));
  const out = lines.map((line) => line.map(pad).join('  ').trimEnd());
  out.splice(1, 0, widths.map((w) => '─'.repeat(w)).join('  '));
  return out.join('\n');
}

/** The task's reference lines, one a line, for the terminal. */
export function referenceLines(task: Pick<Task, 'references' | 'loss' | 'metric'>): string[] {
  if (task.references.length === 0) return [];
  return ['references:', ...task.references.map((r) => `  ${r.axis === 'loss' ? `loss (${task.loss.unit})` : task.metric.name}: ${r.label} = ${formatNumber(r.value)}`)];
}
