/**
 * The commands that talk: `send` (direct message), `request` (waits for the answer), `handoff`
 * (a task with its context) and `broadcast`. Each runs as a client named by its credential: it
 * sends and hears its own answers, but does not join the registry (see withLink).
 */
import { nameProblem, type Priority } from "../../lib/protocol";
import { AgentResponseError, NoAgentError, RequestTimeoutError } from "../../lib/transport";
import { CliError, intOption, out, seconds, str, UsageError, type Command, type Values } from "./common";
import { withLink } from "./connect";

const priorityOption = { priority: { type: "string" } } as const;

function target(positionals: string[], command: string): string {
  const to = positionals[0];
  if (to === undefined) throw new UsageError("missing the agent to send to", command);
  const problem = nameProblem(to);
  if (problem !== null) throw new UsageError(problem, command);
  return to;
}

function text(words: string[], command: string): string {
  const t = words.join(" ");
  if (t.trim() === "") throw new UsageError("missing the text to send", command);
  return t;
}

function priority(values: Values, command: string): { priority?: Priority } {
  const p = intOption(str(values, "priority"), "priority", 1, 5, command);
  return p === undefined ? {} : { priority: p };
}

export const send: Command = {
  name: "send",
  summary: "send a direct message (starts the agent's run); prints its id",
  usage: ["send AGENT TEXT... [--priority 1-5]"],
  options: priorityOption,
  takesArguments: true,
  async run(g, values, positionals) {
    const to = target(positionals, "send");
    const content = text(positionals.slice(1), "send");
    const options = priority(values, "send");
    const m = await withLink(g, async (link) => link.sendDirect(to, content, options));
    out(g.json ? JSON.stringify(m) : m.id);
    return 0;
  },
};

export const request: Command = {
  name: "request",
  summary: "ask an agent and print its answer",
  usage: ["request AGENT TEXT... [--timeout MS] [--priority 1-5]"],
  options: { ...priorityOption, timeout: { type: "string" } },
  takesArguments: true,
  async run(g, values, positionals) {
    const to = target(positionals, "request");
    const content = text(positionals.slice(1), "request");
    const timeoutMs = intOption(str(values, "timeout"), "timeout", 1, 86_400_000, "request") ?? 30_000;
    // With the log, a known agent that does not acknowledge is away: the request waits for it.
    const onQueued = () =>
      process.stderr.write(`queued: ${to} is away; waiting up to ${seconds(timeoutMs)}\n`);
    const options = { timeoutMs, onQueued, ...priority(values, "request") };
    const answer = await withLink(g, async (link) => {
      try {
        return await link.request(to, content, options);
      } catch (e) {
        if (e instanceof NoAgentError || e instanceof RequestTimeoutError || e instanceof AgentResponseError)
          throw new CliError(e.message);
        throw e;
      }
    });
    out(g.json ? JSON.stringify(answer) : answer.content);
    return 0;
  },
};

export const handoff: Command = {
  name: "handoff",
  summary: "hand a task over to an agent, with what was done and why",
  usage: ["handoff AGENT --task TEXT [--progress TEXT] [--reason TEXT] [--priority 1-5]"],
  options: {
    ...priorityOption,
    task: { type: "string" },
    progress: { type: "string" },
    reason: { type: "string" },
  },
  takesArguments: true,
  async run(g, values, positionals) {
    const to = target(positionals, "handoff");
    if (positionals.length > 1)
      throw new UsageError(`unexpected "${positionals[1]}"; give the task with --task TEXT`, "handoff");
    const task = str(values, "task");
    if (task === undefined || task.trim() === "") throw new UsageError("missing --task TEXT", "handoff");
    const context = { task, progress: str(values, "progress") ?? "", reason: str(values, "reason") ?? "" };
    const options = priority(values, "handoff");
    const m = await withLink(g, async (link) => link.handoff(to, context, options));
    out(g.json ? JSON.stringify(m) : m.id);
    return 0;
  },
};

export const broadcast: Command = {
  name: "broadcast",
  summary: "announce something to every agent; prints its id",
  usage: ["broadcast TEXT... [--priority 1-5]"],
  options: priorityOption,
  takesArguments: true,
  async run(g, values, positionals) {
    const content = text(positionals, "broadcast");
    const options = priority(values, "broadcast");
    const m = await withLink(g, async (link) => link.broadcast(content, options));
    out(g.json ? JSON.stringify(m) : m.id);
    return 0;
  },
};
