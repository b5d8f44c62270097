/**
 * Where a checked message goes: a task to the task server (with the handler for its kind), an
 * answer to the requester, a cancel to the task it names, a discover to presence, a broadcast to
 * the announcement handler. One switch over the envelope's type, so every kind has one route.
 */
import type { AgentMessage } from "../../protocol";
import type { AgentLink } from "../agent-link";
import type { Logger } from "../logger";
import type { LinkHandlers } from "./options";
import type { Presence } from "./presence";
import type { Requester } from "./requester";
import { isPromise, type TaskServer } from "./task-server";

export class Dispatcher {
  constructor(
    private readonly link: AgentLink,
    private readonly h: LinkHandlers,
    private readonly tasks: TaskServer,
    private readonly requester: Requester,
    private readonly presence: Presence,
    private readonly log: Logger,
  ) {}

  dispatch(m: AgentMessage, subject: string): void {
    const h = this.h;
    switch (m.type) {
      case "direct":
        return this.tasks.serve(m, subject, h.direct && ((x, ctx) => h.direct!.call(h, x, ctx)));
      case "request":
        return this.tasks.serve(m, subject, h.request && ((x, ctx) => h.request!.call(h, x, ctx)));
      case "handoff":
        return this.tasks.serve(m, subject, h.handoff && ((x, ctx) => h.handoff!.call(h, x, ctx)));
      case "announcement":
        if (m.from === this.link.name || h.announcement === undefined) return; // our own broadcast, echoed back
        return this.tasks.listen(m, (x, ctx) => h.announcement!.call(h, x, ctx));
      case "stop":
        this.tasks.stopThread(m);
        return;
      case "ack":
      case "stream":
      case "response":
        return this.requester.answer(m, subject);
      case "cancel":
        return this.tasks.cancel(m, subject);
      case "discover":
        return this.presence.answerDiscover();
      case "presence":
      case "heartbeat":
        return; // never routed here: Routes refuses them on our subjects
    }
  }
}

/** Runs a handler that is not a task; a failure (thrown or rejected) is logged, never raised. */
export function invoke(fn: () => unknown, m: AgentMessage, log: Logger): void {
  const failed = (e: unknown) =>
    log.error(
      `handler for ${m.type} ${m.id} from ${m.from} failed: ${e instanceof Error ? e.message : String(e)}`,
    );
  try {
    const out = fn();
    if (isPromise(out)) out.catch(failed);
  } catch (e) {
    failed(e);
  }
}
