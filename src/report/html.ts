/**
 * The learning-curve report: one self-contained HTML file that opens offline. uPlot (~50 kB,
 * MIT) is inlined for interactive charts — zoom by dragging, values under the cursor, learners
 * toggled from the legend — with each learner's band over seeds painted beneath its mean line
 * and the task's reference lines dashed. The table and the command are static HTML, readable
 * without scripts. Pure string building: the caller passes uPlot's code (report/assets.ts).
 */
import { bandOf, gridOf, metricTarget, rowOf, type Comparison } from './comparison.js';
import { axisTicks, chooseScale, formatNumber, paddedRange, project, type Scale } from './scale.js';
import { color, escape } from './svg.js';
import { tableCells, tableHeader } from './table.js';

export interface ChartAssets {
  readonly script: string;
  readonly style: string;
}

interface ChartData {
  readonly field: 'loss' | 'metric';
  readonly name: string;
  readonly scale: Scale;
  /**
   * Values go to the page already projected onto the scale's axis (log₁₀ or asinh), with the
   * range and the ticks computed here as for the SVG: uPlot's own log and asinh axes give up
   * over the 90 decades a diverging truncated BPTT spans.
   */
  readonly range: [number, number];
  readonly ticks: number[];
  readonly labels: string[];
  readonly learners: ReadonlyArray<{ label: string; color: string; mean: Array<number | null>; low: Array<number | null>; high: Array<number | null> }>;
  readonly references: ReadonlyArray<{ label: string; value: number }>;
}

