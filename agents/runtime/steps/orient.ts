/**
 * Orient: turn the observation into a prompt. The system prompt states who the agent is, its
 * capabilities and the roster of online agents in a fixed line format
 * (`- NAME [cap, cap]: description`) that both models and the offline model can read.
 */
import type { AgentDefinition } from "../definition";
import type { ChatMessage } from "../../llm/model";
import type { Observation } from "./observe";

/** What an agent answers to a broadcast it has nothing to add to. */
export const NOTHING = "NOTHING";

export function orient(agent: AgentDefinition, o: Observation): ChatMessage[] {
  const roster =
    o.peers.length === 0
      ? "No other agents are online."
      : o.peers.map((p) => `- ${p.name} [${p.capabilities.join(", ")}]: ${p.description}`).join("\n");
  const system = [
    `You are ${agent.name}. ${agent.description}`,
    agent.instructions,
    `Your capabilities: ${agent.capabilities.join(", ") || "general"}`,
    "",
    "You work with other agents over a message bus. Agents online:",
    roster,
    "",
    "Use your tools when they help. To pass a task to an agent better suited for it, call the `handoff` tool " +
      "with what was asked, what you did so far and why; do not just say you will hand it over. " +
      "To ask another agent a question and use its answer, call `request_agent`.",
    `When a message is a broadcast and you have nothing useful to add, answer exactly ${NOTHING}.`,
  ].join("\n");
  return [{ role: "system", content: system }, ...o.history, { role: "user", content: framing(o) }];
}

/** The incoming message as the model should read it. */
export function framing(o: Observation): string {
  const m = o.message;
  switch (m.type) {
    case "announcement":
      return `[broadcast from ${m.from}] ${m.content}`;
    case "handoff": {
      const h = m.handoff;
      return [
        `${m.from} handed this task over to you.`,
        `Task: ${h.task}`,
        h.progress === "" ? "" : `Done so far: ${h.progress}`,
        h.reason === "" ? "" : `Why you: ${h.reason}`,
        Object.keys(h.data).length === 0 ? "" : `Data: ${JSON.stringify(h.data)}`,
      ]
        .filter((l) => l !== "")
        .join("\n");
    }
    default:
      return m.content;
  }
}
