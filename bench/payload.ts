// The benchmark's realistic agent message body (~600 bytes once in an envelope).
export const CONTENT =
  "Forecast for Oslo, Tuesday: light rain in the morning clearing by noon, 7 to 11 degrees C, " +
  "wind from the south-west at 5 m/s, humidity 82 %. Tomorrow: dry and bright, 9 to 13 degrees C. " +
  "Source: offline forecast table (deterministic, for demos and tests).";
export const METADATA = { city: "Oslo", units: "metric", tool: "get_weather" };

/** What the raw side sends: an object of the same shape and size as the agent envelope. */
export function rawMessage(i: number): Record<string, unknown> {
  return {
    v: 1,
    id: `raw${i.toString().padStart(19, "0")}`,
    type: "request",
    from: "Bench-Requester",
    to: "Bench-Responder",
    content: CONTENT,
    priority: 3,
    metadata: METADATA,
    timestamp: new Date().toISOString(),
    threadId: `raw${i.toString().padStart(19, "0")}`,
    hops: 0,
    replyTo: "agents.response.Bench-Requester.0000000000000000000000",
  };
}