export function renderHtml(comparison: Comparison, assets: ChartAssets): string {
  const grid = gridOf(comparison);
  const charts: ChartData[] = (['loss', 'metric'] as const).map((field) => {
    const bands = comparison.learners.map((l) => bandOf(l.runs, grid, field));
    const references = comparison.task.references.filter((r) => r.axis === field);
    const values = [...bands.flatMap((b) => [...b.low, ...b.high]).filter((v): v is number => v !== null), ...references.map((r) => r.value)];
    const scale = chooseScale(values);
    const range = paddedRange(scale, values);
    const ticks = axisTicks(scale, range[0], range[1]);
    const usable = (v: number | null) => {
      const p = v === null ? Number.NaN : project(scale, v);
      return Number.isFinite(p) ? p : null;
    };
    const metric = comparison.task.metric;
    return {
      field,
      name: field === 'loss' ? `loss (${comparison.task.loss})` : `${metric.name}${metric.unit === '' ? '' : ` (${metric.unit})`}`,
      scale,
      range: [project(scale, range[0]), project(scale, range[1])],
      ticks: ticks.map((t) => project(scale, t)),
      labels: ticks.map(formatNumber),
      learners: comparison.learners.map((l, i) => ({
        label: l.label,
        color: color(i),
        mean: bands[i]!.mean.map(usable),
        low: bands[i]!.low.map(usable),
        high: bands[i]!.high.map(usable),
      })),
      references: references.filter((r) => Number.isFinite(project(scale, r.value))).map(({ label, value }) => ({ label, value: project(scale, value) })),
    };
  });
  const target = metricTarget(comparison.task);
  const rows = comparison.learners.map((learner) => rowOf(learner, target));
  const table = [
    `<table id="summary"><thead><tr>${tableHeader(comparison.task.metric, target).map((h) => `<th>${escape(h)}</th>`).join('')}</tr></thead><tbody>`,
    ...rows.map((row, i) => `<tr><td><span class="swatch" style="background:${color(i)}"></span>${tableCells(row, comparison.task.metric).map(escape).join('</td><td>')}</td></tr>`),
    '</tbody></table>',
  ].join('\n');
  const seedValues = rows.map((row) => `<li><b>${escape(row.label)}</b>: final loss ${row.finalLoss.values.map(fmt).join(', ')}; ${escape(comparison.task.metric.name)} ${row.finalMetric.values.map(fmt).join(', ')}</li>`);
  const references = comparison.task.references.map((r) => `<li>${r.axis}: ${escape(r.label)} = ${fmt(r.value)}</li>`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>online-rnn — ${escape(comparison.task.title)}</title>
<style>${assets.style}</style>
<style>${STYLE}</style>
</head>
<body>
<h1>${escape(comparison.task.title)}</h1>
<p class="setting">${escape(comparison.model)} · ${escape(comparison.optimizer)} · ${comparison.steps.toLocaleString('en-US')} steps · seeds ${escape(seedsOf(comparison))} · ${escape(comparison.date)}</p>
<div id="charts"><div class="chart" id="chart-loss"></div><div class="chart" id="chart-metric"></div></div>
<p class="hint">Lines: mean over seeds; bands: lowest to highest seed; dashed: reference lines${(comparison.markers ?? []).length > 0 ? '; dotted verticals: drift detections (in the learner’s colour) and other marked steps' : ''}. Drag to zoom, double-click to reset, click a legend entry to hide it.</p>
<h2>Summary</h2>
${table}
<details><summary>Per seed</summary><ul>${seedValues.join('')}</ul></details>
<h2>Reference lines</h2>
<ul>${references.join('')}</ul>
<h2>Reproduce</h2>
<pre id="command">${escape(comparison.command)}</pre>
${pageEnd(comparison.versions, assets, { grid, charts, markers: markersOf(comparison) }, CHART_SCRIPT)}`;
}

/** The comparison's markers for the page: a step, a label and the learner's colour (grey for none). */
function markersOf(comparison: Comparison): Array<{ step: number; label: string; color: string; learner: number | null }> {
  return (comparison.markers ?? []).map((m) => ({ step: m.step, label: m.label, color: m.learner === undefined ? '#555555' : color(m.learner), learner: m.learner ?? null }));
}

/**
 * The end of a self-contained report page: the versions table, uPlot inlined, the page's data
 * as JSON (escaped so no `</script>` can close it early) and the script that draws it.
 */
export function pageEnd(versions: Readonly<Record<string, string>>, assets: ChartAssets, data: unknown, chartScript: string): string {
  const rows = Object.entries(versions).map(([k, v]) => `<tr><th>${escape(k)}</th><td>${escape(v)}</td></tr>`);
  return `<table id="versions">${rows.join('')}</table>
<script>${assets.script.replace(/<\/script/gi, '<\\/script')}</script>
<script type="application/json" id="report-data">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>
<script>${chartScript}</script>
</body>
</html>
`;
}

function seedsOf(comparison: Comparison): string {
  const seeds = new Set(comparison.learners.flatMap((l) => l.runs.map((r) => r.seed)));
  return [...seeds].join(', ');
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? '–' : 'diverged';
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(3) : Number(v.toPrecision(4)).toString();
}

/** The page's look, shared with the sweep report. */
export const STYLE = `
body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1100px; padding: 0 16px; color: #222; }
h1 { font-size: 20px; margin-bottom: 4px; } h2 { font-size: 16px; margin-top: 28px; }
.setting, .hint { color: #555; } .hint { font-size: 12px; }
#charts { display: flex; flex-wrap: wrap; gap: 12px; }
table { border-collapse: collapse; } th, td { padding: 4px 10px; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; } #versions th { text-align: left; font-weight: normal; color: #555; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; border-radius: 2px; }
pre { background: #f6f6f6; padding: 10px; overflow-x: auto; white-space: pre-wrap; }
`;

/** Page functions every report's charts use (the sweep report's too). */
export const CHART_HELPERS = `
  // Values arrive projected (log10 or asinh); the cursor shows them in data units again.
  function unproject(scale, p) {
    return scale.kind === 'log' ? Math.pow(10, p) : scale.kind === 'asinh' ? Math.sinh(p) * scale.linear : p;
  }
  function format(v) {
    if (v === null || v === undefined || !isFinite(v)) return '–';
    var a = Math.abs(v);
    return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(2) : String(Number(v.toPrecision(4)));
  }
  function rgba(hex, alpha) {
    var n = parseInt(hex.slice(1), 16);
    return 'rgba(' + (n >> 16) + ',' + ((n >> 8) & 255) + ',' + (n & 255) + ',' + alpha + ')';
  }
`;

/** Runs in the page: one uPlot per chart, bands painted under the lines. */
const CHART_SCRIPT = `
(function () {
  var report = JSON.parse(document.getElementById('report-data').textContent);
${CHART_HELPERS}  function paintBands(u, chart) {
    var ctx = u.ctx;
    ctx.save();
    ctx.beginPath();
    ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
    ctx.clip();
    chart.learners.forEach(function (l, i) {
      if (!u.series[i + 1].show) return;
      ctx.fillStyle = rgba(l.color, 0.18);
      var upper = [], lower = [];
      function close() {
        if (upper.length > 1) {
          ctx.beginPath();
          upper.concat(lower.reverse()).forEach(function (p, k) { k === 0 ? ctx.moveTo(p[0], p[1]) : ctx.lineTo(p[0], p[1]); });
          ctx.closePath();
          ctx.fill();
        }
        upper = []; lower = [];
      }
      report.grid.forEach(function (step, k) {
        var lo = l.low[k], hi = l.high[k];
        if (lo === null || hi === null) { close(); return; }
        var x = u.valToPos(step, 'x', true);
        upper.push([x, u.valToPos(hi, 'y', true)]);
        lower.push([x, u.valToPos(lo, 'y', true)]);
      });
      close();
    });
    ctx.restore();
  }
  function paintMarkers(u) {
    var ctx = u.ctx, ratio = window.devicePixelRatio || 1;
    ctx.save();
    ctx.beginPath();
    ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
    ctx.clip();
    ctx.lineWidth = ratio;
    ctx.setLineDash([2 * ratio, 3 * ratio]);
    ctx.font = (10 * ratio) + 'px sans-serif';
    report.markers.forEach(function (m) {
      if (m.learner !== null && !u.series[m.learner + 1].show) return;
      var x = Math.round(u.valToPos(m.step, 'x', true)) + 0.5;
      ctx.strokeStyle = m.color;
      ctx.beginPath();
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      ctx.stroke();
      if (m.label !== '') { ctx.fillStyle = '#555'; ctx.fillText(m.label, x + 3 * ratio, u.bbox.top + 10 * ratio); }
    });
    ctx.restore();
  }
  report.charts.forEach(function (chart) {
    var element = document.getElementById('chart-' + chart.field);
    var data = [report.grid];
    var series = [{ label: 'step' }];
    chart.learners.forEach(function (l) {
      data.push(l.mean);
      series.push({ label: l.label, stroke: l.color, width: 1.6, spanGaps: false, value: function (u, v) { return v === null ? '–' : format(unproject(chart.scale, v)); } });
    });
    chart.references.forEach(function (r) {
      data.push(report.grid.map(function () { return r.value; }));
      series.push({ label: r.label, stroke: '#555', width: 1, dash: [5, 4], points: { show: false }, value: function () { return format(unproject(chart.scale, r.value)); } });
    });
    var y = { range: function () { return chart.range.slice(); } };
    var yAxis = {
      size: 76,
      grid: { stroke: 'rgba(0,0,0,0.07)', width: 1 },
      splits: function () { return chart.ticks; },
      values: function (u, splits) { return splits.map(function (v) { var i = chart.ticks.indexOf(v); return i < 0 ? '' : chart.labels[i]; }); }
    };
    new uPlot({
      title: chart.name + (chart.scale.kind === 'linear' ? '' : ' — ' + chart.scale.kind + ' scale'),
      width: Math.min(540, Math.max(320, element.parentElement.clientWidth / 2 - 12)),
      height: 340,
      scales: { x: { time: false }, y: y },
      axes: [{ label: 'steps', grid: { stroke: 'rgba(0,0,0,0.07)', width: 1 } }, yAxis],
      series: series,
      hooks: { drawAxes: [function (u) { paintBands(u, chart); }], draw: [paintMarkers] }
    }, data, element);
  });
})();
`;
