// Number formatting shared by the Markdown table and the chart.

/** Milliseconds with precision that suits their size: 0.42, 4.2, 42, 420. */
export function fmtMs(value: number | null | undefined): string {
  if (value == null || !Number.isFinite(value)) return '-';
  if (value < 10) return value.toFixed(2);
  if (value < 100) return value.toFixed(1);
  return value.toFixed(0);
}

export function fmtRatio(value: number | null | undefined): string {
  return value == null || !Number.isFinite(value) ? '-' : `${value.toFixed(2)}x`;
}

export function fmtRate(value: number | null | undefined): string {
  return value == null || !Number.isFinite(value) ? '-' : String(Math.round(value));
}
