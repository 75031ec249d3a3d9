/**
 * `serve` over HTTP (fastify): POST /predict, /learn, /observe, /forecast; GET /health and
 * GET /metrics (Prometheus text). Bodies are checked by JSON schema (shape) and then by the
 * service (widths, finite values, known ids); a bad request is a 4xx whose message names the
 * problem, and the service keeps answering. With a token every request needs
 * `Authorization: Bearer <token>` (401 otherwise).
 */
import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { Gauge, Registry } from 'prom-client';
import { RequestError, parseForecast, parseUpdate } from './events.js';
import type { StreamService } from './service.js';

export interface HttpOptions {
  /** Largest request body in bytes. @default 1 MiB */
  readonly bodyLimit?: number;
  readonly token?: string;
}

const id = { type: ['string', 'number'] } as const;
const numbers = { type: 'array', items: { type: 'number' } } as const;
const SCHEMAS = {
  predict: { type: 'object', required: ['id', 'x'], properties: { id, x: numbers }, additionalProperties: false },
  learn: { type: 'object', required: ['y'], properties: { id, y: numbers }, additionalProperties: false },
  observe: { type: 'object', required: ['id', 'x', 'y'], properties: { id, x: numbers, y: numbers }, additionalProperties: false },
  forecast: { type: 'object', required: ['horizon'], properties: { horizon: { type: 'integer', minimum: 1, maximum: 10000 }, inputs: { type: 'array', items: numbers } }, additionalProperties: false },
} as const;

export function httpApp(service: StreamService, options: HttpOptions = {}): FastifyInstance {
  const app = Fastify({ bodyLimit: options.bodyLimit ?? 1 << 20, logger: false });
  const widths = { inputSize: service.inputSize, targetSize: service.targetSize };
  if (options.token !== undefined) {
    const expected = Buffer.from(`Bearer ${options.token}`);
    app.addHook('onRequest', async (request, reply) => {
      const given = Buffer.from(request.headers.authorization ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        await reply.code(401).send({ error: 'missing or wrong bearer token (send Authorization: Bearer <token>)' });
      }
    });
  }
  app.setErrorHandler(async (error: Error & { statusCode?: number }, _request, reply) => {
    const status = error instanceof RequestError ? error.status : (error.statusCode ?? 500);
    await reply.code(status).send({ error: status >= 500 ? `internal error: ${error.message}` : error.message });
  });
  app.setNotFoundHandler(async (request, reply) => {
    await reply.code(404).send({ error: `no route ${request.method} ${request.url} (routes: POST /predict /learn /observe /forecast, GET /health /metrics)` });
  });
  for (const op of ['predict', 'learn', 'observe'] as const) {
    app.post(`/${op}`, { schema: { body: SCHEMAS[op] } }, async (request) => service.apply(parseUpdate(op, request.body, widths)));
  }
  app.post('/forecast', { schema: { body: SCHEMAS.forecast } }, async (request) => service.forecast(parseForecast(request.body, widths.inputSize)));
  app.get('/health', async () => ({ status: 'ok', updates: service.updates, steps: service.session.step, waiting: service.session.waiting, checkpointAgeSeconds: service.stateDir === null ? null : service.checkpointAgeSeconds }));
  const registry = metricsRegistry(service);
  app.get('/metrics', async (_request, reply) => {
    await reply.type(registry.contentType).send(await registry.metrics());
  });
  return app;
}

/** The Prometheus gauges, read from the service when scraped. */
function metricsRegistry(service: StreamService): Registry {
  const registry = new Registry();
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  gauge('online_rnn_steps', 'predictions made (timesteps consumed)', () => service.session.step);
  gauge('online_rnn_learn_calls', 'targets learned', () => service.session.learned);
  gauge('online_rnn_updates', 'updates accepted (write-ahead log sequence number)', () => service.updates);
  gauge('online_rnn_waiting_predictions', 'predictions waiting for their target', () => service.session.waiting);
  gauge('online_rnn_prequential_loss', 'prequential loss, fading mean (factor 0.999) since start or restart', () => service.losses.averages().fading);
  gauge('online_rnn_prequential_loss_window', 'prequential loss, mean of the last 1000 learned targets', () => service.losses.averages().window);
  gauge('online_rnn_drift_detections', 'ADWIN detections of a rise in the prequential loss', () => service.driftDetections);
  gauge('online_rnn_checkpoint_age_seconds', 'seconds since the last checkpoint (-1 without --state)', () => (service.stateDir === null ? -1 : service.checkpointAgeSeconds));
  return registry;
}
