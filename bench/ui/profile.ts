// A CPU profile of a page while the publisher sends at a fixed rate (CDP `Profiler`), read as
// self time per function: what the main thread spends its time in, with nothing inferred.
import type { ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import type { CDPSession } from "@playwright/test";

export interface SelfTime {
  readonly fn: string;
  readonly ms: number;
  readonly share: number;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** Profiles `durationMs` of traffic at `rate`; writes the raw profile to `file` when given. */
export async function profileAt(
  cdp: CDPSession,
  pub: ChildProcess,
  rate: number,
  durationMs: number,
  file?: string,
): Promise<{ total_ms: number; top: SelfTime[] }> {
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
  await cdp.send("Profiler.start");
  await new Promise<void>((resolve, reject) => {
    const on = (m: unknown) => {
      const msg = m as { done?: boolean; error?: string };
      if (msg.done || msg.error) {
        pub.off("message", on);
        if (msg.error) reject(new Error(msg.error));
        else resolve();
      }
    };
    pub.on("message", on);
    pub.send({ cmd: "run", rate, durationMs });
  });
  await new Promise((r) => setTimeout(r, 500)); // let the page finish the last frames
  const { profile } = (await cdp.send("Profiler.stop")) as unknown as { profile: CpuProfile };
  await cdp.send("Profiler.disable");
  if (file !== undefined) {
    mkdirSync(new URL(".", `file://${file}`).pathname, { recursive: true });
    writeFileSync(file, JSON.stringify(profile));
  }
  return selfTimes(profile);
}

/** Self time per function (name and place), largest first; idle and GC are listed like others. */
export function selfTimes(profile: CpuProfile, limit = 12): { total_ms: number; top: SelfTime[] } {
  const byNode = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    const node = byNode.get(samples[i]!);
    // A sample's time is the delta to the next one.
    const us = deltas[i + 1] ?? 0;
    if (node === undefined || us <= 0) continue;
    total += us;
    const key = label(node);
    self.set(key, (self.get(key) ?? 0) + us);
  }
  const top = [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([fn, us]) => ({ fn, ms: Math.round(us / 100) / 10, share: Math.round((us / total) * 1000) / 10 }));
  return { total_ms: Math.round(total / 1000), top };
}

function label(n: ProfileNode): string {
  const f = n.callFrame;
  const name = f.functionName === "" ? "(anonymous)" : f.functionName;
  if (f.url === "") return name;
  const file = f.url.replace(/^.*\/_next\/static\/chunks\//, "").replace(/\?.*$/, "");
  return `${name} ${file}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
}

export function printProfile(title: string, p: { total_ms: number; top: SelfTime[] }): void {
  console.log(`\n${title} (${p.total_ms} ms sampled), self time:`);
  for (const t of p.top)
    console.log(`  ${String(t.ms).padStart(8)} ms ${String(t.share).padStart(5)} %  ${t.fn}`);
}
