/**
 * Where the weather tool (and so Weather-Bot) gets forecasts. The interface is what a real
 * weather API would implement; `OfflineForecastTable` is the stand-in used here (no internet on
 * these machines): a deterministic table keyed by city and day, labelled as such in every answer.
 */
export interface Forecast {
  readonly city: string;
  readonly date: string; // YYYY-MM-DD
  readonly condition: string;
  readonly lowC: number;
  readonly highC: number;
  readonly windMs: number;
  readonly source: string;
}

export interface ForecastSource {
  forecast(city: string, days: number, signal?: AbortSignal): Promise<Forecast[]>;
}

const CONDITIONS = [
  "sunny",
  "partly cloudy",
  "cloudy",
  "light rain",
  "showers",
  "windy and clear",
  "fog in the morning",
];

export class OfflineForecastTable implements ForecastSource {
  static readonly SOURCE = "Switchboard offline forecast table (deterministic demo data, not real weather)";

  constructor(private readonly today: () => Date = () => new Date()) {}

  async forecast(city: string, days: number): Promise<Forecast[]> {
    const name = city.trim().replace(/\s+/g, " ");
    const start = this.today();
    return Array.from({ length: Math.max(1, Math.min(days, 7)) }, (_, i) => {
      const d = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate() + i));
      const date = d.toISOString().slice(0, 10);
      const h = hash(`${name.toLowerCase()}|${date}`);
      const low = (h % 15) - 2;
      return {
        city: name,
        date,
        condition: CONDITIONS[h % CONDITIONS.length]!,
        lowC: low,
        highC: low + 4 + ((h >>> 4) % 8),
        windMs: 1 + ((h >>> 8) % 12),
        source: OfflineForecastTable.SOURCE,
      };
    });
  }
}

export function describeForecast(f: readonly Forecast[]): string {
  const days = f
    .map((d) => `${d.date}: ${d.condition}, ${d.lowC} to ${d.highC} °C, wind ${d.windMs} m/s`)
    .join("; ");
  return `Forecast for ${f[0]?.city ?? "?"}: ${days}. (Source: ${f[0]?.source ?? "unknown"})`;
}

/** FNV-1a, so the same city and day always give the same weather. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
