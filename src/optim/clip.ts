/**
 * Gradient-norm clipping (Pascanu et al. 2013): if ‖g‖ > maxNorm, g ← g·maxNorm/‖g‖.
 * Applied by learners to the estimate just before the optimizer, never inside a gradient,
 * so gradient checks stay exact.
 */
import type { Vec } from '../tensor/dtype.js';
import { norm, scale } from '../tensor/kernels.js';

/** Clips g in place and returns its norm before clipping. */
export function clipGradNorm(grad: Vec, maxNorm: number): number {
  const n = norm(grad);
  if (n > maxNorm && n > 0) scale(grad, maxNorm / n);
  return n;
}
