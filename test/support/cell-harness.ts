/**
 * One harness for every Cell (JAX check_grads style): jvp and vjp against central finite
 * differences along random directions, a per-coordinate Jacobian sweep, the adjoint identity
 * ⟨u, J v⟩ = ⟨Jᵀu, v⟩, the structured immediate influence against ∂F/∂θ, and in-place forward.
 * Every check runs in float64 with an explicit seeded Rng.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Cell, CellStep, ImmediateInfluence } from '../../src/cells/cell.js';
import { Rng, randomVector, relativeError, innerProduct, addScaled, unitVector, maxAbsDiff } from './numeric.js';

export interface CellUnderTest {
  readonly cell: Cell;
  readonly theta: Float64Array;
  readonly x: Float64Array;
  readonly s: Float64Array;
  readonly batch: number;
}

/** A random point (θ, x, s) at which to check a cell: initialised θ plus noise so no block is zero. */
export function randomPoint(cell: Cell, batch: number, rng: Rng): CellUnderTest {
  const theta = new Float64Array(cell.paramSize);
  cell.initParams(theta, rng);
  for (let i = 0; i < theta.length; i++) theta[i] += 0.3 * rng.normal();
  return {
    cell,
    theta,
    x: randomVector(batch * cell.inputSize, rng),
    s: randomVector(batch * cell.stateSize, rng, 0.7),
    batch,
  };
}

/** F(x, s; θ) on a fresh step. */
export function evaluate(cell: Cell, theta: Float64Array, x: Float64Array, s: Float64Array, batch: number): Float64Array {
  const out = new Float64Array(batch * cell.stateSize);
  cell.createStep(batch).forward(out, x, s, theta);
  return out;
}

interface Tangent {
  xDot: Float64Array;
  sDot: Float64Array;
  thetaDot: Float64Array;
}

function centralDifference(p: CellUnderTest, t: Tangent, epsilon: number): Float64Array {
  const plus = evaluate(p.cell, addScaled(p.theta, t.thetaDot, epsilon), addScaled(p.x, t.xDot, epsilon), addScaled(p.s, t.sDot, epsilon), p.batch);
  const minus = evaluate(p.cell, addScaled(p.theta, t.thetaDot, -epsilon), addScaled(p.x, t.xDot, -epsilon), addScaled(p.s, t.sDot, -epsilon), p.batch);
  return plus.map((v, i) => (v - minus[i]!) / (2 * epsilon));
}

function analyticJvp(p: CellUnderTest, t: Tangent): Float64Array {
  const step = p.cell.createStep(p.batch);
  step.forward(new Float64Array(p.batch * p.cell.stateSize), p.x, p.s, p.theta);
  const out = new Float64Array(p.batch * p.cell.stateSize);
  step.jvp(out, t.xDot, t.sDot, t.thetaDot, p.theta);
  return out;
}

function analyticVjp(p: CellUnderTest, u: Float64Array): Tangent {
  const step = p.cell.createStep(p.batch);
  step.forward(new Float64Array(p.batch * p.cell.stateSize), p.x, p.s, p.theta);
  const result = {
    xDot: new Float64Array(p.x.length),
    sDot: new Float64Array(p.s.length),
    thetaDot: new Float64Array(p.theta.length),
  };
  step.vjp(result.xDot, result.sDot, result.thetaDot, u, p.theta);
  return result;
}

/** A step recorded at a random point, with its structured influence (the cell must offer one). */
function recordedInfluence(cell: Cell, batch: number, rng: Rng): { p: CellUnderTest; step: CellStep; influence: ImmediateInfluence; K: number } {
  const p = randomPoint(cell, batch, rng);
  const step = p.cell.createStep(batch);
  step.forward(new Float64Array(p.s.length), p.x, p.s, p.theta);
  const influence = step.influence!;
  return { p, step, influence, K: influence.termCount };
}

function randomTangent(p: CellUnderTest, rng: Rng): Tangent {
  return { xDot: randomVector(p.x.length, rng), sDot: randomVector(p.s.length, rng), thetaDot: randomVector(p.theta.length, rng) };
}

function only(p: CellUnderTest, t: Tangent, part: keyof Tangent): Tangent {
  const zero: Tangent = { xDot: new Float64Array(p.x.length), sDot: new Float64Array(p.s.length), thetaDot: new Float64Array(p.theta.length) };
  return { ...zero, [part]: t[part] };
}

