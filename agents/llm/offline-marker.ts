/**
 * How Switchboard's offline model tells itself apart from a real LLM: its model id and a response
 * header. Written here, below both, so the lookup can recognise it without importing it and the
 * offline model (a leaf) imports the marker, not the other way round.
 */
export const OFFLINE_MODEL_ID = "switchboard-offline";
export const OFFLINE_MODEL_HEADER = "x-switchboard-offline-model";
