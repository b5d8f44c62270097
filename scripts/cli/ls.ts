/**
 * `switchboard ls`: who is there. Watches the registry for a moment (one discovery round trip
 * plus whatever presence arrives meanwhile) and prints a table, or the entries with --json.
 */
import { RegistryWatcher, silentLogger } from "../../lib/transport";
import type { RegistryEntry } from "../../lib/registry/reducer";
import { intOption, out, str, type Command } from "./common";
import { connectAs } from "./connect";
import { relativeTime, statusColor, styleFor, table } from "./format";

export const ls: Command = {
  name: "ls",
  summary: "list the agents in the registry (online, busy and recently offline)",
  usage: ["ls [--wait MS]", "  --wait MS   how long to collect discovery answers (default 300)"],
  options: { wait: { type: "string" } },
  takesArguments: false,
  async run(g, values) {
    const waitMs = intOption(str(values, "wait"), "wait", 0, 60_000, "ls") ?? 300;
    const { nc, credential } = await connectAs(g);
    let entries: RegistryEntry[];
    try {
      const watcher = await RegistryWatcher.start({
        connection: nc,
        root: g.root,
        discoveryMs: waitMs,
        observerName: credential.info.name,
        logger: silentLogger,
      });
      entries = Object.values(watcher.state.agents).sort((a, b) => a.agent.name.localeCompare(b.agent.name));
      await watcher.close();
    } finally {
      await nc.close().catch(() => {});
    }
    if (g.json) {
      out(JSON.stringify(entries, null, 2));
      return 0;
    }
    const s = styleFor(process.stdout, g.config.noColor);
    if (entries.length === 0) {
      out(s.dim(`no agents under ${g.root}.> on ${g.nats} (SWITCHBOARD_SUBJECT_ROOT sets the root)`));
      return 0;
    }
    const now = Date.now();
    const rows = entries.map((e) => {
      const seen = relativeTime(e.lastSeenAt, now);
      const why = e.offlineReason === "missed-heartbeats" ? " (missed heartbeats)" : "";
      return [
        s.bold(e.agent.name),
        statusColor(e.status, s),
        e.agent.runtime,
        e.agent.model ?? s.dim("-"),
        e.agent.capabilities.length > 0 ? e.agent.capabilities.join(",") : s.dim("-"),
        `${seen}${why}`,
      ];
    });
    out(table(["NAME", "STATUS", "RUNTIME", "MODEL", "CAPABILITIES", "LAST SEEN"], rows, s));
    const online = entries.filter((e) => e.status !== "offline").length;
    out(s.dim(`${online} online, ${entries.length - online} offline`));
    return 0;
  },
};
