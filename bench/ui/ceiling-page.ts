// The browser's ceiling, bundled by bench/ui/ceiling.ts with esbuild: the dashboard's own
// connector (lib/transport/connect-browser: `wsconnect` of the same @nats-io/nats-core), one
// subscription to `{root}.>`, and per message one UTF-8 decode and one JSON.parse, nothing else.
// It exposes the same probe as the dashboard (`window.__switchboard`), so the bench measures
// both pages with the same code. It connects as a person, as the dashboard does (a credential
// the bench minted and wrote into the page: a benchmark's shortcut, not the dashboard's way).
import { connectNatsWs } from "../../lib/transport/connect-browser";

interface BenchSettings {
  readonly wsUrl: string;
  readonly root: string;
  /** A person's creds file text (JWT and seed). */
  readonly creds: string;
}

const w = window as unknown as {
  __bench: BenchSettings;
  __switchboard: { received: number; rendered: number; rejected: number; status: string };
};
const probe = { received: 0, rendered: 0, rejected: 0, status: "connecting" };
w.__switchboard = probe;

const utf8 = new TextDecoder();
/** The last parsed message, kept so that nothing can call the parse useless. */
export let parsed: unknown = null;

void (async () => {
  const { wsUrl, root, creds } = w.__bench;
  const nc = await connectNatsWs({
    servers: wsUrl,
    name: "ui-bench-ceiling",
    credentials: { creds: () => creds },
  });
  nc.subscribe(`${root}.>`, {
    callback: (err, msg) => {
      if (err !== null) return;
      try {
        parsed = JSON.parse(utf8.decode(msg.data));
        probe.received++;
      } catch {
        probe.rejected++;
      }
    },
  });
  await nc.flush();
  probe.status = "connected";
})();
