import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderHtml } from '../../src/report/html.js';
import { renderSvg } from '../../src/report/svg.js';
import { chartAssets } from '../../src/report/assets.js';
import { exampleComparison } from './example.js';

test('the HTML report is self-contained: uPlot inlined, no external URL loaded, data escaped', () => {
  const html = renderHtml(exampleComparison(), chartAssets());
  assert.ok(html.startsWith('<!doctype html>'));
  assert.match(html, /var uPlot=function/);
  assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=/i, 'nothing is fetched');
  assert.equal(html.match(/<\/script>/g)!.length, 3);
  assert.match(html, /<h1>influence balancing &lt;test&gt; &amp; &quot;quotes&quot;<\/h1>/);
  assert.match(html, /<pre id="command">online-rnn compare --task influence/);
  assert.equal((html.match(/<tr><td><span class="swatch"/g) ?? []).length, 3);
  const data = JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1]!);
  assert.equal(data.charts.length, 2);
  assert.equal(data.charts[0].scale.kind, 'log');
  assert.equal(data.charts[1].scale.kind, 'asinh');
});

test('the SVG figure has two panels, a line per learner, the reference lines and an escaped title', () => {
  const svg = renderSvg(exampleComparison());
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /influence balancing &lt;test&gt; &amp; &quot;quotes&quot;/);
  assert.equal((svg.match(/<polyline /g) ?? []).length, 6);
  assert.equal((svg.match(/stroke-dasharray/g) ?? []).length, 2);
  assert.match(svg, /loss \(nats\) — log scale/);
  assert.doesNotMatch(svg, /NaN|Infinity/);
});
