/**
 * Parameter initialisers (Keras defaults): Glorot-uniform kernels, orthogonal recurrent
 * kernels, zero biases. Each writes into a caller-given view, drawing from an explicit Rng.
 */
import type { Vec } from './dtype.js';
import type { Rng } from './rng.js';

/** U(−l, l) with l = √(6 / (fanIn + fanOut)) (Glorot & Bengio 2010). */
export function glorotUniform(out: Vec, fanIn: number, fanOut: number, rng: Rng): void {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  for (let i = 0; i < out.length; i++) out[i] = rng.uniformIn(-limit, limit);
}

/** U(−limit, limit) elementwise. */
export function uniform(out: Vec, limit: number, rng: Rng): void {
  for (let i = 0; i < out.length; i++) out[i] = rng.uniformIn(-limit, limit);
}

/**
 * A (rows × cols) row-major matrix with orthonormal rows (rows ≤ cols) or columns
 * (rows > cols), from modified Gram–Schmidt on a Gaussian matrix (Saxe et al. 2014).
 */
export function orthogonal(out: Vec, rows: number, cols: number, rng: Rng): void {
  const tall = rows > cols;
  // Orthonormalise the `count` vectors of length `len`, then lay them out as rows or columns.
  const count = tall ? cols : rows;
  const len = tall ? rows : cols;
  const q = new Float64Array(count * len);
  for (let i = 0; i < q.length; i++) q[i] = rng.normal();
  for (let a = 0; a < count; a++) {
    for (let b = 0; b < a; b++) {
      let d = 0;
      for (let t = 0; t < len; t++) d += q[a * len + t] * q[b * len + t];
      for (let t = 0; t < len; t++) q[a * len + t] -= d * q[b * len + t];
    }
    let n = 0;
    for (let t = 0; t < len; t++) n += q[a * len + t] ** 2;
    n = Math.sqrt(n);
    for (let t = 0; t < len; t++) q[a * len + t] /= n;
  }
  for (let a = 0; a < count; a++) {
    for (let t = 0; t < len; t++) {
      if (tall) out[t * cols + a] = q[a * len + t];
      else out[a * cols + t] = q[a * len + t];
    }
  }
}
