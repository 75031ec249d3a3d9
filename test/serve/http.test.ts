import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { post, startHttp } from './child.js';
import { createModel } from '../../src/model/config.js';
import { loadCheckpoint } from '../../src/io/checkpoint.js';
import { StreamService } from '../../src/serve/service.js';
import { parseUpdate, type Update } from '../../src/serve/events.js';
import { Rng } from '../../src/tensor/rng.js';

const CONFIG = { learner: { kind: 'uoro' as const }, optimizer: { kind: 'adam' as const, lr: 0.01 }, loss: 'mse' as const, seed: 3 };
const MODEL = { inputSize: 2, layers: [{ cell: { kind: 'gru' as const, hiddenSize: 4 } }], outputSize: 2, dtype: 'float64' as const };

test('serve over HTTP: predict, learn, observe, forecast, health and metrics; every bad request is a 4xx naming the problem and the service still answers', async () => {
  const { child, url, exited } = await startHttp(['--token', 'sesame', '--body-limit', '2000']);
  const auth = { authorization: 'Bearer sesame' };
  try {
    const predicted = await post(`${url}/predict`, { id: 'a', x: [0.5, 0.1] }, auth);
    assert.equal(predicted.status, 200);
    assert.equal((predicted.json.prediction as number[]).length, 2);
    assert.equal((await post(`${url}/learn`, { id: 'a', y: [0.2, 0.3] }, auth)).status, 200);
    const observed = await post(`${url}/observe`, { id: 2, x: [0.1, 0.1], y: [0, 1] }, auth);
    assert.deepEqual(Object.keys(observed.json).sort(), ['id', 'loss', 'prediction']);
    const forecast = await post(`${url}/forecast`, { horizon: 3 }, auth);
    assert.equal((forecast.json.forecast as number[][]).length, 3);
    const bad: Array<[unknown, string, number, RegExp, Record<string, string>?]> = [
      ['{"id": 1, "x": [1, 2', '/predict', 400, /JSON/],
      [{ id: 1, x: [1] }, '/predict', 400, /"x" must have 2 numbers, got 1/],
      ['{"id": 1, "x": [NaN, 1]}', '/predict', 400, /JSON/],
      [{ id: 1, x: [1e308, 1e308], y: ['a', 1] }, '/observe', 400, /y/],
      [{ id: 1, x: Array.from({ length: 500 }, () => 0.123456789) }, '/predict', 413, /too large/i],
      [{ id: 'nope', y: [1, 1] }, '/learn', 400, /no prediction with id "nope"/],
      [{ id: 1 }, '/nowhere', 404, /no route POST \/nowhere/],
      [{ id: 1, x: [1, 1] }, '/predict', 401, /bearer token/, {}],
    ];
    for (const [body, route, status, message, headers] of bad) {
      const reply = await post(`${url}${route}`, body, headers ?? auth);
      assert.equal(reply.status, status, `${route} ${JSON.stringify(body).slice(0, 40)}: ${JSON.stringify(reply.json)}`);
      assert.match(String(reply.json.error ?? reply.json.message), message);
    }
    const health = (await (await fetch(`${url}/health`, { headers: auth })).json()) as Record<string, unknown>;
    assert.equal(health.status, 'ok');
    assert.equal(health.updates, 3);
    const metrics = await (await fetch(`${url}/metrics`, { headers: auth })).text();
    assert.match(metrics, /online_rnn_steps 2/);
    assert.match(metrics, /online_rnn_learn_calls 2/);
    assert.match(metrics, /online_rnn_prequential_loss /);
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0);
});

test('serve refuses to bind beyond loopback without a token', async () => {
  await assert.rejects(startHttp(['--host', '0.0.0.0']), /beyond loopback: give --token/);
});

/** The event stream a steady client sends: observes, and predictions whose targets come two events later. */
function events(count: number, seed: number): Update[] {
  const rng = new Rng(seed);
  const out: Update[] = [];
  for (let i = 0; out.length < count; i++) {
    const x = [rng.normal(), rng.normal()];
    const y = [rng.normal() * 0.5, rng.normal() * 0.5];
    if (i % 4 === 1) out.push({ op: 'predict', id: `p${i}`, x }, { op: 'observe', id: `o${i}`, x: y, y: x }, { op: 'learn', id: `p${i}`, y });
    else out.push({ op: 'observe', id: i, x, y });
  }
  return out.slice(0, count);
}

function route(update: Update): { path: string; body: Record<string, unknown> } {
  const { op, ...body } = update;
  return { path: `/${op}`, body };
}

test('kill -9 at 20 random moments under steady load, restart with the same --state: no acknowledged update is lost and θ and predictions equal an uninterrupted run', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'online-rnn-crash-'));
  const rng = new Rng(2026);
  const stream = events(100_000, 11);
  const flags = ['--state', dir, '--checkpoint-every', '25'];
  let next = 0;
  let acknowledged = 0;
  const replies: Array<Record<string, unknown>> = [];
  try {
    for (let kill = 0; kill < 20; kill++) {
      const { child, url, exited } = await startHttp(flags);
      const health = (await (await fetch(`${url}/health`)).json()) as { updates: number };
      assert.ok(health.updates >= acknowledged, `restart ${kill}: the service holds ${health.updates} updates, ${acknowledged} were acknowledged`);
      next = health.updates; // the client resumes after the last update the service holds
      replies.length = next;
      const deadline = Date.now() + 40 + rng.uniform() * 300;
      const load = (async () => {
        for (;;) {
          const { path, body } = route(stream[next]!);
          let reply;
          try {
            reply = await post(`${url}${path}`, body);
          } catch {
            return; // killed mid-request: not acknowledged
          }
          assert.equal(reply.status, 200, JSON.stringify(reply.json));
          replies[next] = reply.json;
          acknowledged = Math.max(acknowledged, ++next);
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, deadline - Date.now()));
      child.kill('SIGKILL');
      await exited;
      await load;
    }
    const { child, url, exited } = await startHttp(flags);
    const health = (await (await fetch(`${url}/health`)).json()) as { updates: number };
    assert.ok(health.updates >= acknowledged);
    const applied = health.updates;
    const finals = [];
    for (let k = 0; k < 3; k++) finals.push((await post(`${url}/predict`, { id: `final${k}`, x: [k, -k] })).json);
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    t.diagnostic(`${acknowledged} updates acknowledged over 20 kills, ${applied} held after the last restart`);
    // The uninterrupted run, fed the same events in-process.
    const { service } = StreamService.open(createModel(MODEL, { seed: 3 }), CONFIG, null);
    for (let i = 0; i < applied; i++) {
      const reply = service.apply(stream[i]!);
      if (i < acknowledged && replies[i] !== undefined) assert.deepEqual(reply, replies[i], `event ${i}`);
    }
    for (let k = 0; k < 3; k++) assert.deepEqual(service.apply(parseUpdate('predict', { id: `final${k}`, x: [k, -k] }, { inputSize: 2, targetSize: 2 })), finals[k]);
    const saved = loadCheckpoint(dir);
    assert.deepEqual(Float64Array.from(saved.model.theta), Float64Array.from(service.model.theta));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
