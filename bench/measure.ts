// Timing shared by the benchmark's rows.

/** Runs `one` `n` times in a row; the rate per second and the 99th-percentile latency (ms). */
export async function sequential(
  n: number,
  one: (i: number) => Promise<unknown>,
): Promise<{ rate: number; p99: number }> {
  const lat = new Float64Array(n);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await one(i);
    lat[i] = performance.now() - s;
  }
  const took = performance.now() - t0;
  lat.sort();
  return { rate: (n / took) * 1000, p99: lat[Math.floor(n * 0.99)]! };
}
