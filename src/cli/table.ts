/** Prints rows as an aligned plain-text table (numbers right-aligned). */
export function printTable(headers: string[], rows: Array<Array<string | number>>): void {
  const cells = rows.map((row) => row.map((cell) => String(cell)));
  const widths = headers.map((header, i) => Math.max(header.length, ...cells.map((row) => row[i]?.length ?? 0)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === "number"));
  const line = (row: string[]) => row.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join("  ").trimEnd();
  console.log(line(headers));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of cells) console.log(line(row));
}

export const usd = (value: number | null | undefined): string => (value === null || value === undefined ? "unpriced" : `$${value.toFixed(6)}`);
