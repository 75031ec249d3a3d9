import { zeros, type Vec } from '../tensor/dtype.js';
import { Rng } from '../tensor/rng.js';
import type { Cell } from '../cells/cell.js';

/** Random points probed. */
export const PROBES = 16;

/**
 * The sparsity pattern of a cell's immediate influence ∂F/∂θ = Σ_k v_k ⊗ u_k, found from the
 * contract alone: S_k, the state entries v_k can touch, are the entries combineState(e_k) makes
 * nonzero at PROBES random points (θ + noise, random x and s); Q_k, the parameters u_k owns,
 * come from two addCombinedParams per point — with every coefficient 1 (u = Σ_k u_k) and with
 * coefficient k + 1 on term k (w) — since the u_k are disjoint, w[q]/u[q] = k + 1 names q's
 * owner, and a ratio that is not an integer, or differs between points, means a shared q.
 * O(PROBES·(K·n + p)) rather than one p-sized pass per term. The union over points keeps a
 * saturated or dead unit at one point from hiding an entry. Made once, at a learner's construction.
 */
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
  const w = zeros(core.dtype, core.paramSize);
  const probeTheta = zeros(core.dtype, core.paramSize);
  const x = zeros(core.dtype, core.inputSize);
  const s = zeros(core.dtype, core.stateSize);
  const shared = (q: number, why: string) => new RangeError(`${kind}: parameter ${q} belongs to more than one influence term (${why}); the contract needs disjoint u_k`);
  for (let probe = 0; probe < PROBES; probe++) {
    for (let i = 0; i < probeTheta.length; i++) probeTheta[i] = theta[i]! + rng.normal();
    for (let i = 0; i < x.length; i++) x[i] = rng.normal();
    for (let i = 0; i < s.length; i++) s[i] = rng.normal();
    step.forward(zeros(core.dtype, core.stateSize), x, s, probeTheta);
    for (let k = 0; k < K; k++) {
      coefficient[k] = 1;
      influence.combineState(v, coefficient, probeTheta);
      coefficient[k] = 0;
      for (let i = 0; i < v.length; i++) if (v[i] !== 0) touched[k]!.add(i);
    }
    u.fill(0);
    coefficient.fill(1);
    influence.addCombinedParams(u, coefficient);
    w.fill(0);
    for (let k = 0; k < K; k++) coefficient[k] = k + 1;
    influence.addCombinedParams(w, coefficient);
    coefficient.fill(0);
    for (let q = 0; q < u.length; q++) {
      if (u[q] === 0) {
        if (w[q] !== 0) throw shared(q, 'its terms cancel');
        continue;
      }
      const ratio = w[q]! / u[q]!;
      const k = Math.round(ratio) - 1;
      if (k < 0 || k >= K || Math.abs(ratio - (k + 1)) > 0.25) throw shared(q, `w/u = ${ratio}`);
      if (owner[q] !== -1 && owner[q] !== k) throw shared(q, `terms ${owner[q]} and ${k}`);
      owner[q] = k;
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
