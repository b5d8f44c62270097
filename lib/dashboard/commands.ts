/**
 * What a person can do from the dashboard: send a direct message, ask (request) and watch the
 * answer stream in, hand a task off and wait for its answer, broadcast, cancel a task, and stop
 * a whole thread (every agent stops its tasks in it: people only, the server enforces it). A
 * reply is a direct message in the thread of the message replied to (`threadId`).
 *
 * All of it goes through one client link: the person is never listed as an agent, sends no
 * presence or heartbeats and serves nothing. The link makes no subscription either: its answers
 * (`{root}.response.{me}.*`) already arrive through the session's tap, which hands them over with
 * `deliver()`, so nothing crosses the socket twice.
 */
import type {
  AgentMessage,
  AnnouncementMessage,
  CancelMessage,
  DirectMessage,
  HandoffContext,
  Priority,
  ResponseMessage,
  StopMessage,
} from "../protocol";
import { AgentLink, consoleLogger, type Logger, type NatsConnection } from "../transport";

/** A command given before the page is connected, or after the session closed. */
export class NotConnectedError extends Error {
  override readonly name = "NotConnectedError";
  constructor() {
    super("not connected to NATS yet");
  }
}

export interface CommandOptions {
  readonly priority?: Priority;
  /** Keep the conversation in this thread (a reply, or a follow-up). */
  readonly threadId?: string;
}

export interface AskOptions extends CommandOptions {
  /** Default 60 s for a request, 120 s for a handoff (it may be handed on again). */
  readonly timeoutMs?: number;
  /** The partial answer so far, each time a piece arrives. */
  readonly onPartial?: (text: string) => void;
  /** Stop waiting; the agent is asked to cancel the task. */
  readonly signal?: AbortSignal;
}

export type HandoffOrder = Partial<HandoffContext> & { readonly task: string };

const REQUEST_TIMEOUT_MS = 60_000;
const HANDOFF_TIMEOUT_MS = 120_000;

export class PersonCommands {
  private link: AgentLink | null = null;
  private closing = false;

  constructor(
    readonly me: string,
    private readonly root: string,
    private readonly logger: Logger = consoleLogger(me, "warn"),
  ) {}

  /** Opens the client link on the session's connection. */
  async attach(connection: NatsConnection): Promise<void> {
    const link = await AgentLink.start({
      connection,
      root: this.root,
      mode: "client",
      inbox: "external",
      agent: { name: this.me, description: "a person using the Switchboard dashboard", runtime: "browser" },
      logger: this.logger,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
    });
    if (this.closing) await link.close();
    else this.link = link;
  }

  get ready(): boolean {
    return this.link !== null;
  }

  send(to: string, text: string, o: CommandOptions = {}): DirectMessage {
    return this.open().sendDirect(to, text, sendOptions(o));
  }

  broadcast(text: string, o: CommandOptions = {}): AnnouncementMessage {
    return this.open().broadcast(text, sendOptions(o));
  }

  /** Resolves with the answer; rejects with the link's errors (NoAgentError, RequestTimeoutError...). */
  request(to: string, text: string, o: AskOptions = {}): Promise<ResponseMessage> {
    try {
      return this.open().request(to, text, askOptions(o, REQUEST_TIMEOUT_MS));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Hands `order` over and resolves with the receiver's answer. `note` replaces the default text. */
  handOff(to: string, order: HandoffOrder, o: AskOptions & { note?: string } = {}): Promise<ResponseMessage> {
    try {
      return this.open().handoffAndWait(to, order, {
        ...askOptions(o, HANDOFF_TIMEOUT_MS),
        ...(o.note === undefined || o.note.trim() === "" ? {} : { content: o.note }),
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Asks `agent` to stop working on task `taskId` (of `threadId`: the cancel shows in the thread). */
  cancel(
    agent: string,
    taskId: string,
    reason = "canceled from the dashboard",
    threadId?: string,
  ): CancelMessage {
    return this.open().cancel(agent, taskId, reason, threadId);
  }

  /**
   * Stops thread `threadId`: every agent stops its tasks in it (each answers "canceled") and
   * refuses the thread's tasks that arrive later. `reason` goes with it, for people to read.
   */
  stopThread(threadId: string, reason = ""): StopMessage {
    return this.open().stopThread(threadId, reason);
  }

  /** A message from the tap; answers to this person's requests reach the link, the rest is ignored. */
  deliver(subject: string, message: AgentMessage): void {
    this.link?.deliver(subject, message);
  }

  async close(): Promise<void> {
    this.closing = true;
    const link = this.link;
    this.link = null;
    await link?.close();
  }

  private open(): AgentLink {
    if (this.link === null) throw new NotConnectedError();
    return this.link;
  }
}

function sendOptions(o: CommandOptions) {
  return {
    ...(o.priority === undefined ? {} : { priority: o.priority }),
    ...(o.threadId === undefined ? {} : { threadId: o.threadId }),
  };
}

function askOptions(o: AskOptions, defaultTimeoutMs: number) {
  let partial = "";
  const onPartial = o.onPartial;
  return {
    ...sendOptions(o),
    timeoutMs: o.timeoutMs ?? defaultTimeoutMs,
    ...(o.signal === undefined ? {} : { signal: o.signal }),
    ...(onPartial === undefined
      ? {}
      : {
          onStream: (chunk: { content: string }) => {
            partial += chunk.content;
            onPartial(partial);
          },
        }),
  };
}
