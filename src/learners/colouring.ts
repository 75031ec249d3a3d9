/**
 * Row colouring for reading a sparse matrix with few products (Curtis, Powell & Reid 1974, "On
 * the estimation of sparse Jacobian matrices", applied to rows: one vjp reads several rows). Row
 * a has its nonzeros in columns T_a and is needed in columns R_a ⊆ T_a. Rows a and b may be read
 * by one product with the cotangent e_a + e_b when neither needs a column the other touches,
 *
 *   R_a ∩ T_b = ∅  and  R_b ∩ T_a = ∅,                                              (1)
 *
 * for then column j ∈ R_a of (e_a + e_b)ᵀ·A is A[a, j] alone (CPR's disjoint columns are the
 * case R = T). Greedy: each row, in order, takes the first colour none of its conflicts holds;
 * a dense matrix gets one colour per row, a diagonal or block-diagonal one as many as its
 * largest block has rows, whatever its size.
 */

/** The colours, each the rows (ascending) read by one product. `touches[a]` and `needs[a]` list columns in [0, width). */
export function colourRows(touches: readonly (readonly number[])[], needs: readonly (readonly number[])[], width: number): number[][] {
  const touchedBy = Array.from({ length: width }, () => [] as number[]);
  const neededBy = Array.from({ length: width }, () => [] as number[]);
  touches.forEach((columns, a) => columns.forEach((j) => touchedBy[j]!.push(a)));
  needs.forEach((columns, a) => columns.forEach((j) => neededBy[j]!.push(a)));
  const colourOf = new Int32Array(touches.length).fill(-1);
  const forbiddenFor = new Int32Array(touches.length).fill(-1); // forbiddenFor[c] = a: colour c conflicts with row a
  const colours: number[][] = [];
  for (let a = 0; a < touches.length; a++) {
    let forbidden = 0;
    // The conflicts of (1), scanned until every existing colour is ruled out.
    const scan = (columns: readonly number[], rowsOf: readonly (readonly number[])[]): void => {
      for (const j of columns) {
        for (const b of rowsOf[j]!) {
          const c = colourOf[b]!;
          if (c >= 0 && forbiddenFor[c] !== a) {
            forbiddenFor[c] = a;
            if (++forbidden === colours.length) return;
          }
        }
      }
    };
    scan(needs[a]!, touchedBy);
    if (forbidden < colours.length) scan(touches[a]!, neededBy);
    let c = 0;
    while (c < colours.length && forbiddenFor[c] === a) c++;
    if (c === colours.length) colours.push([]);
    colours[c]!.push(a);
    colourOf[a] = c;
  }
  return colours;
}
