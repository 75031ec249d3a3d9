/**
 * The state Jacobian J = ∂F/∂s read on a fixed set of entries E — the ones a learner uses — with
 * as few vjps as row colouring allows (colouring.ts; J's pattern probed once, pattern.ts):
 *
 *   r_c = (Σ_{i∈c} e_i)ᵀ·J            one state-only vjp per colour c                (1)
 *   J[i, j] = r_c[j],   (i, j) ∈ E,  i ∈ c                                          (2)
 *
 * (2) is exact because no other row of colour c has a nonzero in a column row i needs. A row
 * needed only on its diagonal comes from the cell's stateJacobianDiagonal when it has one (no
 * vjp). A read costs one vjp per colour and |E| copies; memory |E|. On a diagonal recurrence the
 * colours are as many as a unit has state entries — the LRU's (Re h_i, Im h_i): 2 — whatever n;
 * on a dense J there is one per row, one vjp per state entry as before.
 */
import { zeros, type DType, type Vec } from '../tensor/dtype.js';
import type { DerivedStep } from '../cells/cell.js';
import { colourRows } from './colouring.js';

/** E by rows: row i's entries are the columns columns[rowStart[i] … rowStart[i + 1]). */
export interface JacobianEntries {
  readonly rowStart: Int32Array;
  readonly columns: Int32Array;
}

/** Row i's nonzero columns, from successors[j] (the rows i with J[i, j] ≠ 0). */
function rowPatterns(successors: readonly (readonly number[])[]): number[][] {
  const rows = successors.map(() => [] as number[]);
  successors.forEach((of, j) => of.forEach((i) => rows[i]!.push(j)));
  return rows;
}

/**
 * The entries of the blocks J[S, S] over the supports S, by row: those in J's pattern, or every
 * one when the pattern is not known (successors null).
 */
export function blockEntries(supports: readonly (readonly number[])[], successors: readonly (readonly number[])[] | null, n: number): number[][] {
  const touches = successors === null ? null : rowPatterns(successors).map((row) => new Set(row));
  const needs = Array.from({ length: n }, () => new Set<number>());
  const seen = new Set<string>();
  for (const S of supports) {
    const key = S.join(',');
    if (seen.has(key)) continue; // a unit's terms share their support
    seen.add(key);
    for (const i of S) for (const j of S) if (touches === null || touches[i]!.has(j)) needs[i]!.add(j);
  }
  return needs.map((set) => [...set].sort((a, b) => a - b));
}

export class PatternJacobian implements JacobianEntries {
  readonly rowStart: Int32Array;
  readonly columns: Int32Array;
  /** J on E, in the order of `columns`; filled by `read`. */
  readonly values: Vec;
  /** The rows each vjp reads. */
  readonly colours: readonly Int32Array[];
  /** The rows read from J's diagonal. */
  private readonly diagonalRows: Int32Array;
  /** J's diagonal, the cotangent Σ_{i∈c} e_i and its vjp r_c. */
  private readonly scratch: { diagonal: Vec; unit: Vec; row: Vec };

  /**
   * needs[i]: the columns of row i that are read (ascending); successors: J's pattern by column,
   * or null when unknown (then every row needing more than its diagonal is a colour of its own).
   */
  constructor(
    private readonly step: DerivedStep,
    dtype: DType,
    needs: readonly (readonly number[])[],
    successors: readonly (readonly number[])[] | null,
  ) {
    const n = needs.length;
    this.rowStart = new Int32Array(n + 1);
    needs.forEach((columns, i) => (this.rowStart[i + 1] = this.rowStart[i]! + columns.length));
    this.columns = Int32Array.from(needs.flat());
    this.values = zeros(dtype, this.columns.length);
    const hasDiagonal = step.stateJacobianDiagonal !== undefined;
    const onDiagonal = (i: number) => hasDiagonal && needs[i]!.length === 1 && needs[i]![0] === i;
    const rows = [...Array(n).keys()].filter((i) => needs[i]!.length > 0);
    this.diagonalRows = Int32Array.from(rows.filter(onDiagonal));
    const byVjp = rows.filter((i) => !onDiagonal(i));
    let colours: number[][];
    if (successors === null) colours = byVjp.map((i) => [i]);
    else {
      const touches = rowPatterns(successors);
      colours = colourRows(
        byVjp.map((i) => touches[i]!),
        byVjp.map((i) => needs[i]!),
        n,
      ).map((colour) => colour.map((a) => byVjp[a]!));
    }
    this.colours = colours.map((colour) => Int32Array.from(colour));
    this.scratch = { diagonal: zeros(dtype, this.diagonalRows.length > 0 ? n : 0), unit: zeros(dtype, n), row: zeros(dtype, n) };
  }

  /** Eqs. (1)–(2) at the step's recorded point. */
  read(theta: Vec): void {
    const { rowStart, columns, values } = this;
    const { diagonal, unit, row } = this.scratch;
    if (this.diagonalRows.length > 0) {
      this.step.stateJacobianDiagonal!(diagonal, theta);
      for (let a = 0; a < this.diagonalRows.length; a++) {
        const i = this.diagonalRows[a]!;
        values[rowStart[i]!] = diagonal[i]!;
      }
    }
    for (let c = 0; c < this.colours.length; c++) {
      const colour = this.colours[c]!;
      for (let a = 0; a < colour.length; a++) unit[colour[a]!] = 1;
      this.step.stateVjp(row, unit, theta); // eq. (1)
      for (let a = 0; a < colour.length; a++) {
        const i = colour[a]!;
        unit[i] = 0;
        for (let e = rowStart[i]!; e < rowStart[i + 1]!; e++) values[e] = row[columns[e]!]!; // eq. (2)
      }
    }
  }
}
