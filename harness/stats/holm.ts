/**
 * Holm's step-down correction for multiple comparisons (S. Holm, "A simple sequentially rejective
 * multiple test procedure", Scandinavian Journal of Statistics 6 (1979) 65–70). It controls the
 * family-wise error rate at α for any dependence between the tests and is uniformly more powerful
 * than Bonferroni.
 */

/**
 * Holm-adjusted p-values, in the input order: with p₍₁₎ ≤ … ≤ p₍m₎, adjusted p₍i₎ =
 * max_{j ≤ i} min(1, (m − j + 1)·p₍j₎). A hypothesis is rejected at α when its adjusted p ≤ α.
 * Null entries (tests that could not be run) are kept null and do not count in m.
 */
export function holmAdjust(pValues: readonly (number | null)[]): (number | null)[] {
  const idx = pValues.map((p, i) => [p, i] as const).filter((x): x is readonly [number, number] => x[0] !== null);
  idx.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const m = idx.length;
  const out: (number | null)[] = pValues.map(() => null);
  let running = 0;
  idx.forEach(([p, i], rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    out[i] = running;
  });
  return out;
}
