/**
 * Scalar nonlinearities and their derivatives written in terms of the output,
 * which is what the cells keep: σ'(a) = σ(1−σ), tanh'(a) = 1 − tanh².
 */

export function sigmoid(a: number): number {
  // Split by sign so exp never overflows and small outputs keep full relative precision.
  if (a >= 0) return 1 / (1 + Math.exp(-a));
  const e = Math.exp(a);
  return e / (1 + e);
}

/** The derivative of σ given y = σ(a). */
export function sigmoidGrad(y: number): number {
  return y * (1 - y);
}

/** The derivative of tanh given y = tanh(a). */
export function tanhGrad(y: number): number {
  return 1 - y * y;
}

/**
 * The gate nonlinearity of a recurrent cell: the logistic sigmoid (PyTorch, Keras 3),
 * TF.js's and Keras 2's hardSigmoid clip(0.2a + 0.5, 0, 1), or Keras 3's hard_sigmoid
 * relu6(a + 3)/6 = clip(a/6 + 0.5, 0, 1) — different functions with the same name.
 */
export type GateActivation = 'sigmoid' | 'hardSigmoid' | 'hardSigmoidKeras3';

export const GATE_ACTIVATIONS: readonly GateActivation[] = ['sigmoid', 'hardSigmoid', 'hardSigmoidKeras3'];

export interface Activation {
  /** y = f(a). */
  readonly value: (a: number) => number;
  /** f'(a), expressed through a and y = f(a) (whichever is exact for the function). */
  readonly grad: (a: number, y: number) => number;
}

const logistic: Activation = { value: sigmoid, grad: (_a, y) => y * (1 - y) };

// Note: at the kinks the derivative is taken as 0 (outside) — the one-sided choice TF makes.
const hardSigmoidTf: Activation = {
  value: (a) => Math.min(1, Math.max(0, 0.2 * a + 0.5)),
  grad: (a) => (a > -2.5 && a < 2.5 ? 0.2 : 0),
};

const hardSigmoidKeras3: Activation = {
  value: (a) => Math.min(1, Math.max(0, a / 6 + 0.5)),
  grad: (a) => (a > -3 && a < 3 ? 1 / 6 : 0),
};

export function gateActivation(kind: GateActivation): Activation {
  switch (kind) {
    case 'sigmoid':
      return logistic;
    case 'hardSigmoid':
      return hardSigmoidTf;
    case 'hardSigmoidKeras3':
      return hardSigmoidKeras3;
  }
}

/** The candidate/output nonlinearity of an Elman cell. */
export type Nonlinearity = 'tanh' | 'relu' | 'satlin' | 'linear';

export const NONLINEARITIES: readonly Nonlinearity[] = ['tanh', 'relu', 'satlin', 'linear'];

const tanhAct: Activation = { value: Math.tanh, grad: (_a, y) => 1 - y * y };
const reluAct: Activation = { value: (a) => (a > 0 ? a : 0), grad: (a) => (a > 0 ? 1 : 0) };
/** The saturated-linear unit σ(a) = clip(a, 0, 1) of Siegelmann & Sontag. */
const satlinAct: Activation = { value: (a) => (a < 0 ? 0 : a > 1 ? 1 : a), grad: (a) => (a > 0 && a < 1 ? 1 : 0) };
/** The identity (Keras's activation "linear", or None). */
const linearAct: Activation = { value: (a) => a, grad: () => 1 };

export function nonlinearity(kind: Nonlinearity): Activation {
  switch (kind) {
    case 'tanh':
      return tanhAct;
    case 'relu':
      return reluAct;
    case 'satlin':
      return satlinAct;
    case 'linear':
      return linearAct;
  }
}
