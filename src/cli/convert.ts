/**
 * `online-rnn convert`: a model from one format to another (native, PyTorch, TF.js).
 * The output directory is built under a temporary name and renamed into place, so a failed
 * conversion leaves nothing half-written.
 */
import type { Command } from 'commander';
import { loadAnyModelAsync, saveAnyModel, MODEL_FORMATS, type ModelFormat } from '../io/load.js';
import { runCommand, UsageError } from './errors.js';
import { loadOptions } from './forward.js';
import { ONNX_FORMS, type OnnxForm } from '../io/onnx-export.js';

/** The formats convert writes (Keras 3 files are read only). */
const WRITABLE: readonly ModelFormat[] = MODEL_FORMATS.filter((format) => format !== 'keras');

interface ConvertFlags {
  from?: string;
  to: string;
  config?: string;
  prefix?: string;
  dtype?: string;
  out?: string;
  force?: boolean;
  onnxForm?: string;
}

export function defineConvert(command: Command): void {
  command
    .argument('<input>', 'a native model directory, a PyTorch .safetensors file, a TF.js model.json, an ONNX .onnx or a Keras 3 .keras file')
    .option('--from <format>', `the input's format: ${MODEL_FORMATS.join(', ')} (default: from the path)`)
    .option('--to <format>', `the output's format: ${WRITABLE.join(', ')}`, 'native')
    .option('--config <args.json>', 'PyTorch input: the module and its constructor arguments')
    .option('--prefix <p>', "PyTorch input: strip this prefix from the state_dict's names")
    .option('--dtype <dtype>', "imports: float64 or float32 (default: the file's)")
    .option('--onnx-form <form>', `ONNX output: ${ONNX_FORMS.join(' or ')} (default: primitives for float64 models, which onnxruntime runs in float64; operators for float32)`)
    .requiredOption('--out <dir>', 'the directory to write (must not exist, or be empty, unless --force)')
    .option('--force', 'replace --out if it exists')
    .addHelpText(
      'after',
      `
Outputs:
  native   DIR/config.json, DIR/model.safetensors
  pytorch  DIR/model.safetensors (state_dict, PyTorch's names), DIR/args.json
  tfjs     DIR/model.json, DIR/group1-shard1of1.bin
  onnx     DIR/model.onnx (opset 14, MatMul + Add head), in one of two forms (--onnx-form):
           operators   one LSTM/GRU/RNN operator per layer (onnxruntime runs these in float32 only)
           primitives  each layer a Scan over the cell's step in MatMul-level ops (float64 too;
                       holds LSTM projection and satlin cells; read back through its metadata)

Examples:
  $ online-rnn convert --from pytorch lstm.safetensors --config args.json --out model/
  $ online-rnn convert model/ --to pytorch --out torch/
  $ online-rnn convert keras/model.json --out model/
  $ online-rnn convert model/ --to tfjs --out web/
  $ online-rnn convert model/ --to onnx --out onnx/
  $ online-rnn convert model/ --to onnx --onnx-form operators --out onnx/`,
    )
    .action((input: string, flags: ConvertFlags) =>
      runCommand(async () => {
        if (!(WRITABLE as readonly string[]).includes(flags.to)) {
          throw new UsageError(`--to must be one of ${WRITABLE.join(', ')}, got '${flags.to}'${flags.to === 'keras' ? ' (.keras files are read, not written; Keras reads --to tfjs through tensorflowjs)' : ''}`);
        }
        if (flags.onnxForm !== undefined) {
          if (flags.to !== 'onnx') throw new UsageError(`--onnx-form applies to --to onnx, not to --to ${flags.to}`);
          if (!(ONNX_FORMS as readonly string[]).includes(flags.onnxForm)) throw new UsageError(`--onnx-form must be one of ${ONNX_FORMS.join(', ')}, got '${flags.onnxForm}'`);
        }
        const model = await loadAnyModelAsync(input, loadOptions(flags));
        try {
          saveAnyModel(model, flags.to as ModelFormat, flags.out!, { overwrite: flags.force === true, ...(flags.onnxForm === undefined ? {} : { onnx: { form: flags.onnxForm as OnnxForm } }) });
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code !== undefined) throw new UsageError(`cannot write ${flags.out}: ${code} (${(e as Error).message})`);
          throw e;
        }
      }),
    );
}
