/**
 * The protocol's errors. Each has a `name` to switch on and structured fields; the transport adds
 * its own (timeouts, no responders) in lib/transport/errors.ts.
 */

/** A name, token or subject root that cannot be used in a subject. The caller's fault. */
export class InvalidNameError extends Error {
  override readonly name = "InvalidNameError";
  constructor(
    message: string,
    readonly value: string,
  ) {
    super(message);
  }
}

/** An outgoing message larger than the configured limit; nothing was sent. */
export class MessageTooLargeError extends Error {
  override readonly name = "MessageTooLargeError";
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`message is ${bytes} bytes, over the ${limit}-byte limit; nothing was sent`);
  }
}

/** Sending would pass a message on more times than the hop limit allows (an agent loop). */
export class HopLimitError extends Error {
  override readonly name = "HopLimitError";
  constructor(
    readonly hops: number,
    readonly limit: number,
  ) {
    super(`hop limit reached: this would be hop ${hops}, the limit is ${limit} (agent loop?)`);
  }
}

/** An outgoing message that does not match the schema: a programming error in the sender. */
export class InvalidMessageError extends Error {
  override readonly name = "InvalidMessageError";
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}