function pairing(a: Tangent, b: Tangent): number {
  return innerProduct(a.xDot, b.xDot) + innerProduct(a.sDot, b.sDot) + innerProduct(a.thetaDot, b.thetaDot);
}

export interface HarnessOptions {
  /** Batch rows at the check point. @default 2 */
  batch?: number;
  /** @default 1 */
  seed?: number;
  /** Finite-difference step. @default 1e-6 */
  epsilon?: number;
  /** Relative-error bound for the finite-difference checks. @default 1e-6 */
  tolerance?: number;
  /** Run the per-coordinate sweep (keep sizes tiny). @default true */
  sweep?: boolean;
  /** Whether influence.norms reports exact ‖v_k‖ (a stack reports a layer-local proxy). @default true */
  exactInfluenceNorms?: boolean;
  /** The same cell in float32, to check it agrees with float64 to single precision. */
  float32?: () => Cell;
}

/** Registers the full derivative check suite for one cell variant. */
export function checkCell(name: string, makeCell: () => Cell, options: HarnessOptions = {}): void {
  const batch = options.batch ?? 2;
  const epsilon = options.epsilon ?? 1e-6;
  const tolerance = options.tolerance ?? 1e-6;
  const seed = options.seed ?? 1;

  for (const part of ['xDot', 'sDot', 'thetaDot'] as const) {
    const what = { xDot: 'input', sDot: 'state', thetaDot: 'parameters' }[part];
    test(`${name}: jvp along a random ${what} direction matches central differences`, () => {
      const rng = new Rng(seed);
      const p = randomPoint(makeCell(), batch, rng);
      for (let trial = 0; trial < 3; trial++) {
        const t = only(p, randomTangent(p, rng), part);
        const error = relativeError(analyticJvp(p, t), centralDifference(p, t, epsilon));
        assert.ok(error < tolerance, `relative error ${error.toExponential(2)} ≥ ${tolerance}`);
      }
    });
    test(`${name}: vjp projected on a random ${what} direction matches central differences`, () => {
      const rng = new Rng(seed + 1);
      const p = randomPoint(makeCell(), batch, rng);
      for (let trial = 0; trial < 3; trial++) {
        const u = randomVector(p.batch * p.cell.stateSize, rng);
        const v = only(p, randomTangent(p, rng), part);
        const analytic = pairing(analyticVjp(p, u), v);
        const numeric = innerProduct(u, centralDifference(p, v, epsilon));
        const error = Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric), 1e-8);
        assert.ok(error < tolerance, `⟨vjp(u), v⟩ = ${analytic}, ⟨u, Δ⟩ = ${numeric}, relative error ${error.toExponential(2)}`);
      }
    });
  }

  test(`${name}: adjoint identity ⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩ holds to 1e-12`, () => {
    const rng = new Rng(seed + 2);
    const p = randomPoint(makeCell(), batch, rng);
    for (let trial = 0; trial < 5; trial++) {
      const u = randomVector(p.batch * p.cell.stateSize, rng);
      const v = randomTangent(p, rng);
      const left = innerProduct(u, analyticJvp(p, v));
      const right = pairing(analyticVjp(p, u), v);
      assert.ok(Math.abs(left - right) <= 1e-12 * Math.max(1, Math.abs(left)), `⟨u, Jv⟩ = ${left}, ⟨Jᵀu, v⟩ = ${right}`);
    }
  });

  if (options.sweep ?? true) {
    test(`${name}: every Jacobian entry from jvp and from vjp matches central differences`, () => {
      const rng = new Rng(seed + 3);
      const p = randomPoint(makeCell(), 1, rng);
      const parts = [
        ['xDot', p.x.length],
        ['sDot', p.s.length],
        ['thetaDot', p.theta.length],
      ] as const;
      const outputs = p.cell.stateSize;
      const rowsByVjp = Array.from({ length: outputs }, (_, i) => analyticVjp(p, unitVector(outputs, i)));
      let worst = 0;
      let scale = 1e-8;
      for (const [part, length] of parts) {
        for (let j = 0; j < length; j++) {
          const t = only(p, { xDot: new Float64Array(p.x.length), sDot: new Float64Array(p.s.length), thetaDot: new Float64Array(p.theta.length) }, part);
          t[part] = unitVector(length, j);
          const numeric = centralDifference(p, t, epsilon);
          const forward = analyticJvp(p, t);
          for (let i = 0; i < outputs; i++) {
            const reverse = rowsByVjp[i]![part][j]!;
            worst = Math.max(worst, Math.abs(forward[i]! - numeric[i]!), Math.abs(reverse - numeric[i]!));
            scale = Math.max(scale, Math.abs(numeric[i]!));
          }
        }
      }
      assert.ok(worst / scale < tolerance, `worst entry error ${worst.toExponential(2)} against scale ${scale.toExponential(2)}`);
    });
  }

  test(`${name}: null tangents and skipped outputs give the same results as zeros`, () => {
    const rng = new Rng(seed + 7);
    const p = randomPoint(makeCell(), batch, rng);
    const step = p.cell.createStep(batch);
    const n = p.batch * p.cell.stateSize;
    step.forward(new Float64Array(n), p.x, p.s, p.theta);
    const t = randomTangent(p, rng);
    const zero = (v: Float64Array) => new Float64Array(v.length);
    const withZeros = new Float64Array(n);
    const withNulls = new Float64Array(n);
    step.jvp(withZeros, zero(t.xDot), t.sDot, zero(t.thetaDot), p.theta);
    step.jvp(withNulls, null, t.sDot, null, p.theta);
    assert.equal(maxAbsDiff(withNulls, withZeros), 0);
    step.jvp(withZeros, t.xDot, zero(t.sDot), t.thetaDot, p.theta);
    step.jvp(withNulls, t.xDot, null, t.thetaDot, p.theta);
    assert.equal(maxAbsDiff(withNulls, withZeros), 0);
    const u = randomVector(n, rng);
    const full = { dX: zero(p.x), dS: zero(p.s), dTheta: zero(p.theta) };
    step.vjp(full.dX, full.dS, full.dTheta, u, p.theta);
    const onlyTheta = zero(p.theta);
    step.vjp(null, null, onlyTheta, u, p.theta);
    assert.equal(maxAbsDiff(onlyTheta, full.dTheta), 0);
    const onlyState = zero(p.s);
    step.vjp(null, onlyState, null, u, p.theta);
    assert.equal(maxAbsDiff(onlyState, full.dS), 0);
  });

  test(`${name}: forward may write the new state over the old one`, () => {
    const rng = new Rng(seed + 4);
    const p = randomPoint(makeCell(), batch, rng);
    const expected = evaluate(p.cell, p.theta, p.x, p.s, batch);
    const inPlace = Float64Array.from(p.s);
    p.cell.createStep(batch).forward(inPlace, p.x, inPlace, p.theta);
    assert.deepEqual(inPlace, expected);
  });

  test(`${name}: the output is the declared slice of the new state`, () => {
    const cell = makeCell();
    assert.ok(cell.outputOffset >= 0 && cell.outputOffset + cell.outputSize <= cell.stateSize);
    const total = cell.stateParts.reduce((n, part) => n + part.size, 0);
    assert.ok(total <= cell.stateSize);
  });

  const probe = makeCell().createStep(1);
  if (probe.influence !== undefined) {
    test(`${name}: the structured immediate influence Σ v_k ⊗ u_k equals ∂F/∂θ, with disjoint u_k and the declared norms`, () => {
      const rng = new Rng(seed + 5);
      const { p, influence, K } = recordedInfluence(makeCell(), batch, rng);
      const n = p.cell.stateSize;
      const vNorm = new Float64Array(batch * K);
      const uNorm = new Float64Array(batch * K);
      influence.norms(vNorm, uNorm, p.theta);
      const thetaDot = randomVector(p.theta.length, rng);
      const combined = new Float64Array(p.s.length);
      const owner = new Int32Array(p.theta.length).fill(-1);
      for (let b = 0; b < batch; b++) {
        for (let k = 0; k < K; k++) {
          const e = unitVector(batch * K, b * K + k);
          const v = new Float64Array(p.s.length);
          influence.combineState(v, e, p.theta);
          const u = new Float64Array(p.theta.length);
          influence.addCombinedParams(u, e);
          for (let i = 0; i < v.length; i++) {
            if (Math.floor(i / n) !== b) assert.equal(v[i], 0, `v_${k} of row ${b} leaks into row ${Math.floor(i / n)}`);
          }
          for (let j = 0; j < u.length; j++) {
            if (u[j] === 0) continue;
            if (b === 0) {
              assert.equal(owner[j], -1, `parameter ${j} belongs to terms ${owner[j]} and ${k}`);
              owner[j] = k;
            } else {
              assert.equal(owner[j], k, `parameter ${j} is term ${owner[j]} in row 0 but ${k} in row ${b}`);
            }
          }
          const vn = Math.hypot(...v);
          const un = Math.hypot(...u);
          if (options.exactInfluenceNorms ?? true) {
            assert.ok(Math.abs(vn - vNorm[b * K + k]!) <= 1e-12 * Math.max(1, vn), `‖v_${k}‖ = ${vn}, norms() says ${vNorm[b * K + k]}`);
          } else {
            assert.ok(vNorm[b * K + k]! >= 0 && Number.isFinite(vNorm[b * K + k]!), `norm proxy of term ${k} is ${vNorm[b * K + k]}`);
          }
          assert.ok(Math.abs(un - uNorm[b * K + k]!) <= 1e-12 * Math.max(1, un), `‖u_${k}‖ = ${un}, norms() says ${uNorm[b * K + k]}`);
          const weight = innerProduct(u, thetaDot);
          for (let i = 0; i < v.length; i++) combined[i] += weight * v[i]!;
        }
      }
      const zeroX = new Float64Array(p.x.length);
      const zeroS = new Float64Array(p.s.length);
      const direct = analyticJvp(p, { xDot: zeroX, sDot: zeroS, thetaDot });
      const error = relativeError(combined, direct);
      assert.ok(error < 1e-12, `Σ_k v_k⟨u_k, θ̇⟩ differs from ∂F/∂θ·θ̇ by ${error.toExponential(2)}`);
    });
  }

  if (probe.influence?.projectState !== undefined) {
    test(`${name}: projectState is the adjoint of combineState, and its coefficients give vjp's ∂θ with the norm Σ_k c_k²‖u_k‖²`, () => {
      const rng = new Rng(seed + 7);
      const { p, step, influence, K } = recordedInfluence(makeCell(), batch, rng);
      const coefficient = randomVector(batch * K, rng);
      const cotangent = randomVector(p.s.length, rng);
      const combined = new Float64Array(p.s.length);
      influence.combineState(combined, coefficient, p.theta);
      const projected = new Float64Array(batch * K);
      influence.projectState!(projected, cotangent, p.theta);
      const left = innerProduct(combined, cotangent);
      const right = innerProduct(coefficient, projected);
      assert.ok(Math.abs(left - right) <= 1e-12 * Math.max(1, Math.abs(left)), `⟨Σ c_k v_k, s⟩ = ${left} but ⟨c, projectState(s)⟩ = ${right}`);
      const viaTerms = new Float64Array(p.theta.length);
      influence.addCombinedParams(viaTerms, projected);
      const viaVjp = new Float64Array(p.theta.length);
      step.vjp(null, null, viaVjp, cotangent, p.theta);
      assert.ok(relativeError(viaTerms, viaVjp) < 1e-13, `Σ_k ⟨v_k, s⟩u_k differs from sᵀ∂F/∂θ by ${relativeError(viaTerms, viaVjp).toExponential(2)}`);
      if (batch === 1) {
        const uNorm = new Float64Array(K);
        influence.norms(new Float64Array(K), uNorm, p.theta);
        let sum = 0;
        for (let k = 0; k < K; k++) sum += (projected[k]! * uNorm[k]!) ** 2;
        const direct = innerProduct(viaVjp, viaVjp);
        assert.ok(Math.abs(sum - direct) <= 1e-12 * direct, `Σ_k c_k²‖u_k‖² = ${sum}, ‖sᵀ∂F/∂θ‖² = ${direct}`);
      }
    });
  }

  const makeFloat32 = options.float32;
  if (makeFloat32 !== undefined) {
    test(`${name}: float32 forward agrees with float64 to single precision`, () => {
      const rng = new Rng(seed + 6);
      const p = randomPoint(makeCell(), batch, rng);
      const cell32 = makeFloat32();
      assert.equal(cell32.dtype, 'float32');
      const out32 = new Float32Array(p.s.length);
      cell32.createStep(batch).forward(out32, Float32Array.from(p.x), Float32Array.from(p.s), Float32Array.from(p.theta));
      const out64 = evaluate(p.cell, Float64Array.from(Float32Array.from(p.theta)), Float64Array.from(Float32Array.from(p.x)), Float64Array.from(Float32Array.from(p.s)), batch);
      const error = relativeError(out32, out64);
      assert.ok(error < 1e-5, `float32 differs from float64 by ${error.toExponential(2)}`);
    });
  }
}
