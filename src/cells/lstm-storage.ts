/**
 * Where an LSTM step keeps its recordings: its own buffers (one step), or rows of a window's
 * contiguous buffers (lstm-window.ts), so both run the same LstmStep code.
 */
import { zeros, type Vec } from '../tensor/dtype.js';
import type { LstmCell } from './lstm.js';

/** The recordings a step keeps (B rows each): its own buffers, or views into a window's. */
export interface StepStorage {
  readonly x: Vec; // B×I
  readonly h: Vec; // B×P
  readonly c: Vec; // B×H
  readonly a: Vec; // B×4H
  readonly cNext: Vec; // B×H
  readonly m: Vec; // B×H
  readonly aWork: Vec; // B×4H
  readonly hWork: Vec; // B×P
  /**
   * A step's own storage only: a and aWork as the two halves of one buffer, and h followed by a
   * B×P buffer for ḣ, so the forward and the state jvp read W_hh once, as one product with two
   * rows (LstmStep.forwardWithStateJvp).
   */
  readonly pairs?: { readonly a: Vec; readonly h: Vec; readonly hDot: Vec };
}

/** The recordings by name (the pairs are views over some of them). */
export type RecordingName = Exclude<keyof StepStorage, 'pairs'>;

/** The width of each recording per batch row. */
export function storageWidths(cell: LstmCell): Record<RecordingName, number> {
  const { inputSize: I, hiddenSize: H, outputSize: P } = cell;
  return { x: I, h: P, c: H, a: 4 * H, cNext: H, m: H, aWork: 4 * H, hWork: P };
}

export function ownStorage(cell: LstmCell, batch: number): StepStorage {
  const widths = storageWidths(cell);
  const make = (name: RecordingName) => zeros(cell.dtype, batch * widths[name]);
  const a = zeros(cell.dtype, 2 * batch * widths.a);
  const h = zeros(cell.dtype, 2 * batch * widths.h);
  const half = (pair: Vec, first: boolean) => (first ? pair.subarray(0, pair.length / 2) : pair.subarray(pair.length / 2));
  return {
    x: make('x'),
    h: half(h, true),
    c: make('c'),
    a: half(a, true),
    cNext: make('cNext'),
    m: make('m'),
    aWork: half(a, false),
    hWork: make('hWork'),
    pairs: { a, h, hDot: half(h, false) },
  };
}

/** ∂w_c += the peephole rows' part of Σ_k ∂L/∂a_k·u_k, over `rows` rows of dA (rows×4H), C and CNext (rows×H). */
export function addPeepholeGradient(dPeephole: Vec, dA: Vec, C: Vec, CNext: Vec, rows: number, H: number): void {
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < H; j++) {
      const k = 4 * H * r + j;
      const u = H * r + j;
      dPeephole[j] += dA[k] * C[u];
      dPeephole[H + j] += dA[k + H] * C[u];
      dPeephole[2 * H + j] += dA[k + 3 * H] * CNext[u];
    }
  }
}

/** The transpose of addPeepholeGradient: ȧ += ẇ_c's part, over `rows` rows of aDot (rows×4H), C and CNext (rows×H). */
export function addPeepholeTangent(aDot: Vec, peepholeDot: Vec, C: Vec, CNext: Vec, rows: number, H: number): void {
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < H; j++) {
      const k = 4 * H * r + j;
      const u = H * r + j;
      aDot[k] += peepholeDot[j] * C[u];
      aDot[k + H] += peepholeDot[H + j] * C[u];
      aDot[k + 3 * H] += peepholeDot[2 * H + j] * CNext[u];
    }
  }
}
