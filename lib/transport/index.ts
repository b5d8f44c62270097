/**
 * The NATS transport: the only layer that imports `@nats-io/*`. Environment-agnostic; pick a
 * connector from ./connect (Node, TCP) or ./connect-browser (WebSocket).
 */
export {
  AgentLink,
  type AgentLinkOptions,
  type HandlerContext,
  type LinkHandlers,
  type LinkStats,
  type Reply,
  type RequestOptions,
  type SendOptions,
} from "./agent-link";
export { RegistryWatcher, type RegistryListener, type RegistryWatcherOptions } from "./registry-watcher";
export { askWhoIsOnline } from "./discovery";
export {
  Tap,
  microtaskScheduler,
  type FlushScheduler,
  type TapBatch,
  type TapOptions,
  type TapRejection,
  type TapStats,
  type TappedMessage,
} from "./tap";
export { withNats, type RunInput, type RunnableAgent, type WithNatsOptions } from "./with-nats";
export {
  AgentResponseError,
  LinkClosedError,
  NoAgentError,
  RequestTimeoutError,
  TaskCanceledError,
} from "./errors";
export { consoleLogger, silentLogger, type Logger } from "./logger";
export type { ConnectOptions } from "./connection-options";
export type { RejectCounts } from "./rejections";
export type { NatsConnection } from "@nats-io/nats-core";
export { LogReader, type LogBounds, type LoggedMessage } from "./log/reader";
export { OutboxFullError, type OutboxStats } from "./log/outbox";
export { ensureLog, forgetMember, replicasFor, DUPLICATE_WINDOW_MS, type LogLimits } from "./log/streams";
export type { MemoryStats } from "./link/memory";
