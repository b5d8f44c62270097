// `npm run drill:outage`: does the running stack lose or repeat messages when nats-server dies?
// Against the server at NATS_URL (npm start's, whose supervisor starts it again), with agent
// credentials minted for a minute from the trust chain in SWITCHBOARD_DATA_DIR (like `creds
// issue`): a throwaway receiver (`Drill-Receiver-xxxx`) and sender, 2,000 numbered direct messages
// at 200/s, nats-server killed with SIGKILL twice (the process listening on NATS_URL's port) and the
// receiver restarted once (scripts/drill/outage.ts). Prints what happened, then one JSON line;
// exits 1 when a message was lost or handled twice, 2 on a bad setting or option.
//
//   npm run drill:outage [-- --messages N --rate PER_SECOND --kills N]
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ConfigError, readConfig } from "../lib/config";
import { IdentityAuthority } from "../lib/identity";
import { shortId } from "./cli/common";
import { killServerAt, runOutageDrill } from "./drill/outage";
import { forgetMemberAt } from "./log";

const MINT_TTL_MS = 10 * 60_000;

/** A bad option: exit 2. */
class OptionError extends Error {
  override readonly name = "OptionError";
}

function whole(text: string | undefined, name: string, min: number, max: number, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new OptionError(`--${name} must be a whole number from ${min} to ${max}, not "${text}"`);
  return n;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { messages: { type: "string" }, rate: { type: "string" }, kills: { type: "string" } },
  });
  const config = readConfig(process.env);
  const messages = whole(values.messages, "messages", 1, 1_000_000, 2_000);
  const rate = whole(values.rate, "rate", 1, 10_000, 200);
  const kills = whole(values.kills, "kills", 0, 10, 2);
  const authority = await IdentityAuthority.open(config.dataDir);
  const root = config.subjectRoot;
  const id = shortId();
  const receiver = `Drill-Receiver-${id}`;
  const say = (line: string) => console.log(`[drill] ${line}`);
  say(`against ${config.natsUrl} (root ${root}); the nats-server there will be killed twice`);
  try {
    const r = await runOutageDrill({
      url: config.natsUrl,
      root,
      receiver,
      sender: `Drill-Sender-${id}`,
      mint: async (name) =>
        (await authority.mint({ role: "agent", name, runtime: "process", root, ttlMs: MINT_TTL_MS })).creds!,
      killServer: async () => {
        const pid = await killServerAt(config.natsUrl);
        say(`killed nats-server (pid ${pid})`);
      },
      messages,
      rate,
      kills,
      log: say,
    });
    const recovery = r.recovered_ms.map((ms) => (ms === null ? "never" : `${ms} ms`)).join(", ");
    say(`${r.delivered} of ${r.sent} delivered, ${r.lost} lost, ${r.duplicates} handled twice`);
    say(
      `${r.duplicates_handled} second copies dropped before the handler, ${r.resent} re-sent by the outbox`,
    );
    say(
      `back after each kill: ${recovery === "" ? "no kills" : recovery}; receiver away ${r.receiver_away_ms} ms`,
    );
    say(`last message delivered ${r.settle_ms} ms after the last send; ${r.elapsed_ms} ms in all`);
    console.log(JSON.stringify(r));
    return r.lost > 0 || r.duplicates > 0 ? 1 : 0;
  } finally {
    // The receiver is throwaway: the mesh should not remember it as an agent that is away.
    await forgetMemberAt(config.natsUrl, authority, root, receiver).catch(() => {});
  }
}

const entry = process.argv[1];
if (entry && realpathSync(entry) === fileURLToPath(import.meta.url)) {
  const code = await main().catch((e: unknown) => {
    console.error(`[drill] ${e instanceof Error ? e.message : String(e)}`);
    return e instanceof ConfigError ||
      e instanceof OptionError ||
      (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
      ? 2
      : 1;
  });
  process.exit(code);
}
