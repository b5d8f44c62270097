/**
 * Protocol-wide limits. The message limit matches `max_payload` in nats-server.conf: the server
 * would refuse a larger publish anyway, so we refuse it first with an error that says why.
 */
export const PROTOCOL_VERSION = 1;

/** Largest encoded message, in bytes (1 MiB, the seed's "Message Size: Default max 1MB"). */
export const MAX_MESSAGE_BYTES = 1_048_576;

/** Default number of times a message may be passed on (handoff, request from a handler...). */
export const DEFAULT_MAX_HOPS = 8;

/** Hard ceiling for the hop field on the wire, whatever a receiver's own limit is. */
export const HOP_CEILING = 255;

/** Deepest JSON nesting accepted in a message (metadata included). */
export const MAX_JSON_DEPTH = 32;

export const DEFAULT_PRIORITY = 3;
