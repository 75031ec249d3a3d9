/**
 * The report's figure as a standalone SVG, for pasting into papers: two panels (loss and
 * metric) against steps, each learner's mean over seeds as a line in a band from the lowest to
 * the highest seed, and the task's reference lines dashed. Written by hand rather than by a
 * library: a static figure needs axes, paths and text only, and must not need a browser.
 */
import { bandOf, gridOf, type Band, type Comparison } from './comparison.js';
import { axisTicks, chooseScale, formatNumber, formatSteps, linearTicks, paddedRange, project } from './scale.js';

/** Okabe–Ito: distinguishable in colour-blind vision and in grey print. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

const PANEL = { width: 520, height: 350, left: 64, right: 16, top: 52, bottom: 44 };

export function renderSvg(comparison: Comparison): string {
  const grid = gridOf(comparison);
  const panels = (['loss', 'metric'] as const).map((field, i) => panel(comparison, grid, field, i * PANEL.width));
  const legendTop = PANEL.height + 8;
  const legend = comparison.learners.map((l, i) => {
    const x = 16 + (i % 4) * 250;
    const y = legendTop + 18 * Math.floor(i / 4);
    return `<rect x="${x}" y="${y}" width="14" height="10" fill="${color(i)}" fill-opacity="0.35" stroke="${color(i)}"/><text x="${x + 20}" y="${y + 9}">${escape(l.label)}</text>`;
  });
  const height = legendTop + 18 * Math.ceil(comparison.learners.length / 4) + 8;
  const width = 2 * PANEL.width;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${escape(comparison.task.title)}</text>`,
    ...panels,
    ...legend,
    '</svg>',
  ].join('\n');
}

function panel(comparison: Comparison, grid: readonly number[], field: 'loss' | 'metric', offsetX: number): string {
  const bands = comparison.learners.map((l) => bandOf(l.runs, grid, field));
  const references = comparison.task.references.filter((r) => r.axis === field);
  const values = [...bands.flatMap((b) => [...b.low, ...b.high]).filter((v): v is number => v !== null), ...references.map((r) => r.value)];
  const scale = chooseScale(values);
  const drawable = values.filter((v) => Number.isFinite(project(scale, v)));
  const [yMin, yMax] = paddedRange(scale, drawable);
  const x0 = offsetX + PANEL.left;
  const x1 = offsetX + PANEL.width - PANEL.right;
  const y0 = PANEL.height - PANEL.bottom;
  const y1 = PANEL.top;
  const xMax = grid.length > 0 ? grid[grid.length - 1]! : 1;
  const sx = (step: number) => x0 + ((x1 - x0) * step) / xMax;
  const [pMin, pMax] = [project(scale, yMin), project(scale, yMax)];
  const sy = (v: number) => y0 - ((y0 - y1) * (project(scale, v) - pMin)) / (pMax - pMin || 1);
  const inside = (v: number | null): v is number => v !== null && Number.isFinite(project(scale, v)) && v >= yMin && v <= yMax;

  const out: string[] = [`<g>`, `<clipPath id="clip-${field}"><rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}"/></clipPath>`];
  for (const t of axisTicks(scale, yMin, yMax)) {
    const y = sy(t).toFixed(1);
    out.push(`<line x1="${x0}" x2="${x1}" y1="${y}" y2="${y}" stroke="#e5e5e5"/><text x="${x0 - 6}" y="${y}" dy="4" text-anchor="end">${formatNumber(t)}</text>`);
  }
  for (const t of linearTicks(0, xMax)) {
    const x = sx(t).toFixed(1);
    out.push(`<line x1="${x}" x2="${x}" y1="${y0}" y2="${y0 + 4}" stroke="#333"/><text x="${x}" y="${y0 + 17}" text-anchor="middle">${formatSteps(t)}</text>`);
  }
  out.push(`<rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}" fill="none" stroke="#333"/>`);
  out.push(`<g clip-path="url(#clip-${field})">`);
  bands.forEach((band, i) => {
    for (const polygon of bandPolygons(band, inside, sx, sy)) out.push(`<polygon points="${polygon}" fill="${color(i)}" fill-opacity="0.18" stroke="none"/>`);
  });
  bands.forEach((band, i) => {
    for (const line of segments(band.steps, band.mean, inside, sx, sy)) out.push(`<polyline points="${line}" fill="none" stroke="${color(i)}" stroke-width="1.6"/>`);
  });
  for (const r of references) {
    if (!inside(r.value)) continue;
    const y = sy(r.value).toFixed(1);
    out.push(`<line x1="${x0}" x2="${x1}" y1="${y}" y2="${y}" stroke="#555" stroke-dasharray="5 4"/><text x="${x1 - 4}" y="${y}" dy="-4" text-anchor="end" fill="#555" font-size="10">${escape(r.label)}</text>`);
  }
  for (const m of comparison.markers ?? []) {
    const x = sx(m.step).toFixed(1);
    out.push(`<line x1="${x}" x2="${x}" y1="${y0}" y2="${y1}" stroke="${m.learner === undefined ? '#555' : color(m.learner)}" stroke-dasharray="2 3"/><text x="${x}" y="${y1 + 10}" dx="3" fill="#555" font-size="10">${escape(m.label)}</text>`);
  }
  out.push('</g>');
  const name = field === 'loss' ? `loss (${comparison.task.loss})` : `${comparison.task.metric.name}${comparison.task.metric.unit === '' ? '' : ` (${comparison.task.metric.unit})`}`;
  out.push(`<text x="${(x0 + x1) / 2}" y="${y1 - 9}" text-anchor="middle" font-weight="bold">${escape(name)}${scale.kind === 'linear' ? '' : ` — ${scale.kind} scale`}</text>`);
  out.push(`<text x="${(x0 + x1) / 2}" y="${y0 + 34}" text-anchor="middle">steps</text>`);
  out.push('</g>');
  return out.join('\n');
}

type Point = (v: number | null) => v is number;

/** Runs of consecutive drawable values as SVG point lists. */
function segments(steps: readonly number[], values: ReadonlyArray<number | null>, inside: Point, sx: (s: number) => number, sy: (v: number) => number): string[] {
  const out: string[] = [];
  let current: string[] = [];
  steps.forEach((step, i) => {
    const v = values[i]!;
    if (inside(v)) current.push(`${sx(step).toFixed(1)},${sy(v).toFixed(1)}`);
    else if (current.length > 0) {
      out.push(current.join(' '));
      current = [];
    }
  });
  if (current.length > 0) out.push(current.join(' '));
  return out;
}

function bandPolygons(band: Band, inside: Point, sx: (s: number) => number, sy: (v: number) => number): string[] {
  const out: string[] = [];
  let upper: string[] = [];
  let lower: string[] = [];
  const close = () => {
    if (upper.length > 1) out.push([...upper, ...lower.reverse()].join(' '));
    upper = [];
    lower = [];
  };
  band.steps.forEach((step, i) => {
    const [lo, hi] = [band.low[i]!, band.high[i]!];
    if (inside(lo) && inside(hi)) {
      upper.push(`${sx(step).toFixed(1)},${sy(hi).toFixed(1)}`);
      lower.push(`${sx(step).toFixed(1)},${sy(lo).toFixed(1)}`);
    } else close();
  });
  close();
  return out;
}

export function color(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

export function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
