/** Benchmark output: `figure <name> <value> <unit>` lines (compared run to run), then a table. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function summarize(name: string, values: number[], unit: string, percentiles: number[]): Figure[] {
  return percentiles.map((p) => ({ name: `${name}_p${p}`, value: Math.round(percentile(values, p) * 10) / 10, unit, note: `n=${values.length}` }));
}

/** The `figure` lines, then the table. */
export function report(figures: Figure[]): void {
  for (const figure of figures) console.log(`figure ${figure.name} ${figure.value} ${figure.unit}`);
  printTable(figures);
}

/** A readable table of the figures. */
export function printTable(figures: Figure[]): void {
  if (figures.length === 0) return;
  const width = Math.max(...figures.map((figure) => figure.name.length));
  console.log(`${'figure'.padEnd(width)}  ${'value'.padStart(10)}  unit   note`);
  for (const figure of figures) {
    console.log(`${figure.name.padEnd(width)}  ${String(figure.value).padStart(10)}  ${figure.unit.padEnd(5)}  ${figure.note ?? ''}`);
  }
}
