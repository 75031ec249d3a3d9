/**
 * PyTorch models as files: a state_dict saved with safetensors plus the module's constructor
 * arguments (args.json), the two things `torch.nn.LSTM(**args).load_state_dict(...)` needs.
 * See docs/pytorch.md for the export recipe on the PyTorch side.
 *
 *   args.json   {"module": "lstm", "input_size": 3, "hidden_size": 5, "num_layers": 2, …}
 *               or {"module": "lstm", "args": {…}, …} (the reference fixtures' shape; other keys ignored)
 *
 * A model with a dense head is the documented RecurrentWithHead module of docs/pytorch.md: the
 * recurrent layers under "rnn." (torch.nn.LSTM/GRU/RNN), the head under "head." (torch.nn.Linear:
 * head.weight (O × Y), head.bias (O)), and args.json gains "head": {in_features, out_features, bias}.
 *
 * Our own exports also carry the module and arguments in the safetensors __metadata__
 * ("online-rnn.module", "online-rnn.args", "online-rnn.head"), so they import without args.json.
 * Pure: bytes in, bytes out.
 */
import type { DType } from '../tensor/dtype.js';
import type { Model } from '../model/model.js';
import { createModel } from '../model/config.js';
import { fromPyTorch, pytorchArgs, pytorchHead, toPyTorchNames, PYTORCH_MODULES, type PyTorchArgs, type PyTorchHead, type PyTorchModule, type StateDict } from './pytorch.js';
import { FormatError, parseSafetensors, readTensor, writeSafetensors, type TensorToWrite } from './safetensors.js';
import { asRecord } from './model-format.js';

export interface PyTorchSpec {
  readonly module: PyTorchModule;
  readonly args: PyTorchArgs;
  /** A torch.nn.Linear head beside the recurrent module (RecurrentWithHead in docs/pytorch.md). */
  readonly head?: PyTorchHead;
}

const MODULE_KEY = 'online-rnn.module';
const ARGS_KEY = 'online-rnn.args';
const HEAD_KEY = 'online-rnn.head';
/** Where RecurrentWithHead keeps its two parts in the state_dict. */
export const RECURRENT_PREFIX = 'rnn.';
export const HEAD_PREFIX = 'head.';

/** args.json's contents: {module, …args} or {module, args: {…}}. */
export function parsePyTorchSpec(value: unknown, source = 'args.json'): PyTorchSpec {
  const spec = asRecord(value, source);
  const { module, args, head, ...rest } = spec;
  if (typeof module !== 'string' || !(PYTORCH_MODULES as readonly string[]).includes(module)) {
    throw new FormatError(`${source}: "module" must be one of ${PYTORCH_MODULES.join(', ')} (the torch.nn class, lowercase), got ${JSON.stringify(module)}`);
  }
  const headPart = head === undefined ? {} : { head: parseHead(head, `${source}: head`) };
  // With "args", other keys are someone else's (the fixtures keep data beside them).
  if (args !== undefined) {
    return { module: module as PyTorchModule, args: asRecord(args, `${source}: args`) as unknown as PyTorchArgs, ...headPart };
  }
  return { module: module as PyTorchModule, args: rest as unknown as PyTorchArgs, ...headPart };
}

/** {in_features, out_features, bias}, torch.nn.Linear's arguments, each checked. */
function parseHead(value: unknown, where: string): PyTorchHead {
  const head = asRecord(value, where);
  for (const key of Object.keys(head)) if (!['in_features', 'out_features', 'bias'].includes(key)) throw new FormatError(`${where}: unknown key '${key}' (allowed: in_features, out_features, bias)`);
  const size = (key: 'in_features' | 'out_features'): number => {
    const n = head[key];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new FormatError(`${where}.${key} must be a positive integer, got ${JSON.stringify(n)}`);
    return n;
  };
  if (head.bias !== undefined && typeof head.bias !== 'boolean') throw new FormatError(`${where}.bias must be true or false, got ${JSON.stringify(head.bias)}`);
  return { in_features: size('in_features'), out_features: size('out_features'), bias: head.bias ?? true };
}

export interface PyTorchImportOptions {
  /** Strip this prefix from every tensor name (a module inside a bigger model: "rnn."). @default '' */
  prefix?: string;
  /** @default float64 for F64 tensors, float32 otherwise */
  dtype?: DType;
  allowNonFinite?: boolean;
  /** For messages. */
  source?: string;
}

