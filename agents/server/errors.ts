/**
 * What can go wrong on the server side, as a few error classes with a `name`, the fields a caller
 * needs, and a message a person can act on. Only the route boundary (./http.ts `errorResponse`)
 * turns them into HTTP statuses.
 */
import "server-only";

/** The name is taken (online somewhere, run here, or issued to someone else): the caller's to change. */
export class NameTakenError extends Error {
  override readonly name = "NameTakenError";
  constructor(
    readonly agent: string,
    why: string,
  ) {
    super(`${why}; choose another name`);
  }
}

export class UnknownAgentError extends Error {
  override readonly name = "UnknownAgentError";
  constructor(readonly agent: string) {
    super(`this server runs no agent named ${agent}`);
  }
}

/** The server runs as many agents as it may (SERVER_AGENT_LIMIT). */
export class AgentLimitError extends Error {
  override readonly name = "AgentLimitError";
  constructor(readonly limit: number) {
    super(`this server already runs ${limit} agents, its limit (SERVER_AGENT_LIMIT); stop one first`);
  }
}

/** A credential request the server will not grant as asked (bad name or key): the caller's fault. */
export class IdentityRequestError extends Error {
  override readonly name = "IdentityRequestError";
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
  }
}

/** The key was revoked (`switchboard creds revoke`): its holder must make a new key pair. */
export class KeyRevokedError extends Error {
  override readonly name = "KeyRevokedError";
  constructor(readonly publicKey: string) {
    super(`the key ${publicKey.slice(0, 12)}… was revoked; make a new key pair (reload the page)`);
  }
}

/**
 * Something the server needs is not there: NATS does not answer or refuses its credentials, or
 * there is no trust chain to mint with. The installation's fault, not the caller's.
 */
export class ServerUnavailableError extends Error {
  override readonly name = "ServerUnavailableError";
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
  }
}
