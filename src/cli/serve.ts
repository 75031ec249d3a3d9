/**
 * `online-rnn serve`: one model + learner as a service, over JSON lines (--jsonl) or HTTP on
 * 127.0.0.1. With --state DIR every accepted update is logged before it is acknowledged and
 * checkpointed every N updates; restarting with the same DIR continues exactly where the
 * service stopped. SIGTERM / SIGINT: stop accepting, answer what is in flight, checkpoint, exit 0.
 */
import type { Command } from 'commander';
import { givenOn, type Given } from './kind-flags.js';
import { createModel } from '../model/config.js';
import type { Model } from '../model/model.js';
import { loadAnyModel, MODEL_FORMATS } from '../io/load.js';
import type { LossKind } from '../loss/loss.js';
import { LOSS_KINDS } from '../kinds/losses.js';
import { OPTIMIZER_KINDS, type OptimizerConfig } from '../kinds/optimizers.js';
import { StreamService, type ServiceConfig } from '../serve/service.js';
import { serveJsonLines } from '../serve/jsonl.js';
import { httpApp } from '../serve/http.js';
import { addModelOptions, integerFlag, modelConfigFromFlags, numberFlag, type ModelFlags } from './model-options.js';
import { parseLearnerSpec } from './learner-spec.js';
import { loadOptions } from './forward.js';
import { runCommand, UsageError } from './errors.js';

interface ServeFlags extends ModelFlags {
  model?: string;
  from?: string;
  config?: string;
  prefix?: string;
  learner: string;
  optimizer: string;
  lr: string;
  loss: string;
  seed: string;
  clip?: string;
  jsonl?: boolean;
  host: string;
  port: string;
  token?: string;
  state?: string;
  checkpointEvery: string;
  fsyncMs: string;
  bodyLimit: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function defineServe(command: Command): void {
  command
    .option('--model <path>', `a model to start from (${MODEL_FORMATS.join(', ')}); default: a new one from the model flags`)
    .option('--from <format>', `the model's format: ${MODEL_FORMATS.join(', ')} (default: from the path)`)
    .option('--config <args.json>', 'PyTorch: the module and its constructor arguments')
    .option('--prefix <p>', "PyTorch: strip this prefix from the state_dict's names");
  addModelOptions(command)
    .option('--learner <spec>', 'the online learner, e.g. uoro, rtrl, tbptt:k=16', 'uoro')
    .option('--optimizer <kind>', `optimizer: ${OPTIMIZER_KINDS.join(', ')}`, 'adam')
    .option('--lr <rate>', 'learning rate', '0.001')
    .option('--loss <kind>', `loss: ${LOSS_KINDS.join(', ')}`, 'mse')
    .option('--seed <n>', 'seed of the initial θ and the learner', '0')
    .option('--clip <norm>', 'clip each gradient estimate to this norm')
    .option('--jsonl', 'newline-delimited JSON on stdin → stdout instead of HTTP')
    .option('--host <address>', 'HTTP: the address to bind (beyond loopback needs --token)', '127.0.0.1')
    .option('--port <n>', 'HTTP: the port (0: any free one, printed on stderr)', '8080')
    .option('--token <secret>', 'HTTP: require Authorization: Bearer <secret>')
    .option('--state <dir>', 'write-ahead log and checkpoints here; restart with the same dir to continue')
    .option('--checkpoint-every <n>', 'checkpoint (and compact the log) every n updates', '1000')
    .option('--fsync-ms <ms>', 'fsync the log every ms milliseconds instead of before every acknowledgement (0)', '0')
    .option('--body-limit <bytes>', 'HTTP: largest request body', '1048576')
    .addHelpText(
      'after',
      `
Examples:
  $ online-rnn serve --jsonl --input 1 --output 1 --hidden 32 --learner uoro --state runs/live
  $ online-rnn serve --model runs/copy/model --port 8080 --state runs/copy-live
  $ echo '{"id": 1, "x": [0.5], "y": [0.4]}' | online-rnn serve --jsonl --input 1 --output 1`,
    )
    .action((flags: ServeFlags, command: Command) => runCommand(() => serve(flags, givenOn(command))));
}

async function serve(flags: ServeFlags, given: Given): Promise<void> {
  const seed = integerFlag(flags.seed, '--seed', { min: 0 });
  if (!(LOSS_KINDS as readonly string[]).includes(flags.loss)) throw new UsageError(`--loss must be one of ${LOSS_KINDS.join(', ')}, got '${flags.loss}'`);
  if (!(OPTIMIZER_KINDS as readonly string[]).includes(flags.optimizer)) throw new UsageError(`--optimizer must be one of ${OPTIMIZER_KINDS.join(', ')}, got '${flags.optimizer}'`);
  const lr = numberFlag(flags.lr, '--lr');
  const spec = parseLearnerSpec(flags.learner);
  const config: ServiceConfig = {
    learner: spec.config,
    optimizer: { kind: flags.optimizer, lr: spec.lr ?? lr } as OptimizerConfig,
    loss: flags.loss as LossKind,
    seed,
    ...(flags.clip !== undefined ? { clip: numberFlag(flags.clip, '--clip') } : {}),
  };
  const port = integerFlag(flags.port, '--port', { min: 0 });
  const bodyLimit = integerFlag(flags.bodyLimit, '--body-limit');
  if (flags.jsonl !== true && !LOOPBACK.has(flags.host) && flags.token === undefined) throw new UsageError(`--host ${flags.host} is beyond loopback: give --token so that requests must carry a bearer token`);
  const model: Model = flags.model !== undefined ? loadAnyModel(flags.model, loadOptions({ ...(flags.from !== undefined ? { from: flags.from } : {}), ...(flags.config !== undefined ? { config: flags.config } : {}), ...(flags.prefix !== undefined ? { prefix: flags.prefix } : {}) })) : createModel(modelConfigFromFlags(flags, given), { seed });
  const { service, replayed, resumed } = StreamService.open(model, config, flags.state ?? null, {
    checkpointEvery: integerFlag(flags.checkpointEvery, '--checkpoint-every'),
    fsyncMs: integerFlag(flags.fsyncMs, '--fsync-ms', { min: 0 }),
  });
  if (resumed || replayed > 0) process.stderr.write(`online-rnn serve: resumed from ${flags.state} at update ${service.updates} (${replayed} replayed from the log)\n`);
  const finish = (): void => {
    service.checkpoint();
    service.close();
  };
  if (flags.jsonl === true) {
    const { done, stop } = serveJsonLines(service, process.stdin, process.stdout);
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    await done;
    finish();
    return;
  }
  const app = httpApp(service, { bodyLimit, ...(flags.token !== undefined ? { token: flags.token } : {}) });
  const address = await app.listen({ host: flags.host, port });
  process.stderr.write(`online-rnn serve: listening on ${address}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      void app.close().then(resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  finish();
}
