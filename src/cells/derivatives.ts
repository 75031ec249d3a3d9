/**
 * The named entry points of a CellStep (NamedDerivatives in cell.ts) derived from its general
 * `vjp` and `jvp`: a cell writes the two general calls once, callers say which derivative they
 * want. None of them allocates; a cell may override one with a cheaper special case.
 */
import type { Vec } from '../tensor/dtype.js';
import type { CellStep, DerivedStep, ImmediateInfluence, NamedDerivatives } from './cell.js';

/** The named entry points over any object with the general vjp and jvp. */
abstract class NamedFromGeneral implements NamedDerivatives {
  abstract vjp(dX: Vec | null, dS: Vec | null, dTheta: Vec | null, dSNext: Vec, theta: Vec): void;
  abstract jvp(sNextDot: Vec, xDot: Vec | null, sDot: Vec | null, thetaDot: Vec | null, theta: Vec): void;

  stateVjp(dS: Vec, dSNext: Vec, theta: Vec): void {
    this.vjp(null, dS, null, dSNext, theta);
  }

  paramVjp(dTheta: Vec, dSNext: Vec, theta: Vec): void {
    this.vjp(null, null, dTheta, dSNext, theta);
  }

  stateParamVjp(dS: Vec, dTheta: Vec, dSNext: Vec, theta: Vec): void {
    this.vjp(null, dS, dTheta, dSNext, theta);
  }

  inputVjp(dX: Vec, dSNext: Vec, theta: Vec): void {
    this.vjp(dX, null, null, dSNext, theta);
  }

  stateJvp(sNextDot: Vec, sDot: Vec, theta: Vec): void {
    this.jvp(sNextDot, null, sDot, null, theta);
  }

  inputJvp(sNextDot: Vec, xDot: Vec, theta: Vec): void {
    this.jvp(sNextDot, xDot, null, null, theta);
  }
}

/** The base of the built-in steps: a CellStep that has the named entry points itself. */
export abstract class CellStepBase extends NamedFromGeneral implements DerivedStep {
  abstract readonly batch: number;
  readonly influence?: ImmediateInfluence;
  abstract forward(sNext: Vec, x: Vec, s: Vec, theta: Vec): void;
}

/** Another CellStep (a user's) seen through the named entry points: made once, not per call. */
class NamedView extends NamedFromGeneral implements DerivedStep {
  readonly batch: number;
  readonly influence?: ImmediateInfluence;
  readonly stateJacobianDiagonal?: (out: Vec, theta: Vec) => void;

  constructor(private readonly step: CellStep) {
    super();
    this.batch = step.batch;
    if (step.influence !== undefined) this.influence = step.influence;
    if (step.stateJacobianDiagonal !== undefined) this.stateJacobianDiagonal = step.stateJacobianDiagonal.bind(step);
  }
  forward(sNext: Vec, x: Vec, s: Vec, theta: Vec): void {
    this.step.forward(sNext, x, s, theta);
  }
  vjp(dX: Vec | null, dS: Vec | null, dTheta: Vec | null, dSNext: Vec, theta: Vec): void {
    this.step.vjp(dX, dS, dTheta, dSNext, theta);
  }
  jvp(sNextDot: Vec, xDot: Vec | null, sDot: Vec | null, thetaDot: Vec | null, theta: Vec): void {
    this.step.jvp(sNextDot, xDot, sDot, thetaDot, theta);
  }
}

/** `step` itself when it has the named entry points, else a view that adds them. */
export function withNamedDerivatives(step: CellStep): DerivedStep {
  return 'paramVjp' in step ? (step as DerivedStep) : new NamedView(step);
}
