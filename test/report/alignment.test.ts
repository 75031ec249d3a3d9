import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignmentColor, renderAlignmentHtml, renderAlignmentSvg } from '../../src/report/alignment.js';
import type { Alignment } from '../../src/learners/alignment.js';

const result: Alignment = {
  names: ['rtrl', 'uoro', '<b>&'],
  matrix: [
    [1, 0.25, -1],
    [0.25, 1, 0],
    [-1, 0, 1],
  ],
  secondsPerStep: [2e-3, 1e-5, 3e-6],
  from: 6,
  to: 10,
};

test('the heatmap colours run from blue at −1 through white at 0 to red at +1, clamped outside', () => {
  assert.equal(alignmentColor(0), 'rgb(255,255,255)');
  assert.equal(alignmentColor(1), 'rgb(178,24,43)');
  assert.equal(alignmentColor(-1), 'rgb(33,102,172)');
  assert.equal(alignmentColor(3), alignmentColor(1));
  assert.equal(alignmentColor(Number.NaN), '#cccccc');
});

test('the heatmap draws one labelled cell per pair and escapes learner names', () => {
  const svg = renderAlignmentSvg(result, 'title');
  assert.equal(svg.match(/<rect x=/g)!.length, 9);
  assert.match(svg, />0\.25</);
  assert.match(svg, />-1\.00</);
  assert.ok(!svg.includes('<b>&') && svg.includes('&lt;b&gt;&amp;'));
});

test('the alignment page holds the heatmap, each learner’s alignment with rtrl and cost, the skipped learners and the command', () => {
  const html = renderAlignmentHtml(result, { title: 'T', setting: 'S', command: 'online-rnn gradstats --alignment', versions: { node: 'v20' }, skipped: [{ name: 'kfrtrl', reason: 'not Kronecker-factored' }] });
  assert.match(html, /<svg/);
  assert.match(html, /<tr><td>uoro<\/td><td>0\.250<\/td><td>10\.0<\/td><\/tr>/);
  assert.match(html, /<li><b>kfrtrl<\/b>: not Kronecker-factored<\/li>/);
  assert.match(html, /<pre id="command">online-rnn gradstats --alignment<\/pre>/);
  assert.match(html, /steps 6–10/);
});
