// The CLI's commands over the log (history, tail --since, search) and what the log changes for
// request and creds revoke, as a user runs them: real child processes against a harness server
// whose log for "agents" exists (as after `npm start`).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compose, encodeMessage, type DirectMessage } from "../../lib/protocol";
import { startNatsServer, type NatsServerHandle } from "../harness/nats-server";
import { connection, eventually, link, sleep } from "../helpers";
import { cliCredential, lines, runCli, startCli } from "./cli-process";

let server: NatsServerHandle;
beforeAll(async () => {
  server = await startNatsServer();
  await cliCredential(server);
});
afterAll(() => server.stop());

/** A spoofed direct message: published as `as` (the subject says so), claiming to be from `claims`. */
async function spoof(as: string, to: string, claims: string, content: string, threadId?: string) {
  const nc = await connection(server.url, { role: "cli", name: as });
  const m = compose("direct", claims, { to, content }, threadId === undefined ? {} : { threadId });
  nc.publish(`agents.direct.${to}.${as}`, encodeMessage(m));
  await nc.flush();
  return m;
}

interface JsonLine {
  seq?: number;
  subject: string;
  message?: { id: string; type: string; content: string; threadId: string; from: string };
  dropped?: string;
}
const json = (out: string) => lines(out).map((l) => JSON.parse(l) as JsonLine);

