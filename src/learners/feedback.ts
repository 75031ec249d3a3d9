/**
 * Feedback alignment (Lillicrap, Cownden, Tweed & Akerman 2016) for the learning signal the head
 * sends back. The head ŷ = W·y + b gives every learner its signal through the transpose of W:
 *
 *   q = ∂ℓ/∂y = Wᵀ·∂ℓ/∂ŷ                                        (1)
 *
 * Feedback alignment replaces W in (1) by a fixed matrix B of W's shape (O × Y), drawn once like
 * the head's own weights, so no unit needs to know the head's weights:
 *
 *   q = Bᵀ·∂ℓ/∂ŷ                                                 (2)
 *
 * The head's own gradient ∂ℓ/∂W = ∂ℓ/∂ŷ ⊗ y is unchanged. Every learner reads its signal
 * ∂ℓ_t/∂s_{t+1} from the readout, so the option applies to all of them (Marschall et al. 2020's
 * W_FB, Murray 2019's random feedback in RFLO). With B = W, (2) is (1).
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import { allFinite } from '../tensor/kernels.js';
import { glorotUniform } from '../tensor/init.js';
import { Rng } from '../tensor/rng.js';
import type { OnlineModel } from '../model/online.js';

/**
 * Where the learning signal comes from: 'head' is (1); 'random' is (2) with B drawn from the
 * learner's seed; a matrix is (2) with that B (O × Y row-major, W's layout).
 */
export type Feedback = 'head' | 'random' | ArrayLike<number>;

/** B of eq. (2), or null for the head's own transpose (1). */
export function feedbackMatrix(kind: string, model: OnlineModel, feedback: Feedback, seed: number): Vec | null {
  if (feedback === 'head') return null;
  const { head } = model;
  if (head === null) throw new TypeError(`${kind}: feedback alignment replaces the head's transpose, but this model has no dense head`);
  const B = zeros(model.dtype, head.outputSize * head.inputSize);
  if (feedback === 'random') {
    glorotUniform(B, head.inputSize, head.outputSize, new Rng(seed).split()); // a stream of its own: UORO's signs are untouched
    return B;
  }
  if (typeof feedback !== 'object' || feedback.length !== B.length) throw new RangeError(`${kind}: a feedback matrix must have ${B.length} numbers (the head's ${head.outputSize} × ${head.inputSize}), got ${typeof feedback === 'object' ? feedback.length : String(feedback)}`);
  if (!allFinite(feedback)) throw new RangeError(`${kind}: the feedback matrix contains NaN or Inf`);
  B.set(feedback);
  return B;
}
