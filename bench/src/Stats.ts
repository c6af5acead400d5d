/**
 * Order statistics for the benchmark (nearest-rank quantiles, median, min–max). Effect-free: drivers use it too.
 */

/** The value at quantile `q` (0–1) of an ascending sample, by nearest rank; `NaN` for an empty sample. */
export const quantile = (sorted: ArrayLike<number>, q: number): number =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN)

/** An ascending copy of a sample. */
export const sorted = (sample: ReadonlyArray<number>): Float64Array => Float64Array.from(sample).sort()

/** The median of a sample (nearest rank: an observed value, never an average of two). */
export const median = (sample: ReadonlyArray<number>): number => quantile(sorted(sample), 0.5)

/** Median, minimum and maximum of a sample. */
export interface Spread {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly n: number
}

/** The {@link Spread} of a sample (`NaN`s when it is empty). */
export const spread = (sample: ReadonlyArray<number>): Spread => {
  const s = sorted(sample)
  return { median: quantile(s, 0.5), min: s[0] ?? Number.NaN, max: s[s.length - 1] ?? Number.NaN, n: s.length }
}

/** Median, p99 and minimum of latencies in ms, as driver metrics. */
export const latencies = (sample: ReadonlyArray<number>) => {
  const s = sorted(sample)
  return { p50Ms: quantile(s, 0.5), p99Ms: quantile(s, 0.99), minMs: s[0] ?? Number.NaN }
}
