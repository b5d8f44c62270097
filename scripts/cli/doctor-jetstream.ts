/**
 * Doctor's JetStream check, from the server's monitoring endpoint (`/jsz`, no credential needed;
 * the listener is on loopback): is JetStream on, what may it store, and how much room does its
 * store directory's disk have. The memory (issue 11) will need it; today nothing depends on it.
 */
import { statfsSync } from "node:fs";
import { z } from "zod";

export const JETSTREAM_FIX = {
  monitor: "nats-server.conf needs `http: 127.0.0.1:8222` (npm start's has it), or pass --monitor URL",
  off: "nats-server.conf needs a `jetstream { store_dir: ... }` block (npm start's has one)",
  disk: "free disk space where JetStream stores (or lower max_file_store in nats-server.conf)",
} as const;

/** Below this much free disk, the check warns. */
const LOW_DISK_BYTES = 1024 ** 3;

const Jsz = z.object({
  disabled: z.boolean().optional(),
  config: z.object({ max_memory: z.number(), max_storage: z.number(), store_dir: z.string().optional() }),
  memory: z.number(),
  storage: z.number(),
  streams: z.number(),
});

export interface JetStreamResult {
  readonly ok: boolean;
  readonly detail: string;
  readonly fix?: string;
}

export async function checkJetStream(monitorUrl: string, timeoutMs: number): Promise<JetStreamResult> {
  let jsz: z.infer<typeof Jsz>;
  try {
    const res = await fetch(new URL("/jsz", monitorUrl), { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok)
      return { ok: false, detail: `${monitorUrl}/jsz answered ${res.status}`, fix: JETSTREAM_FIX.monitor };
    const parsed = Jsz.safeParse(await res.json());
    if (!parsed.success)
      return { ok: false, detail: `${monitorUrl}/jsz is not nats-server's`, fix: JETSTREAM_FIX.monitor };
    jsz = parsed.data;
  } catch (e) {
    return {
      ok: false,
      detail: `no monitoring endpoint at ${monitorUrl} (${(e as Error).message})`,
      fix: JETSTREAM_FIX.monitor,
    };
  }
  if (jsz.disabled === true || jsz.config.store_dir === undefined)
    return { ok: false, detail: "JetStream is off on this server", fix: JETSTREAM_FIX.off };
  const used = `${bytes(jsz.storage)} of ${bytes(jsz.config.max_storage)} on disk, ${bytes(jsz.memory)} of ${bytes(jsz.config.max_memory)} in memory, ${jsz.streams} streams`;
  const free = freeBytes(jsz.config.store_dir);
  if (free === undefined)
    return { ok: true, detail: `on: ${used} (store on another machine: free space not checked)` };
  const room = jsz.config.max_storage - jsz.storage;
  const detail = `on: ${used}; ${bytes(free)} free at ${jsz.config.store_dir}`;
  if (free < LOW_DISK_BYTES || free < room)
    return { ok: true, detail, fix: `${JETSTREAM_FIX.disk}: the store may grow ${bytes(room)} more` };
  return { ok: true, detail };
}

/** Free bytes on the disk holding `dir` (or its nearest existing parent); undefined if none here. */
function freeBytes(dir: string): number | undefined {
  for (let d = dir; d !== "/" && d !== "."; d = d.slice(0, Math.max(1, d.lastIndexOf("/")))) {
    try {
      const s = statfsSync(d);
      return s.bavail * s.bsize;
    } catch {
      // not there (yet): try its parent
    }
  }
  return undefined;
}

function bytes(n: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 && u > 0 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}
