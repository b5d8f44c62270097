/**
 * "Who is online?": one discover message, published in the asker's name; every agent answers by
 * announcing its presence again on its own presence subject (where the server vouches for the
 * sender). So whoever watches presence (a registry, a dashboard's tap) hears the answers; there
 * is no private inbox to answer on, and nobody can answer in another agent's name.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { compose, encodeMessage, type Subjects } from "../protocol";

export function askWhoIsOnline(nc: NatsConnection, s: Subjects, from: string): void {
  nc.publish(s.discover(from), encodeMessage(compose("discover", from, { content: "" })));
}
