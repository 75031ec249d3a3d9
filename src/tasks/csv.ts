/**
 * Numeric columns of a CSV text (RFC 4180: comma-separated, fields optionally in double
 * quotes with "" for a quote, LF or CRLF line ends). The first row is the header. Every
 * problem is a RangeError naming the row and column, so the CLI reports it in one line.
 */

/** The values of `column` (a header name); with no column given, the only column there is. */
export function csvColumn(text: string, column?: string, source = 'CSV'): Float64Array {
  return csvColumns(text, column === undefined ? undefined : [column], source).values;
}

/**
 * The values of several named columns, row-major (rows × names.length); with no names, the
 * only column there is. Every cell must be a finite number.
 */
export function csvColumns(text: string, names?: readonly string[], source = 'CSV'): { columns: string[]; values: Float64Array } {
  const rows = parseCsv(text, source).filter((row) => !(row.length === 1 && row[0]!.trim() === ''));
  if (rows.length === 0) throw new RangeError(`${source} is empty`);
  const header = rows[0]!.map((name) => name.trim());
  let indices: number[];
  if (names === undefined) {
    if (header.length !== 1) throw new RangeError(`${source} has ${header.length} columns (${header.join(', ')}): name one with --column`);
    indices = [0];
  } else {
    indices = names.map((column) => {
      const index = header.indexOf(column);
      if (index < 0) throw new RangeError(`${source} has no column '${column}' (columns: ${header.join(', ')})`);
      return index;
    });
  }
  const width = indices.length;
  const values = new Float64Array((rows.length - 1) * width);
  for (let r = 1; r < rows.length; r++) {
    indices.forEach((index, k) => {
      const name = header[index]!;
      const cell = rows[r]![index];
      if (cell === undefined) throw new RangeError(`${source} row ${r + 1} has no value for column '${name}'`);
      const trimmed = cell.trim();
      const value = Number(trimmed);
      if (trimmed === '' || !Number.isFinite(value)) throw new RangeError(`${source} row ${r + 1}, column '${name}': '${cell}' is not a finite number`);
      values[(r - 1) * width + k] = value;
    });
  }
  if (values.length === 0) throw new RangeError(`${source} has a header but no rows`);
  return { columns: indices.map((index) => header[index]!), values };
}

/** The rows of a CSV text as arrays of raw field strings. */
export function parseCsv(text: string, source = 'CSV'): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      line++;
    } else {
      field += c;
    }
  }
  if (quoted) throw new RangeError(`${source}: a quoted field opened before line ${line} is never closed`);
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
