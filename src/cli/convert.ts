/**
 * `online-rnn convert`: a model from one format to another (native, PyTorch, TF.js).
 * The output directory is built under a temporary name and renamed into place, so a failed
 * conversion leaves nothing half-written.
 */
import type { Command } from 'commander';
import { loadAnyModelAsync, saveAnyModel, MODEL_FORMATS, type ModelFormat } from '../io/load.js';
import { runCommand, UsageError } from './errors.js';
import { loadOptions } from './forward.js';

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
}

export function defineConvert(command: Command): void {
  command
    .argument('<input>', 'a native model directory, a PyTorch .safetensors file, a TF.js model.json, an ONNX .onnx or a Keras 3 .keras file')
    .option('--from <format>', `the input's format: ${MODEL_FORMATS.join(', ')} (default: from the path)`)
    .option('--to <format>', `the output's format: ${WRITABLE.join(', ')}`, 'native')
    .option('--config <args.json>', 'PyTorch input: the module and its constructor arguments')
    .option('--prefix <p>', "PyTorch input: strip this prefix from the state_dict's names")
    .option('--dtype <dtype>', "imports: float64 or float32 (default: the file's)")
    .requiredOption('--out <dir>', 'the directory to write (must not exist, or be empty, unless --force)')
    .option('--force', 'replace --out if it exists')
    .addHelpText(
      'after',
      `
Outputs:
  native   DIR/config.json, DIR/model.safetensors
  pytorch  DIR/model.safetensors (state_dict, PyTorch's names), DIR/args.json
  tfjs     DIR/model.json, DIR/group1-shard1of1.bin
  onnx     DIR/model.onnx (opset 14: LSTM/GRU/RNN operators, MatMul + Add head)

Examples:
  $ online-rnn convert --from pytorch lstm.safetensors --config args.json --out model/
  $ online-rnn convert model/ --to pytorch --out torch/
  $ online-rnn convert keras/model.json --out model/
  $ online-rnn convert model/ --to tfjs --out web/
  $ online-rnn convert model/ --to onnx --out onnx/`,
    )
    .action((input: string, flags: ConvertFlags) =>
      runCommand(async () => {
        if (!(WRITABLE as readonly string[]).includes(flags.to)) {
          throw new UsageError(`--to must be one of ${WRITABLE.join(', ')}, got '${flags.to}'${flags.to === 'keras' ? ' (.keras files are read, not written; Keras reads --to tfjs through tensorflowjs)' : ''}`);
        }
        const model = await loadAnyModelAsync(input, loadOptions(flags));
        try {
          saveAnyModel(model, flags.to as ModelFormat, flags.out!, { overwrite: flags.force === true });
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code !== undefined) throw new UsageError(`cannot write ${flags.out}: ${code} (${(e as Error).message})`);
          throw e;
        }
      }),
    );
}
