/**
 * The sparsity pattern of a cell's immediate influence ∂F/∂θ = Σ_k v_k ⊗ u_k, found from the
 * contract alone: S_k, the state entries v_k can touch, and Q_k, the parameters u_k owns, are
 * the entries that combineState(e_k) and addCombinedParams(e_k) make nonzero at PROBES random
 * points (θ + noise, random x and s). The union over points keeps a saturated or dead unit at
 * one point from hiding an entry. Made once, at a learner's construction.
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import { Rng } from '../tensor/rng.js';
import type { Cell } from '../cells/cell.js';

/** Random points probed. */
export const PROBES = 16;

/** For each term k: the state entries v_k can touch (S_k) and the parameters u_k owns (Q_k). */
export function influencePattern(kind: string, core: Cell, theta: Vec): { supports: number[][]; owned: number[][] } {
  const step = core.createStep(1);
  const influence = step.influence!;
  const K = influence.termCount;
  const rng = new Rng(0x5a4a1);
  const touched = Array.from({ length: K }, () => new Set<number>());
  const owner = new Int32Array(core.paramSize).fill(-1);
  const coefficient = zeros(core.dtype, K);
  const v = zeros(core.dtype, core.stateSize);
  const u = zeros(core.dtype, core.paramSize);
  const probeTheta = zeros(core.dtype, core.paramSize);
  const x = zeros(core.dtype, core.inputSize);
  const s = zeros(core.dtype, core.stateSize);
  for (let probe = 0; probe < PROBES; probe++) {
    for (let i = 0; i < probeTheta.length; i++) probeTheta[i] = theta[i]! + rng.normal();
    for (let i = 0; i < x.length; i++) x[i] = rng.normal();
    for (let i = 0; i < s.length; i++) s[i] = rng.normal();
    step.forward(zeros(core.dtype, core.stateSize), x, s, probeTheta);
    for (let k = 0; k < K; k++) {
      coefficient[k] = 1;
      influence.combineState(v, coefficient, probeTheta);
      u.fill(0);
      influence.addCombinedParams(u, coefficient);
      coefficient[k] = 0;
      v.forEach((value, i) => value !== 0 && touched[k]!.add(i));
      u.forEach((value, q) => {
        if (value === 0) return;
        if (owner[q] !== -1 && owner[q] !== k) throw new RangeError(`${kind}: parameter ${q} belongs to influence terms ${owner[q]} and ${k}; the contract needs disjoint u_k`);
        owner[q] = k;
      });
    }
  }
  const unowned = owner.indexOf(-1);
  if (unowned >= 0) throw new RangeError(`${kind}: parameter ${unowned} belongs to no influence term at ${PROBES} random points`);
  const owned = Array.from({ length: K }, () => [] as number[]);
  owner.forEach((k, q) => owned[k]!.push(q));
  return { supports: touched.map((set) => [...set].sort((a, b) => a - b)), owned };
}

export function flatten(lists: number[][]): [Int32Array, Int32Array] {
  const offsets = new Int32Array(lists.length + 1);
  lists.forEach((list, k) => (offsets[k + 1] = offsets[k]! + list.length));
  const flat = new Int32Array(offsets[lists.length]!);
  lists.forEach((list, k) => flat.set(list, offsets[k]!));
  return [flat, offsets];
}

/**
 * The structure of the state Jacobian J = ∂F/∂s, from the contract alone: successors[j] lists
 * the entries i with J[i, j] ≠ 0 (s_j reaches s'_i in one step) at PROBES random points, each
 * row of J one vjp. The points are θ + noise, as above: the pattern is the cell's, whatever θ.
 */
export function jacobianSuccessors(core: Cell, theta: Vec): number[][] {
  const step = core.createStep(1);
  const n = core.stateSize;
  const rng = new Rng(0x5a4a2);
  const successors = Array.from({ length: n }, () => new Set<number>());
  const probeTheta = zeros(core.dtype, core.paramSize);
  const x = zeros(core.dtype, core.inputSize);
  const s = zeros(core.dtype, n);
  const unit = zeros(core.dtype, n);
  const row = zeros(core.dtype, n);
  for (let probe = 0; probe < PROBES; probe++) {
    for (let i = 0; i < probeTheta.length; i++) probeTheta[i] = theta[i]! + rng.normal();
    for (let i = 0; i < x.length; i++) x[i] = rng.normal();
    for (let i = 0; i < n; i++) s[i] = rng.normal();
    step.forward(zeros(core.dtype, n), x, s, probeTheta);
    for (let i = 0; i < n; i++) {
      unit[i] = 1;
      step.vjp(null, row, null, unit, probeTheta); // row i of J
      unit[i] = 0;
      row.forEach((value, j) => value !== 0 && successors[j]!.add(i));
    }
  }
  return successors.map((set) => [...set].sort((a, b) => a - b));
}
