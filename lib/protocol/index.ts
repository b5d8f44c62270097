/**
 * The wire protocol: subjects, envelope schemas, names, limits and the codec. Pure: it imports
 * nothing from NATS, Node or React, so agents, route handlers and the browser all share it.
 */
export {
  PROTOCOL_VERSION,
  MAX_MESSAGE_BYTES,
  DEFAULT_MAX_HOPS,
  DEFAULT_PRIORITY,
  HOP_CEILING,
  MAX_JSON_DEPTH,
} from "./limits";
export {
  AGENT_NAME_PATTERN,
  DEFAULT_ROOT,
  assertAgentName,
  assertRoot,
  assertToken,
  isAgentName,
  nameProblem,
} from "./names";
export { subjects, type Subjects, type ParsedSubject } from "./subjects";
export { SUBJECT_TYPES, spoofing, subjectMismatch } from "./sender";
export {
  ROLES,
  permissionsFor,
  type ConnectionType,
  type IdentityClaim,
  type Permissions,
  type Role,
} from "./permissions";
export { idTime, newId } from "./ids";
export {
  AgentMetadata,
  AgentName,
  AgentProfile,
  AgentRuntime,
  AgentStatus,
  AGENT_STATUSES,
  ToolInfo,
  UsageWindow,
} from "./agent-metadata";
export {
  BUDGET_DIMENSIONS,
  BUDGET_KEY,
  Budget,
  BudgetLimits,
  RUN_KEY,
  RunReport,
  TokenUsage,
  budgetIn,
  narrow,
  runMetadata,
  runReportIn,
  type BudgetDimension,
} from "./budget";
export { TRACEPARENT, spanId, traceId, traceparent } from "./trace";
export {
  AckMessage,
  AgentMessage,
  CancelMessage,
  StopMessage,
  StreamMessage,
  type TaskMessage,
  AnnouncementMessage,
  DirectMessage,
  DiscoverMessage,
  ErrorInfo,
  HandoffContext,
  HandoffMessage,
  HeartbeatMessage,
  MESSAGE_TYPES,
  MessageId,
  PresenceMessage,
  Priority,
  RequestMessage,
  ResponseMessage,
  ResponseStatus,
  RESPONSE_STATUSES,
  type MessageType,
} from "./envelope";
export { JsonObject, JsonValue, isJsonValue } from "./json";
export { compose, type Cause, type ComposeOptions, type Metadata } from "./compose";
export {
  decodeMessage,
  decodeValue,
  encodeMessage,
  DecodeError,
  REJECT_REASONS,
  type Decoded,
  type RejectReason,
} from "./codec";
export { HopLimitError, InvalidMessageError, InvalidNameError, MessageTooLargeError } from "./errors";
export { ERROR_CODES, isErrorCode, type ErrorCode } from "./error-codes";
export {
  DELIVERY_KINDS,
  LOGGED_KINDS,
  LOG_KIND_OF_TYPE,
  inboxPrefix,
  logFilter,
  logLayout,
  type DeliveryKind,
  type LogLayout,
} from "./log";
