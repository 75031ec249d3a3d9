/**
 * A model from tensors already in our layout (the importers' last step): every block the
 * config implies present with its shape (checked before θ is allocated), parameters finite.
 */
import { createModel, type ModelConfig } from '../model/config.js';
import type { Model } from '../model/model.js';
import { FormatError } from './safetensors.js';
import { checkLayout } from './model-format.js';

export function modelFromTensors(config: ModelConfig, tensors: ReadonlyMap<string, { shape: readonly number[]; data: ArrayLike<number> }>, source: string): Model {
  const layout = checkLayout(config, tensors, source);
  const model = createModel(config, { initialize: false });
  for (const block of layout) {
    const data = tensors.get(block.name)!.data;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) throw new FormatError(`${source}: weight for ${block.name} holds ${data[i]} at index ${i} (NaN and Inf are not allowed in parameters)`);
    }
    model.theta.set(data, block.offset);
  }
  return model;
}
