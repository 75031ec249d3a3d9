/**
 * The ONNX protobuf messages (onnx.proto as compiled by the onnx-proto package, protobufjs
 * underneath) and the few helpers both directions need: tensors in and out of TensorProto,
 * attributes by name, int64 fields as numbers. Everything else ONNX is in onnx.ts.
 */
import onnxProto from 'onnx-proto';
import { FormatError } from './safetensors.js';

export const onnx = onnxProto.onnx;
export type ModelProto = onnxProto.onnx.ModelProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type AttributeProto = onnxProto.onnx.IAttributeProto;
export type GraphProto = onnxProto.onnx.IGraphProto;

/** TensorProto.DataType values we read and write. */
export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const DOUBLE = onnx.TensorProto.DataType.DOUBLE;
export const INT64 = onnx.TensorProto.DataType.INT64;

/** protobufjs gives int64 fields as numbers or Long objects; both as a safe integer. */
export function int(value: unknown, where: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'object' && value !== null && 'toNumber' in value ? (value as { toNumber(): number }).toNumber() : NaN;
  if (!Number.isSafeInteger(n)) throw new FormatError(`${where} must be an integer, got ${String(value)}`);
  return n;
}

/** A tensor's shape and values as float64 numbers (FLOAT, DOUBLE or INT64), sizes checked first. */
export function readTensorProto(tensor: TensorProto, where: string): { shape: number[]; data: Float64Array; dataType: number } {
  const shape = (tensor.dims ?? []).map((d, i) => {
    const n = int(d, `${where} dims[${i}]`);
    if (n < 0) throw new FormatError(`${where} dims[${i}] is negative (${n})`);
    return n;
  });
  const size = shape.reduce((a, b) => a * b, 1);
  const dataType = tensor.dataType ?? 0;
  const width = dataType === FLOAT ? 4 : dataType === DOUBLE || dataType === INT64 ? 8 : 0;
  if (width === 0) throw new FormatError(`${where} data_type ${dataType} is not supported (FLOAT, DOUBLE, INT64)`);
  if (tensor.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) throw new FormatError(`${where} keeps its data in an external file, which is not supported`);
  const raw = tensor.rawData;
  let data: Float64Array;
  if (raw !== undefined && raw !== null && raw.length > 0) {
    if (raw.length !== size * width) throw new FormatError(`${where} raw_data has ${raw.length} bytes but shape [${shape.join(', ')}] needs ${size * width}`);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    data = new Float64Array(size);
    for (let i = 0; i < size; i++) data[i] = dataType === FLOAT ? view.getFloat32(4 * i, true) : dataType === DOUBLE ? view.getFloat64(8 * i, true) : Number(view.getBigInt64(8 * i, true));
  } else {
    const values: ArrayLike<unknown> = dataType === FLOAT ? (tensor.floatData ?? []) : dataType === DOUBLE ? (tensor.doubleData ?? []) : (tensor.int64Data ?? []);
    if (values.length !== size) throw new FormatError(`${where} holds ${values.length} values but shape [${shape.join(', ')}] needs ${size}`);
    data = Float64Array.from({ length: size }, (_, i) => (dataType === INT64 ? int(values[i], `${where} value ${i}`) : (values[i] as number)));
  }
  return { shape, data, dataType };
}

/** A TensorProto of `data` (raw little-endian bytes). */
export function tensorProto(name: string, shape: readonly number[], data: ArrayLike<number>, dataType: number): TensorProto {
  const width = dataType === FLOAT ? 4 : 8;
  const bytes = new Uint8Array(width * data.length);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) {
    if (dataType === FLOAT) view.setFloat32(4 * i, data[i]!, true);
    else if (dataType === DOUBLE) view.setFloat64(8 * i, data[i]!, true);
    else view.setBigInt64(8 * i, BigInt(data[i]!), true);
  }
  return { name, dims: [...shape], dataType, rawData: bytes };
}

export function attribute(node: NodeProto, name: string): AttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}
