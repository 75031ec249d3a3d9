/**
 * A user's Cell with a sparse recurrence, for the learners that exploit J's structure (SnAp-n):
 * an Elman tanh RNN whose W_hh keeps only a ring, h'_i = tanh(W_ih[i]·x + w_i·h_i + w'_i·h_{i−1} + b_i)
 * (indices mod H), so s_j reaches s'_j and s'_{j+1} in one step and every unit only after H − 1.
 * Built on the RNN cell by mapping its compact θ into the RNN's (the other W_hh entries zero).
 */
import { zeros, type Vec } from '../../src/tensor/dtype.js';
import type { Rng } from '../../src/tensor/rng.js';
import { layoutParams, type Cell, type CellStep, type ImmediateInfluence } from '../../src/cells/cell.js';
import { rnn } from '../../src/cells/rnn.js';

export function ringCell(inputSize: number, hiddenSize: number): Cell {
  const H = hiddenSize;
  const I = inputSize;
  const inner = rnn({ inputSize: I, hiddenSize: H });
  const layout = layoutParams([
    { name: 'weightIh', shape: [H, I] },
    { name: 'ring', shape: [H, 2] },
    { name: 'bias', shape: [H] },
  ]);
  // Where each compact parameter sits in the RNN's θ.
  const fullIndex = new Int32Array(layout.paramSize);
  for (let q = 0; q < H * I; q++) fullIndex[q] = q;
  for (let i = 0; i < H; i++) {
    fullIndex[H * I + 2 * i] = H * I + i * H + i;
    fullIndex[H * I + 2 * i + 1] = H * I + i * H + ((i + H - 1) % H);
    fullIndex[H * I + 2 * H + i] = H * I + H * H + i;
  }
  const expand = (full: Vec, compact: Vec) => {
    full.fill(0);
    for (let q = 0; q < compact.length; q++) full[fullIndex[q]!] = compact[q]!;
  };
  const gatherAdd = (compact: Vec, full: Vec) => {
    for (let q = 0; q < compact.length; q++) compact[q] += full[fullIndex[q]!]!;
  };
  return {
    kind: 'ring',
    dtype: 'float64',
    inputSize: I,
    stateSize: H,
    outputSize: H,
    outputOffset: 0,
    paramSize: layout.paramSize,
    params: layout.params,
    stateParts: [{ name: 'h', offset: 0, size: H }],
    inventory: () => layout.params.map(({ name, shape }) => ({ name, shape })),
    initParams(theta: Vec, rng: Rng) {
      for (let q = 0; q < theta.length; q++) theta[q] = 0.6 * rng.normal();
    },
    createStep(batch = 1): CellStep {
      const step = inner.createStep(batch);
      const theta = zeros('float64', inner.paramSize);
      const scratch = zeros('float64', inner.paramSize);
      const thetaDot = zeros('float64', inner.paramSize);
      const innerInfluence = step.influence!;
      const unit = zeros('float64', H * batch);
      const compact = zeros('float64', layout.paramSize);
      const influence: ImmediateInfluence = {
        termCount: H,
        norms(vNorm, uNorm, compactTheta) {
          expand(theta, compactTheta);
          innerInfluence.norms(vNorm, uNorm, theta);
          for (let k = 0; k < unit.length; k++) {
            unit[k] = 1;
            compact.fill(0);
            this.addCombinedParams(compact, unit);
            unit[k] = 0;
            uNorm[k] = Math.hypot(...compact);
          }
        },
        combineState(sOut, coefficient, compactTheta) {
          expand(theta, compactTheta);
          innerInfluence.combineState(sOut, coefficient, theta);
        },
        addCombinedParams(dTheta, coefficient) {
          scratch.fill(0);
          innerInfluence.addCombinedParams(scratch, coefficient);
          gatherAdd(dTheta, scratch);
        },
      };
      return {
        batch,
        influence,
        forward(sNext, x, s, compactTheta) {
          expand(theta, compactTheta);
          step.forward(sNext, x, s, theta);
        },
        vjp(dX, dS, dTheta, dSNext, compactTheta) {
          expand(theta, compactTheta);
          if (dTheta === null) return step.vjp(dX, dS, null, dSNext, theta);
          scratch.fill(0);
          step.vjp(dX, dS, scratch, dSNext, theta);
          gatherAdd(dTheta, scratch);
        },
        jvp(sNextDot, xDot, sDot, compactThetaDot, compactTheta) {
          expand(theta, compactTheta);
          if (compactThetaDot !== null) expand(thetaDot, compactThetaDot);
          step.jvp(sNextDot, xDot, sDot, compactThetaDot === null ? null : thetaDot, theta);
        },
      };
    },
  };
}
