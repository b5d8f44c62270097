/**
 * "Who is online?": one discover message whose answers (each agent's presence) arrive on a
 * private inbox. Registries, dashboards and name checks all ask this way.
 */
import { createInbox, type Msg, type NatsConnection } from "@nats-io/nats-core";
import { compose, encodeMessage, type Subjects } from "../protocol";

/** How long answers are collected; they take milliseconds, this is a generous bound. */
const ANSWER_WINDOW_MS = 5_000;

export function askWhoIsOnline(
  nc: NatsConnection,
  s: Subjects,
  from: string,
  onAnswer: (msg: Msg) => void,
): void {
  const inbox = createInbox();
  const sub = nc.subscribe(inbox, {
    callback: (err, msg) => {
      // The server's "no responders" status means nobody is online: nothing to hand on.
      if (err === null && msg.headers?.code !== 503) onAnswer(msg);
    },
  });
  const timer = setTimeout(() => sub.unsubscribe(), ANSWER_WINDOW_MS);
  (timer as { unref?: () => void }).unref?.(); // never keeps a Node process alive
  nc.publish(s.discover(), encodeMessage(compose("discover", from, { content: "" })), { reply: inbox });
}
