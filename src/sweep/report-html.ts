/**
 * The sweep report: one self-contained HTML page with uPlot inlined (as the comparison report
 * has it). The sensitivity plot — the metric against the learning rate, log x, per learner, seeds
 * as a band from lowest to highest — the best configurations as a static table, and the
 * learning curves of the best k. Axes are projected here with report/scale.ts (log₁₀ or asinh,
 * chosen from the values) and drawn by the page.
 */
import { axisTicks, chooseScale, formatNumber, paddedRange, project, type Scale } from '../report/scale.js';
import { color, escape } from '../report/svg.js';
import { spreadText } from '../report/table.js';
import { CHART_HELPERS, STYLE, pageEnd, type ChartAssets } from '../report/html.js';
import type { SweepSummary } from './summary.js';

interface Axis {
  readonly name: string;
  readonly scale: Scale;
  readonly range: [number, number];
  readonly ticks: number[];
  readonly labels: string[];
}

interface Chart {
  readonly id: string;
  readonly title: string;
  readonly x: Axis;
  readonly y: Axis;
  readonly lines: ReadonlyArray<{ label: string; color: string; x: number[]; mean: Array<number | null>; low: Array<number | null>; high: Array<number | null> }>;
}

function axis(name: string, values: readonly number[], scale: Scale = chooseScale(values)): Axis {
  const range = paddedRange(scale, values.length > 0 ? values : [0, 1]);
  const ticks = axisTicks(scale, range[0], range[1]);
  return { name, scale, range: [project(scale, range[0]), project(scale, range[1])], ticks: ticks.map((t) => project(scale, t)), labels: ticks.map(formatNumber) };
}

const projected = (scale: Scale) => (v: number | null) => {
  const p = v === null ? Number.NaN : project(scale, v);
  return Number.isFinite(p) ? p : null;
};

