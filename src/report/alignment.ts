/**
 * The gradient-alignment report (learners/alignment.ts): the matrix of normalised dot products
 * between learners' gradients as a heatmap — a diverging scale from −1 (opposed) through 0
 * (orthogonal) to 1 (aligned), each cell labelled with its value — and each learner's cost per
 * step beside it. A static SVG inside a self-contained page: nothing to load, nothing to run.
 */
import type { Alignment } from '../learners/alignment.js';
import { STYLE } from './html.js';
import { escape } from './svg.js';

const CELL = 46;
const LEFT = 120;
const TOP = 110;

/** Blue (−1) – white (0) – red (+1), linear in each half. */
export function alignmentColor(value: number): string {
  if (!Number.isFinite(value)) return '#cccccc';
  const v = Math.max(-1, Math.min(1, value));
  const [r, g, b] = v >= 0 ? mix([255, 255, 255], [178, 24, 43], v) : mix([255, 255, 255], [33, 102, 172], -v);
  return `rgb(${r},${g},${b})`;
}

function mix(from: readonly number[], to: readonly number[], t: number): number[] {
  return from.map((f, i) => Math.round(f + (to[i]! - f) * t));
}

/** The heatmap as a standalone SVG: rows and columns in the alignment's order. */
export function renderAlignmentSvg(result: Alignment, title: string): string {
  const L = result.names.length;
  const width = LEFT + L * CELL + 20;
  const height = TOP + L * CELL + 20;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="18" font-size="14" font-weight="bold">${escape(title)}</text>`,
  ];
  result.names.forEach((name, a) => {
    const y = TOP + a * CELL + CELL / 2 + 4;
    out.push(`<text x="${LEFT - 8}" y="${y}" text-anchor="end">${escape(name)}</text>`);
    const x = LEFT + a * CELL + CELL / 2;
    out.push(`<text transform="translate(${x + 4},${TOP - 8}) rotate(-50)">${escape(name)}</text>`);
  });
  result.matrix.forEach((row, a) =>
    row.forEach((value, b) => {
      const x = LEFT + b * CELL;
      const y = TOP + a * CELL;
      const ink = Math.abs(value) > 0.6 ? '#ffffff' : '#222222';
      out.push(`<rect x="${x}" y="${y}" width="${CELL}" height="${CELL}" fill="${alignmentColor(value)}" stroke="#ffffff"><title>${escape(`${result.names[a]} · ${result.names[b]}: ${value.toFixed(4)}`)}</title></rect>`);
      out.push(`<text x="${x + CELL / 2}" y="${y + CELL / 2 + 4}" text-anchor="middle" fill="${ink}">${value.toFixed(2)}</text>`);
    }),
  );
  out.push('</svg>');
  return out.join('\n');
}

export interface AlignmentPage {
  readonly title: string;
  /** One line: the model, the stream, the seed. */
  readonly setting: string;
  readonly command: string;
  readonly versions: Readonly<Record<string, string>>;
  /** Learners left out, with the reason each refused the model. */
  readonly skipped: ReadonlyArray<{ readonly name: string; readonly reason: string }>;
}

export function renderAlignmentHtml(result: Alignment, page: AlignmentPage): string {
  const exact = result.names.indexOf('rtrl');
  const rows = result.names.map((name, a) => `<tr><td>${escape(name)}</td><td>${exact < 0 ? '–' : result.matrix[a]![exact]!.toFixed(3)}</td><td>${(result.secondsPerStep[a]! * 1e6).toFixed(1)}</td></tr>`);
  const skipped = page.skipped.map(({ name, reason }) => `<li><b>${escape(name)}</b>: ${escape(reason)}</li>`);
  const versions = Object.entries(page.versions).map(([k, v]) => `<tr><th>${escape(k)}</th><td>${escape(v)}</td></tr>`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>online-rnn — ${escape(page.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escape(page.title)}</h1>
<p class="setting">${escape(page.setting)}</p>
${renderAlignmentSvg(result, 'normalised dot products of the gradients')}
<p class="hint">Cell (a, b): the mean over steps ${result.from}–${result.to} of ⟨g_a, g_b⟩ / (‖g_a‖·‖g_b‖), θ fixed, every learner on the same stream (Marschall, Cho &amp; Savin 2020). rtrl's row is the alignment with the exact gradient.</p>
<h2>Cost per step</h2>
<table><thead><tr><th>learner</th><th>alignment with rtrl</th><th>µs/step</th></tr></thead><tbody>${rows.join('')}</tbody></table>
${skipped.length === 0 ? '' : `<h2>Not applicable to this model</h2>\n<ul>${skipped.join('')}</ul>`}
<h2>Reproduce</h2>
<pre id="command">${escape(page.command)}</pre>
<table id="versions">${versions.join('')}</table>
</body>
</html>
`;
}
