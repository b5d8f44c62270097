// The benchmark's side of the IPC with its peer process (./peer.ts): a command, then the peer's
// `ready` answer (which may carry what the command reported).
import type { ChildProcess } from "node:child_process";

/** What the peer answers a command with. */
export interface PeerReady {
  readonly ready: true;
  /** The server (`server_name`) of each connection the command opened, when it opened any. */
  readonly servers?: string[];
}

export function command(child: ChildProcess, c: unknown): Promise<PeerReady> {
  const ready = waitFor<PeerReady>(child, (m) => (m as { ready?: boolean }).ready === true);
  child.send(c as object);
  return ready;
}

export function waitFor<T = unknown>(child: ChildProcess, match: (m: unknown) => boolean): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("benchmark peer did not answer within 120 s")), 120_000);
    const on = (m: unknown) => {
      if (!match(m)) return;
      clearTimeout(timer);
      child.off("message", on);
      resolve(m as T);
    };
    child.on("message", on);
  });
}
