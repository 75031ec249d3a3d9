/**
 * Losses of one timestep. Each writes ∂L/∂ŷ and returns L, averaged over the batch rows.
 * Targets are a flat buffer: (batch × outputSize) values for regression, (batch) class
 * indices for cross-entropy.
 */
import type { Vec } from '../tensor/dtype.js';

export interface Loss {
  readonly kind: LossKind;
  /** How many target numbers one batch row needs. */
  targetSize(outputSize: number): number;
  /** L averaged over rows; writes ∂L/∂ŷ into dPrediction unless it is null. */
  evaluate(dPrediction: Vec | null, prediction: Vec, target: ArrayLike<number>, outputSize: number, batch: number): number;
  /** The loss of the best constant (memoryless) prediction is reported by tasks; this is the unit label. */
  readonly unit: string;
}

export type LossKind = 'mse' | 'squaredError' | 'crossEntropy';

/** Mean squared error (PyTorch MSELoss): L = (1/O)·Σ_i (ŷ_i − t_i)². */
export const mse: Loss = {
  kind: 'mse',
  unit: 'mse',
  targetSize: (outputSize) => outputSize,
  evaluate(dPrediction, prediction, target, outputSize, batch) {
    let total = 0;
    const n = outputSize * batch;
    for (let k = 0; k < n; k++) {
      const e = prediction[k]! - target[k]!;
      total += e * e;
      if (dPrediction !== null) dPrediction[k] = (2 * e) / n;
    }
    return total / n;
  },
};

/** Half the squared error, L = ½·Σ_i (ŷ_i − t_i)², whose gradient is the residual ŷ − t. */
export const squaredError: Loss = {
  kind: 'squaredError',
  unit: '½ sq. error',
  targetSize: (outputSize) => outputSize,
  evaluate(dPrediction, prediction, target, outputSize, batch) {
    let total = 0;
    for (let k = 0; k < outputSize * batch; k++) {
      const e = prediction[k]! - target[k]!;
      total += 0.5 * e * e;
      if (dPrediction !== null) dPrediction[k] = e / batch;
    }
    return total / batch;
  },
};

/** Softmax cross-entropy with integer targets, in nats: L = log Σ_j exp ŷ_j − ŷ_t. */
export const crossEntropy: Loss = {
  kind: 'crossEntropy',
  unit: 'nats',
  targetSize: () => 1,
  evaluate(dPrediction, prediction, target, outputSize, batch) {
    let total = 0;
    for (let b = 0; b < batch; b++) {
      const row = b * outputSize;
      const t = target[b]!;
      if (!Number.isInteger(t) || t < 0 || t >= outputSize) {
        throw new RangeError(`crossEntropy: target class ${t} is not an integer in [0, ${outputSize})`);
      }
      let max = -Infinity;
      for (let j = 0; j < outputSize; j++) max = Math.max(max, prediction[row + j]!);
      let sum = 0;
      for (let j = 0; j < outputSize; j++) sum += Math.exp(prediction[row + j]! - max);
      const logSum = max + Math.log(sum);
      total += logSum - prediction[row + t]!;
      if (dPrediction !== null) {
        for (let j = 0; j < outputSize; j++) dPrediction[row + j] = (Math.exp(prediction[row + j]! - logSum) - (j === t ? 1 : 0)) / batch;
      }
    }
    return total / batch;
  },
};
