// Switchboard's built-in offline model: deterministic rules behind an OpenAI-compatible HTTP API.
export {
  FAILURE_MODES,
  OFFLINE_MODEL_ID,
  isFailureMode,
  startOfflineModel,
  type FailureMode,
  type OfflineModel,
  type OfflineModelOptions,
  type OfflineModelStats,
} from "./server";
export {
  LABEL,
  decide,
  type ChatMessage,
  type ChatRequest,
  type ChatTool,
  type ChatToolCall,
  type Decision,
  type DecidedToolCall,
} from "./rules";