describe("history", () => {
  it("prints a thread's messages in order, shows a spoofed one as dropped, and --json gives seq", async () => {
    await link(server.url, "Hist-Bot", { handlers: { request: (m) => `answer to ${m.content}` } });
    const asker = await link(server.url, "Hist-Asker", { mode: "client" });
    await asker.request("Hist-Bot", "unrelated question");
    const answer = await asker.request("Hist-Bot", "what time is it");
    const thread = answer.threadId;
    await spoof("Mallory", "Hist-Bot", "Hist-Asker", "forged follow-up", thread);
    await sleep(300); // the last messages reach the log

    const r = await runCli(server, ["history", thread]);
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    const question = out.findIndex((l) => /request\s+Hist-Asker → Hist-Bot .*what time is it/.test(l));
    const reply = out.findIndex((l) =>
      /response\s+Hist-Bot → Hist-Asker .*answer to what time is it/.test(l),
    );
    expect(question).toBeGreaterThanOrEqual(0);
    expect(reply).toBeGreaterThan(question);
    expect(r.stdout).not.toContain("unrelated");
    expect(r.stdout).toMatch(/agents\.direct\.Hist-Bot\.Mallory ! dropped spoofed/);
    expect(r.stderr).toMatch(new RegExp(`thread ${thread}: \\d+ messages, 1 dropped`));

    const j = await runCli(server, ["history", thread, "--json"]);
    const rows = json(j.stdout);
    const seqs = rows.map((x) => x.seq!);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(rows.filter((x) => x.message !== undefined).every((x) => x.message!.threadId === thread)).toBe(
      true,
    );
    expect(rows.filter((x) => x.dropped === "spoofed")).toHaveLength(1);
    // The end of the id, as tail prints it, finds the same thread with --since.
    const short = await runCli(server, ["history", thread.slice(-6), "--since", "10m", "--json"]);
    expect(json(short.stdout).map((x) => x.seq)).toEqual(seqs);
  });

  it("exits 1 for a thread the log does not hold, 2 for a short id without --since", async () => {
    const none = await runCli(server, ["history", "0000000a00000000000000"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("switchboard: no message of thread 0000000a00000000000000 in the log");
    const short = await runCli(server, ["history", "abcdef"]);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('"abcdef" is only the end of a thread id: give --since too');
  });

  it("stops at --scan and says so", async () => {
    const asker = await link(server.url, "Scan-Asker", { mode: "client" });
    await link(server.url, "Scan-Bot", { handlers: { request: () => "ok" } });
    const answer = await asker.request("Scan-Bot", "first");
    await sleep(300);
    // The read starts a few minutes before the thread (clocks differ): the first 2 are older ones.
    const r = await runCli(server, ["history", answer.threadId, "--scan", "2"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/stopped after reading 2 messages .*the thread may go on/);
    expect(r.stderr).toContain(`no message of thread ${answer.threadId} in the log so far`);
    const whole = await runCli(server, ["history", answer.threadId]);
    expect(whole.code).toBe(0);
    expect(whole.stderr).not.toContain("stopped");
  });
});

describe("tail --since", () => {
  it("prints the log from then, then goes on live: every message once, in order, filters applied", async () => {
    const sender = await link(server.url, "Since-Sender", { mode: "client" });
    await link(server.url, "Since-Receiver", { handlers: { direct: () => {} } });
    const sent: DirectMessage[] = [];
    for (let i = 0; i < 20; i++) sent.push(sender.sendDirect("Since-Receiver", `before ${i}`));
    sender.sendDirect("Hist-Bot", "not for the receiver");
    await sleep(300);

    const tail = startCli(server, [
      "tail",
      "--since",
      "5m",
      "--json",
      "--type",
      "direct",
      "--agent",
      "Since-Receiver",
    ]);
    // Keep sending while tail reads the log: none may fall between the log and the wire.
    let i = 0;
    while (!tail.stderr().includes("listening on")) {
      sent.push(sender.sendDirect("Since-Receiver", `during ${i++}`));
      await sleep(10);
      if (i > 3_000) throw new Error(`tail did not start: ${tail.stderr()}`);
    }
    for (let k = 0; k < 20; k++) sent.push(sender.sendDirect("Since-Receiver", `after ${k}`));
    const want = sent.map((m) => m.id);
    await eventually(() => want.every((id) => tail.stdout().includes(id)), 10_000).catch(() => {});
    tail.child.kill("SIGINT");
    await tail.exited;

    const printed = json(tail.stdout()).map((x) => x.message!.id);
    expect(printed.filter((id) => want.includes(id))).toEqual(want); // all, once, in order
    expect(printed).toHaveLength(want.length); // and nothing else (the filters)
    expect(tail.stderr()).toMatch(/read \d+ messages from the log since/);
    expect(tail.stderr()).toMatch(new RegExp(`^${want.length} shown`, "m"));
  }, 60_000);

  it("refuses a --since that is neither a span nor a date", async () => {
    const r = await runCli(server, ["tail", "--since", "yesterday"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--since "yesterday" is neither a span back from now');
  });
});

describe("search", () => {
  it("finds text by sender and type, narrowed on the server, and says when it stopped", async () => {
    const a = await link(server.url, "Search-A", { mode: "client" });
    const b = await link(server.url, "Search-B", { mode: "client" });
    await link(server.url, "Search-Target", { handlers: { direct: () => {} } });
    a.sendDirect("Search-Target", "the Purple Walrus is here");
    a.sendDirect("Search-Target", "another purple walrus");
    b.sendDirect("Search-Target", "purple walrus from B");
    a.broadcast("purple walrus for all");
    await sleep(300);

    const all = await runCli(server, ["search", "purple", "walrus", "--json"]);
    expect(all.code).toBe(0);
    // Oldest first as stored; two senders' messages interleave as their outboxes stored them.
    expect(
      json(all.stdout)
        .map((x) => x.message!.content)
        .sort(),
    ).toEqual([
      "another purple walrus",
      "purple walrus for all",
      "purple walrus from B",
      "the Purple Walrus is here",
    ]);
    const seqs = json(all.stdout).map((x) => x.seq!);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    const fromA = await runCli(server, ["search", "walrus", "--from", "Search-A", "--type", "direct"]);
    expect(lines(fromA.stdout)).toHaveLength(2);
    expect(fromA.stderr).toContain("2 found in 2 messages read on agents.direct.*.Search-A");
    const limited = await runCli(server, ["search", "walrus", "--limit", "1"]);
    expect(lines(limited.stdout)).toHaveLength(1);
    expect(limited.stderr).toMatch(/stopped at --limit 1 .*more may follow/);
    const scanned = await runCli(server, ["search", "walrus", "--scan", "1"]);
    expect(scanned.stderr).toMatch(/stopped after reading 1 messages .*before the end/);
    const none = await runCli(server, ["search", "no such walrus anywhere"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("0 found");
    const bad = await runCli(server, ["search", "x", "--type", "heartbeat"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("the log keeps no presence or heartbeats");
  });
});

describe("request to an agent that is away", () => {
  it("says it is queued, waits, and prints the answer when the agent is back", async () => {
    const first = await link(server.url, "Away-Bot", { handlers: { request: () => "early" } });
    await first.close(); // known to the mesh, now away
    const r = startCli(server, ["request", "Away-Bot", "are", "you", "there", "--timeout", "20000"]);
    await eventually(() => r.stderr().includes("queued: Away-Bot is away; waiting up to 20 s"), 10_000);
    await link(server.url, "Away-Bot", { handlers: { request: (m) => `back: ${m.content}` } });
    expect(await r.exited).toBe(0);
    expect(r.stdout()).toBe("back: are you there\n");
  }, 30_000);
});

describe("creds revoke", () => {
  it("removes the name from the mesh's members, so a task to it fails at once", async () => {
    const bot = await link(server.url, "Gone-Bot", { handlers: { request: () => "hi" } });
    await bot.close(); // away, still known
    const r = await runCli(server, ["creds", "revoke", "Gone-Bot"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'the mesh forgot Gone-Bot (1 presence removed from the members stream): a task to it now fails at once with "no agent named Gone-Bot"',
    );
    const t0 = Date.now();
    const asked = await runCli(server, ["request", "Gone-Bot", "hello?", "--timeout", "20000"]);
    expect(asked.code).toBe(1);
    expect(asked.stderr).toMatch(/^switchboard: no agent named Gone-Bot is listening/);
    expect(asked.stderr).not.toContain("queued");
    expect(Date.now() - t0).toBeLessThan(10_000);
  }, 30_000);
});
