// `switchboard cancel THREAD`: a real child process against a harness server. It publishes the
// thread's stop as the CLI's credential (on {root}.stop.cli, which only people and the CLI may
// use), then prints each task of the thread answered canceled, and only those (a forged answer
// is not counted). The slow agent is a real link, which cancels its task on the stop; a chain of
// agents stopping is the runtime's test.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compose, decodeMessage, encodeMessage, subjects, type AgentMessage } from "../../lib/protocol";
import { startNatsServer, type NatsServerHandle } from "../harness/nats-server";
import { connection, eventually, link } from "../helpers";
import { cliCredential, lines, runCli } from "./cli-process";

let server: NatsServerHandle;
beforeAll(async () => {
  server = await startNatsServer();
  await cliCredential(server);
});
afterAll(() => server.stop());

const s = subjects("agents");

/** Everything under the root, decoded, as a reader that sees all (role cli). */
async function watch(): Promise<{ subject: string; message: AgentMessage }[]> {
  const nc = await connection(server.url, { role: "cli", name: "cancel-observer" });
  const seen: { subject: string; message: AgentMessage }[] = [];
  nc.subscribe("agents.>", {
    callback: (_e, m) => {
      const d = decodeMessage(m.data);
      if (d.ok) seen.push({ subject: m.subject, message: d.message });
    },
  });
  await nc.flush();
  return seen;
}

/**
 * A slow agent (a real link: on the thread's stop it cancels its task and answers "canceled")
 * with a task in flight in a thread of its own. When the stop arrives, Mallory forges a canceled
 * answer in the agent's name to another task of the thread, on a subject in her own name: a CLI
 * that did not check senders would print it as a second canceled task.
 */
async function slowTask(name: string) {
  const seen = await watch();
  await link(server.url, name, {
    handlers: {
      request: (_m, { signal }) => new Promise((_, reject) => signal.addEventListener("abort", reject)),
    },
  });
  const asker = await link(server.url, `${name}-Asker`, { mode: "client" });
  const answered = asker.request(name, "take your time", { timeoutMs: 20_000 }).catch((e: unknown) => e);
  const request = await eventually(() => {
    const r = seen.find((x) => x.message.type === "request" && x.message.to === name)?.message;
    return r?.type === "request" ? r : undefined;
  });
  const mallory = await connection(server.url, { role: "agent", name: "Mallory", runtime: "process" });
  mallory.subscribe(s.wildcards.stops, {
    callback: (_e, m) => {
      const d = decodeMessage(m.data);
      if (!d.ok || d.message.threadId !== request.threadId) return;
      const other = compose("request", request.from, { to: name, content: "", replyTo: "x" });
      const forged = compose(
        "response",
        name,
        {
          to: request.from,
          content: "forged",
          inReplyTo: other.id,
          status: "canceled",
          error: { code: "canceled", message: "forged" },
        },
        { sameHopAs: request },
      );
      mallory.publish(s.response(request.from, other.id, "Mallory"), encodeMessage(forged));
    },
  });
  await mallory.flush();
  return { seen, request, answered };
}

describe("cancel", () => {
  it("publishes the thread's stop as the CLI and prints the task answered canceled, not a forged one", async () => {
    const { seen, request, answered } = await slowTask("Stop-Bot");
    const r = await runCli(server, [
      "cancel",
      request.threadId,
      "--reason",
      "enough for today",
      "--wait",
      "1500",
    ]);
    expect(r.stderr).toContain("1 task answered canceled within 1500 ms");
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    expect(out[0]).toMatch(/agents\.stop\.cli\s+stop\s+cli stopped the thread: enough for today/);
    expect(out.slice(1)).toHaveLength(1);
    expect(out[1]).toMatch(
      /agents\.response\.Stop-Bot-Asker\.\w+\.Stop-Bot\s+response\s+Stop-Bot → Stop-Bot-Asker .*canceled:canceled/,
    );
    expect(r.stdout).not.toContain("forged");

    // Everyone under the root saw the stop, in the CLI's name, for the thread, with the reason.
    const stops = seen.filter((x) => x.message.type === "stop");
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatchObject({
      subject: "agents.stop.cli",
      message: { from: "cli", threadId: request.threadId, content: "enough for today" },
    });
    // And the asker got its answer: canceled.
    expect(String(await answered)).toMatch(/cancel/);
  });

  it("--json gives the stop, then each canceled answer, one object a line", async () => {
    const { request } = await slowTask("Json-Bot");
    const r = await runCli(server, ["cancel", request.threadId, "--json", "--wait", "1500"]);
    expect(r.code).toBe(0);
    const rows = lines(r.stdout).map((l) => JSON.parse(l) as { subject: string; message: AgentMessage });
    expect(rows.map((x) => [x.subject, x.message.type, x.message.threadId])).toEqual([
      ["agents.stop.cli", "stop", request.threadId],
      [`agents.response.Json-Bot-Asker.${request.id}.Json-Bot`, "response", request.threadId],
    ]);
    expect(rows[1]!.message).toMatchObject({ status: "canceled", inReplyTo: request.id });
  });

  it("exits 0 with nothing canceled for a thread where nothing runs, and 2 for a bad thread id", async () => {
    const quiet = await runCli(server, ["cancel", "0000000a00000000000000", "--wait", "200"]);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toContain("0 tasks answered canceled within 200 ms");
    expect(lines(quiet.stdout)).toHaveLength(1);

    const partial = await runCli(server, ["cancel", "abcdef"]);
    expect(partial.code).toBe(2);
    expect(partial.stderr).toContain('"abcdef" is only the end of a thread id');
    const none = await runCli(server, ["cancel"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("missing the THREAD id");
    const wait = await runCli(server, ["cancel", "0000000a00000000000000", "--wait", "soon"]);
    expect(wait.code).toBe(2);
    expect(wait.stderr).toContain("--wait must be a whole number");
  });
});