/** A model from a safetensors state_dict and the module's spec (or the file's own metadata). */
export function importPyTorch(bytes: Uint8Array, spec: PyTorchSpec | null, options: PyTorchImportOptions = {}): Model {
  const source = options.source ?? 'model.safetensors';
  const file = parseSafetensors(bytes, source);
  const resolved = spec ?? specFromMetadata(file.metadata, source);
  const outer = options.prefix ?? '';
  const prefix = resolved.head === undefined ? outer : outer + RECURRENT_PREFIX;
  const headNames = resolved.head === undefined ? new Set<string>() : new Set([`${outer}${HEAD_PREFIX}weight`, ...(resolved.head.bias ? [`${outer}${HEAD_PREFIX}bias`] : [])]);
  const names = [...file.tensors.keys()].filter((name) => name.startsWith(prefix) && !headNames.has(name));
  if (names.length === 0) throw new FormatError(`${source}: no tensors${prefix === '' ? '' : ` whose names start with '${prefix}'`}`);
  const dtypes = new Set(names.map((name) => file.tensors.get(name)!.dtype));
  if (dtypes.size > 1) throw new FormatError(`${source}: tensors mix dtypes ${[...dtypes].join(', ')}; export them all as float64 or all as float32`);
  const dtype = options.dtype ?? (dtypes.has('F64') ? 'float64' : 'float32');
  // A layer has at least two tensors; a larger num_layers cannot match this file.
  const layers = resolved.args.num_layers ?? 1;
  if (typeof layers === 'number' && layers > names.length) throw new FormatError(`${source}: num_layers ${layers} needs more tensors than the file's ${names.length}`);
  // No prototype: a tensor named `__proto__` is an entry like any other (and refused as unknown).
  const stateDict = Object.create(null) as StateDict;
  for (const name of names) {
    const entry = file.tensors.get(name)!;
    stateDict[name.slice(prefix.length)] = { shape: entry.shape, data: readTensor(file, name, { dtype, ...(options.allowNonFinite === undefined ? {} : { allowNonFinite: options.allowNonFinite }) }) };
  }
  let recurrent: Model;
  try {
    recurrent = fromPyTorch(resolved.module, resolved.args, stateDict, { dtype });
  } catch (e) {
    throw new FormatError(`${source}: ${(e as Error).message}`);
  }
  if (resolved.head === undefined) return recurrent;
  return withHead(recurrent, resolved.head, (name) => {
    if (!file.tensors.has(outer + name)) throw new FormatError(`${source}: no tensor '${outer + name}' for the head`);
    return { shape: file.tensors.get(outer + name)!.shape, data: readTensor(file, outer + name, { dtype, ...(options.allowNonFinite === undefined ? {} : { allowNonFinite: options.allowNonFinite }) }) };
  }, source);
}

/** The recurrent model with the torch.nn.Linear head's weight and bias appended to θ. */
function withHead(recurrent: Model, head: PyTorchHead, tensor: (name: string) => { shape: readonly number[]; data: ArrayLike<number> }, source: string): Model {
  const width = recurrent.outputSize;
  if (head.in_features !== width) throw new FormatError(`${source}: head.in_features is ${head.in_features} but the recurrent layers output ${width}`);
  const O = head.out_features;
  const expect = (name: string, shape: readonly number[]) => {
    const found = tensor(name);
    if (found.shape.length !== shape.length || found.shape.some((n, i) => n !== shape[i])) throw new FormatError(`${source}: '${name}' must have shape [${shape.join(', ')}], got [${found.shape.join(', ')}]`);
    return found.data;
  };
  const weight = expect(`${HEAD_PREFIX}weight`, [O, width]);
  const bias = head.bias ? expect(`${HEAD_PREFIX}bias`, [O]) : null;
  const model = createModel({ ...recurrent.config!, outputSize: O, ...(head.bias ? {} : { headBias: false }) }, { initialize: false });
  model.theta.set(recurrent.theta);
  model.headTheta!.set(weight);
  if (bias !== null) model.headTheta!.set(bias, O * width);
  return model;
}

function specFromMetadata(metadata: Readonly<Record<string, string>> | null, source: string): PyTorchSpec {
  const module = metadata?.[MODULE_KEY];
  const args = metadata?.[ARGS_KEY];
  if (module === undefined || args === undefined) {
    throw new FormatError(`${source}: a PyTorch state_dict does not say which module it belongs to; pass its constructor arguments with --config args.json (see docs/pytorch.md)`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    throw new FormatError(`${source}: __metadata__["${ARGS_KEY}"] is not valid JSON`);
  }
  let head: unknown;
  if (metadata?.[HEAD_KEY] !== undefined) {
    try {
      head = JSON.parse(metadata[HEAD_KEY]);
    } catch {
      throw new FormatError(`${source}: __metadata__["${HEAD_KEY}"] is not valid JSON`);
    }
  }
  return parsePyTorchSpec({ module, args: parsed, ...(head === undefined ? {} : { head }) }, `${source}: __metadata__`);
}

/** A model as PyTorch files: the state_dict as safetensors (F64 or F32 as the model) and args.json. */
export function exportPyTorch(model: Model): { tensors: Uint8Array; args: string; spec: PyTorchSpec } {
  const { module, args } = pytorchArgs(model);
  const head = pytorchHead(model);
  const prefix = head === null ? '' : RECURRENT_PREFIX;
  const stateDict = toPyTorchNames(model, model.theta);
  const entries = Object.entries(stateDict).map(([name, { shape, data }]): [string, readonly number[], ArrayLike<number>] => [prefix + name, shape, data]);
  if (head !== null) {
    const O = head.out_features;
    const Y = head.in_features;
    entries.push([`${HEAD_PREFIX}weight`, [O, Y], model.headTheta!.subarray(0, O * Y)]);
    if (head.bias) entries.push([`${HEAD_PREFIX}bias`, [O], model.headTheta!.subarray(O * Y)]);
  }
  const tensors: TensorToWrite[] = entries.map(([name, shape, data]) => ({ name, shape, data: model.dtype === 'float64' ? Float64Array.from(data) : Float32Array.from(data) }));
  const metadata = { format: 'pt', [MODULE_KEY]: module, [ARGS_KEY]: JSON.stringify(args), ...(head === null ? {} : { [HEAD_KEY]: JSON.stringify(head) }) };
  const spec: PyTorchSpec = { module, args, ...(head === null ? {} : { head }) };
  return { tensors: writeSafetensors(tensors, metadata), args: JSON.stringify({ module, ...args, ...(head === null ? {} : { head }) }, null, 2) + '\n', spec };
}
