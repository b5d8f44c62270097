/**
 * The error vocabulary: every code this implementation puts in a response's `error.code`, typed
 * once, with whose fault it is. The wire schema still accepts any short code (another
 * implementation may send its own); what *we* send is one of these.
 */

export const ERROR_CODES = {
  // the transport (lib/transport): the receiving link refused or lost the task
  hop_limit: "the message was passed on too many times (an agent loop?)",
  no_handler: "the agent does not take this kind of task",
  handler_error: "the agent's handler threw",
  overloaded: "the agent runs as many tasks as it may; try again later",
  canceled: "the task was canceled",
  answer_too_large: "the answer was over the message size limit",
  expired: "the task waited for the agent longer than the delivery TTL or its own timeout, and was not run",
  // the runtime (agents/runtime): the run could not finish
  max_steps: "the agent gave up after its most model turns",
  budget_exceeded: "the task used up its budget of model calls, tokens or wall time",
  bad_budget: "the message's metadata.budget is malformed",
  run_failed: "the run failed for another reason",
  no_agent: "a delegated task went to an agent nobody is listening as",
  timeout: "a delegated task was not answered in time",
  // the model behind the agent (agents/llm)
  llm_unreachable: "the LLM server refused the connection",
  llm_timeout: "the LLM did not answer within its deadline",
  llm_rate_limited: "the LLM server answered 429 too often",
  llm_server_error: "the LLM server answered 5xx",
  llm_bad_response: "the LLM answered something that is not a completion",
  llm_busy: "the agent's model queue is full",
  llm_aborted: "the model call was aborted",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.hasOwn(ERROR_CODES, code);
}