export function renderSweepHtml(summary: SweepSummary, assets: ChartAssets, context: { dir: string; versions: Readonly<Record<string, string>>; date: string }): string {
  const metricName = summary.metric.name.replace(/_/g, ' ');
  const charts: Chart[] = [];
  const lrs = summary.sensitivity.flatMap((l) => l.lr).filter((v) => v > 0);
  if (lrs.length > 0) {
    const x = axis('learning rate', lrs, { kind: 'log' });
    const y = axis(metricName, summary.sensitivity.flatMap((l) => [...l.low, ...l.high]).filter((v): v is number => v !== null));
    charts.push({
      id: 'sensitivity',
      title: `${metricName} against the learning rate`,
      x,
      y,
      lines: summary.sensitivity.map((l, i) => ({ label: l.label, color: color(i), x: l.lr.map((v) => project(x.scale, v)), mean: l.mean.map(projected(y.scale)), low: l.low.map(projected(y.scale)), high: l.high.map(projected(y.scale)) })),
    });
  }
  if (summary.curves.length > 0) {
    const steps = summary.curves[0]!.loss.steps;
    const x = axis('steps', steps, { kind: 'linear' });
    const y = axis('prequential loss', summary.curves.flatMap((c) => [...c.loss.low, ...c.loss.high]).filter((v): v is number => v !== null));
    charts.push({
      id: 'curves',
      title: `learning curves of the best ${summary.curves.length}`,
      x,
      y,
      lines: summary.curves.map((c, i) => ({ label: c.label, color: color(i), x: [...steps], mean: c.loss.mean.map(projected(y.scale)), low: c.loss.low.map(projected(y.scale)), high: c.loss.high.map(projected(y.scale)) })),
    });
  }
  const rows = summary.configurations.map(
    (c, i) =>
      `<tr${i < summary.best.length ? ' class="best"' : ''}><td>${i + 1}</td><td>${escape(c.label)}</td><td>${escape(formatNumber(c.lr))}</td><td>${escape(spreadText(c.metric))}</td><td>${c.diverged}/${c.seeds.length}</td><td>${escape(c.seeds.join(', '))}</td></tr>`,
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>online-rnn sweep — ${escape(context.dir)}</title>
<style>${assets.style}</style>
<style>${STYLE}${SWEEP_STYLE}</style>
</head>
<body>
<h1>Sweep: ${escape(summary.tasks.join(', '))}</h1>
<p class="setting">${summary.runs} runs${summary.pruned > 0 ? ` (${summary.pruned} pruned by successive halving, left out)` : ''} · metric: ${escape(metricName)} (${summary.metric.goal}) · ${escape(context.dir)} · ${escape(context.date)}</p>
<div id="charts">${charts.map((c) => `<div class="chart" id="chart-${c.id}"></div>`).join('')}</div>
<p class="hint">Lines: mean over seeds; bands: lowest to highest seed. Drag to zoom, double-click to reset, click a legend entry to hide it.</p>
<h2>Configurations, best first</h2>
<table id="best"><thead><tr><th>#</th><th>configuration</th><th>lr</th><th>${escape(metricName)}</th><th>non-finite</th><th>seeds</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
${pageEnd(context.versions, assets, { charts }, CHART_SCRIPT)}`;
}

const SWEEP_STYLE = `
td:nth-child(2) { text-align: left; } tr.best td { font-weight: 600; } #versions { margin-top: 24px; }
`;

/** Runs in the page: one uPlot per chart over the union of its lines' x, bands under the lines. */
const CHART_SCRIPT = `
(function () {
  var report = JSON.parse(document.getElementById('report-data').textContent);
${CHART_HELPERS}  function axis(a) {
    return {
      label: a.name, size: 60, grid: { stroke: 'rgba(0,0,0,0.07)', width: 1 },
      splits: function () { return a.ticks; },
      values: function (u, splits) { return splits.map(function (v) { var i = a.ticks.indexOf(v); return i < 0 ? '' : a.labels[i]; }); }
    };
  }
  report.charts.forEach(function (chart) {
    var xs = [];
    chart.lines.forEach(function (l) { l.x.forEach(function (x) { if (xs.indexOf(x) < 0) xs.push(x); }); });
    xs.sort(function (a, b) { return a - b; });
    var at = function (l, field) { return xs.map(function (x) { var i = l.x.indexOf(x); return i < 0 ? null : l[field][i]; }); };
    var data = [xs], series = [{ label: chart.x.name, value: function (u, v) { return format(unproject(chart.x.scale, v)); } }];
    chart.lines.forEach(function (l) {
      data.push(at(l, 'mean'));
      series.push({ label: l.label, stroke: l.color, width: 1.6, spanGaps: true, points: { show: chart.id === 'sensitivity', size: 5 }, value: function (u, v) { return v === null ? '–' : format(unproject(chart.y.scale, v)); } });
    });
    function paintBands(u) {
      var ctx = u.ctx;
      ctx.save();
      ctx.beginPath(); ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height); ctx.clip();
      chart.lines.forEach(function (l, i) {
        if (!u.series[i + 1].show) return;
        var upper = [], lower = [];
        l.x.forEach(function (x, k) {
          if (l.low[k] === null || l.high[k] === null) return;
          upper.push([u.valToPos(x, 'x', true), u.valToPos(l.high[k], 'y', true)]);
          lower.push([u.valToPos(x, 'x', true), u.valToPos(l.low[k], 'y', true)]);
        });
        if (upper.length < 2) return;
        ctx.fillStyle = rgba(l.color, 0.18);
        ctx.beginPath();
        upper.concat(lower.reverse()).forEach(function (p, k) { k === 0 ? ctx.moveTo(p[0], p[1]) : ctx.lineTo(p[0], p[1]); });
        ctx.closePath(); ctx.fill();
      });
      ctx.restore();
    }
    var element = document.getElementById('chart-' + chart.id);
    new uPlot({
      title: chart.title, width: Math.min(540, Math.max(320, element.parentElement.clientWidth / 2 - 12)), height: 340,
      scales: { x: { time: false, range: function () { return chart.x.range.slice(); } }, y: { range: function () { return chart.y.range.slice(); } } },
      axes: [axis(chart.x), axis(chart.y)], series: series,
      hooks: { drawAxes: [paintBands] }
    }, data, element);
  });
})();
`;
