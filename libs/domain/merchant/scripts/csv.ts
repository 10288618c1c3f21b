/**
 * A small RFC 4180 reader for the pinned reference CSV files: quoted fields may contain commas,
 * doubled quotes and line breaks. It is only used by the table generator and its test, never at
 * run time, so it favours clear failure over speed.
 */
export type CsvRecord = Readonly<Record<string, string>>;

/** Longest file we expect (the MCC copy is ~95 KB); a larger input means a wrong file. */
const CSV_LENGTH_MAX = 1_000_000;

/**
 * Parses CSV text with a header row into records keyed by header name.
 * Throws on malformed input (unterminated quote, ragged row): a broken data file is a bug to fix
 * in the repository, not an outcome to handle.
 */
export function parseCsv(text: string): CsvRecord[] {
  if (text.length > CSV_LENGTH_MAX) {
    throw new Error(`CSV input is ${text.length} characters; the limit is ${CSV_LENGTH_MAX}`);
  }
  const rows = splitRows(text.startsWith('\uFEFF') ? text.slice(1) : text);
  const header = rows.shift();
  if (header === undefined) {
    throw new Error('CSV input has no header row');
  }
  return rows.map((cells, index) => {
    if (cells.length !== header.length) {
      throw new Error(
        `CSV row ${index + 2} has ${cells.length} fields; the header has ${header.length}`,
      );
    }
    return Object.fromEntries(header.map((name, column) => [name, cells[column] ?? '']));
  });
}

function splitRows(text: string): string[][] {
  const rows: string[][] = [];
  let cells: string[] = [];
  let cell = '';
  let inQuotes = false;
  for (let position = 0; position < text.length; position += 1) {
    const character = text[position];
    if (inQuotes) {
      if (character === '"' && text[position + 1] === '"') {
        cell += '"';
        position += 1;
      } else if (character === '"') {
        inQuotes = false;
      } else {
        cell += character;
      }
    } else if (character === '"') {
      inQuotes = true;
    } else if (character === ',') {
      cells.push(cell);
      cell = '';
    } else if (character === '\n' || character === '\r') {
      if (character === '\r' && text[position + 1] === '\n') {
        position += 1;
      }
      cells.push(cell);
      rows.push(cells);
      cells = [];
      cell = '';
    } else {
      cell += character;
    }
  }
  if (inQuotes) {
    throw new Error('CSV input ends inside a quoted field');
  }
  if (cell !== '' || cells.length > 0) {
    cells.push(cell);
    rows.push(cells);
  }
  return rows;
}
