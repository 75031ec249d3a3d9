/**
 * PyTorch models as files: a state_dict saved with safetensors plus the module's constructor
 * arguments (args.json), the two things `torch.nn.LSTM(**args).load_state_dict(...)` needs.
 * See docs/pytorch.md for the export recipe on the PyTorch side.
 *
 *   args.json   {"module": "lstm", "input_size": 3, "hidden_size": 5, "num_layers": 2, …}
 *               or {"module": "lstm", "args": {…}, …} (the reference fixtures' shape; other keys ignored)
 *
 * Our own exports also carry the module and arguments in the safetensors __metadata__
 * ("online-rnn.module", "online-rnn.args"), so they import without args.json.
 * Pure: bytes in, bytes out.
 */
import type { DType } from '../tensor/dtype.js';
import type { Model } from '../model/model.js';
import { fromPyTorch, pytorchArgs, toPyTorchNames, PYTORCH_MODULES, type PyTorchArgs, type PyTorchModule, type StateDict } from './pytorch.js';
import { FormatError, parseSafetensors, readTensor, writeSafetensors, type TensorToWrite } from './safetensors.js';
import { asRecord } from './model-format.js';

export interface PyTorchSpec {
  readonly module: PyTorchModule;
  readonly args: PyTorchArgs;
}

const MODULE_KEY = 'online-rnn.module';
const ARGS_KEY = 'online-rnn.args';

/** args.json's contents: {module, …args} or {module, args: {…}}. */
export function parsePyTorchSpec(value: unknown, source = 'args.json'): PyTorchSpec {
  const spec = asRecord(value, source);
  const { module, args, ...rest } = spec;
  if (typeof module !== 'string' || !(PYTORCH_MODULES as readonly string[]).includes(module)) {
    throw new FormatError(`${source}: "module" must be one of ${PYTORCH_MODULES.join(', ')} (the torch.nn class, lowercase), got ${JSON.stringify(module)}`);
  }
  // With "args", other keys are someone else's (the fixtures keep data beside them).
  if (args !== undefined) {
    return { module: module as PyTorchModule, args: asRecord(args, `${source}: args`) as unknown as PyTorchArgs };
  }
  return { module: module as PyTorchModule, args: rest as unknown as PyTorchArgs };
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
  const prefix = options.prefix ?? '';
  const names = [...file.tensors.keys()].filter((name) => name.startsWith(prefix));
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
  try {
    return fromPyTorch(resolved.module, resolved.args, stateDict, { dtype });
  } catch (e) {
    throw new FormatError(`${source}: ${(e as Error).message}`);
  }
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
  return parsePyTorchSpec({ module, args: parsed }, `${source}: __metadata__`);
}

/** A model as PyTorch files: the state_dict as safetensors (F64 or F32 as the model) and args.json. */
export function exportPyTorch(model: Model): { tensors: Uint8Array; args: string; spec: PyTorchSpec } {
  const { module, args } = pytorchArgs(model);
  const stateDict = toPyTorchNames(model, model.theta);
  const tensors: TensorToWrite[] = Object.entries(stateDict).map(([name, { shape, data }]) => ({
    name,
    shape,
    data: model.dtype === 'float64' ? Float64Array.from(data) : Float32Array.from(data),
  }));
  const metadata = { format: 'pt', [MODULE_KEY]: module, [ARGS_KEY]: JSON.stringify(args) };
  return { tensors: writeSafetensors(tensors, metadata), args: JSON.stringify({ module, ...args }, null, 2) + '\n', spec: { module, args } };
}
