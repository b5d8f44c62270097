// Memory under a long stream of mixed sizes: `totalMb` MB of messages (most small, some up to
// ~900 KB) flow through the dashboard open on #raw, in 10 MB chunks paced at 8 MB/s. After each
// chunk, once the page has taken it all in, the heap is measured after a forced GC (CDP
// `HeapProfiler.collectGarbage` + `Runtime.getHeapUsage`). Flat means: after the first quarter
// (the retention fills), the largest sample is within 20 % of the smallest.
import type { ChildProcess } from "node:child_process";
import type { CDPSession, Page } from "@playwright/test";
import { heapAfterGc, mb, probe, sleep, takeLongTasks } from "./ladder";

export interface MemoryResult {
  sent_mb: number;
  messages: number;
  samples_mb: number[];
  /** Largest over smallest sample after the first quarter of the traffic. */
  flat_ratio: number;
  flat: boolean;
  retained_messages: number;
  max_long_task_ms: number;
}

const CHUNK_MB = 10;
const BYTES_PER_S = 8 * 2 ** 20;

export async function measureMemory(
  page: Page,
  cdp: CDPSession,
  pub: ChildProcess,
  totalMb: number,
): Promise<MemoryResult> {
  console.log(`\nmemory: ${totalMb} MB of mixed messages in ${CHUNK_MB} MB chunks, heap after GC per chunk`);
  await takeLongTasks(page);
  const samples: number[] = [];
  let sentBytes = 0;
  let messages = 0;
  let longest = 0;
  while (sentBytes < totalMb * 2 ** 20) {
    const before = (await probe(page)).received;
    const done = await new Promise<{ sent: number; bytes: number }>((resolve, reject) => {
      const on = (m: unknown) => {
        const msg = m as { done?: boolean; error?: string; sent: number; bytes: number };
        if (msg.done || msg.error) {
          pub.off("message", on);
          if (msg.error) reject(new Error(msg.error));
          else resolve(msg);
        }
      };
      pub.on("message", on);
      pub.send({ cmd: "mixed", bytes: CHUNK_MB * 2 ** 20, bytesPerS: BYTES_PER_S });
    });
    sentBytes += done.bytes;
    messages += done.sent;
    const deadline = performance.now() + 30_000;
    while ((await probe(page)).received - before < done.sent && performance.now() < deadline)
      await sleep(100);
    await sleep(300); // the calm draw after the chunk
    const heap = await heapAfterGc(cdp);
    samples.push(mb(heap));
    longest = Math.max(longest, ...(await takeLongTasks(page)));
    const kept = await page.evaluate(() => {
      const w = window as unknown as { __switchboard?: { rendered: number; retainedBytes?: number } };
      return { count: w.__switchboard?.rendered ?? 0, bytes: w.__switchboard?.retainedBytes ?? 0 };
    });
    const dom = await page.evaluate(() => document.getElementsByTagName("*").length);
    console.log(
      `  ${mb(sentBytes).toFixed(0).padStart(4)} MB sent (${messages} messages): heap after GC ${mb(heap)} MB; ` +
        `retained ${kept.count} messages, ${mb(kept.bytes)} MB by the store's estimate; ${dom} DOM elements`,
    );
  }
  const settled = samples.slice(Math.floor(samples.length / 4));
  const ratio = Math.max(...settled) / Math.min(...settled);
  const p = await probe(page);
  return {
    sent_mb: mb(sentBytes),
    messages,
    samples_mb: samples,
    flat_ratio: Math.round(ratio * 100) / 100,
    flat: ratio <= 1.2,
    retained_messages: p.rendered,
    max_long_task_ms: Math.round(longest),
  };
}
