/**
 * A minimal logger interface so the NATS layer can be quiet in tests, JSON in production and
 * console-based in the browser. Fields are structured; the message is one line.
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function consoleLogger(prefix: string, level: "debug" | "info" | "warn" | "error" = "info"): Logger {
  const order = { debug: 0, info: 1, warn: 2, error: 3 } as const;
  const at = order[level];
  const line =
    (lvl: keyof typeof order, out: (...args: unknown[]) => void) =>
    (message: string, fields?: Record<string, unknown>) => {
      if (order[lvl] < at) return;
      if (fields === undefined || Object.keys(fields).length === 0) out(`[${prefix}] ${message}`);
      else out(`[${prefix}] ${message}`, fields);
    };
  return {
    debug: line("debug", console.debug),
    info: line("info", console.info),
    warn: line("warn", console.warn),
    error: line("error", console.error),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
