/**
 * The browser's session with the bus (framework-free): the person signs in (a credential for a
 * key pair made in the tab), then one connection, one tap of `{root}.>` feeding the store
 * through a sink, the person's commands over a client link, and the agents this page runs or may
 * stop. components/ binds it to React; lib/store never imports it.
 */
export {
  DashboardSession,
  type ConnectionState,
  type DashboardSessionOptions,
  type DashboardSink,
} from "./session";
export {
  NotConnectedError,
  PersonCommands,
  type AskOptions,
  type CommandOptions,
  type HandoffOrder,
} from "./commands";
export { HistoryCommands, type HistoryCommandsOptions } from "./history-commands";
export { MAX_MATCHES, MAX_SCAN } from "./search";
export { MAX_PAUSE_MS } from "./replay";
export type {
  HistoryPage,
  HistoryStatus,
  LogEntry,
  LogSink,
  ReplayProgress,
  ReplaySpeed,
  SearchProgress,
  SearchQuery,
  ThreadRead,
} from "./log-types";
export { ServerAgents, ServerAgentsError, type ServerAgentsOptions } from "./server-agents";
export { OwnedAgentList, type OwnedAgents, type Owner } from "./owned-agents";
export { frameScheduler } from "./frame-scheduler";
export { personName, renamePerson } from "./person";
export { signInPerson, type SignInOptions } from "./sign-in";
export {
  IdentityClient,
  IdentityError,
  SIGNED_OUT,
  type IdentityClientOptions,
  type IdentityIssuer,
  type IdentityRequest,
  type IssuedJwt,
  type TabRole,
} from "./identity-client";
export { RenewingCredential, type RenewingCredentialOptions } from "./renewing-credential";
export { AGENT_TOOLS, AgentSpec, specProblems, type AgentTemplate } from "./agent-catalog";
