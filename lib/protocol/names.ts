/**
 * Agent names and subject tokens.
 *
 * Grammar (also in the README):
 *   agent-name   = alnum *63( alnum / "-" / "_" )        ; 1..64 chars, e.g. "Weather-Bot"
 *   token        = 1*64( alnum / "-" / "_" )            ; message ids and other subject tokens
 *   root         = token *( "." token )                  ; subject root, "agents" by default
 *
 * Names become NATS subject tokens, so anything that could change a subject's meaning is refused:
 * dots (token separators), "*" and ">" (wildcards), whitespace and control characters.
 */
import { InvalidNameError } from "./errors";

export const AGENT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const ROOT_PATTERN = /^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,7}$/;

export const DEFAULT_ROOT = "agents";

/** Explains, in words, what is wrong with a name; `null` when it is valid. */
export function nameProblem(name: unknown, what = "agent name"): string | null {
  if (typeof name !== "string") return `${what} must be a string`;
  if (name.length === 0) return `${what} must not be empty`;
  if (name.length > 64) return `${what} is longer than 64 characters`;
  if (AGENT_NAME_PATTERN.test(name)) return null;
  // The exact reason helps whoever typed it; report the first offending character.
  for (const ch of name) {
    if (ch === ".") return `${what} "${printable(name)}" contains "." (subject token separator)`;
    if (ch === "*" || ch === ">") return `${what} "${printable(name)}" contains wildcard "${ch}"`;
    if (/\s/u.test(ch)) return `${what} "${printable(name)}" contains whitespace`;
    if (/\p{Cc}/u.test(ch)) return `${what} "${printable(name)}" contains a control character`;
  }
  if (!/^[A-Za-z0-9]/.test(name)) return `${what} "${printable(name)}" must start with a letter or digit`;
  return `${what} "${printable(name)}" may only contain letters, digits, "-" and "_"`;
}

export function isAgentName(name: unknown): name is string {
  return typeof name === "string" && AGENT_NAME_PATTERN.test(name);
}

/** Returns the name unchanged, or throws `InvalidNameError` saying what is wrong. */
export function assertAgentName(name: unknown, what = "agent name"): string {
  const problem = nameProblem(name, what);
  if (problem !== null) throw new InvalidNameError(problem, String(name));
  return name as string;
}

export function assertToken(token: unknown, what = "subject token"): string {
  if (typeof token === "string" && TOKEN_PATTERN.test(token)) return token;
  throw new InvalidNameError(
    `${what} "${printable(String(token))}" must be 1-64 letters, digits, "-" or "_"`,
    String(token),
  );
}

export function assertRoot(root: unknown): string {
  if (typeof root === "string" && ROOT_PATTERN.test(root)) return root;
  throw new InvalidNameError(
    `subject root "${printable(String(root))}" must be dot-separated tokens of letters, digits, "-" or "_" (no wildcards)`,
    String(root),
  );
}

/** Escapes control characters so an error message never carries them into a log line. */
function printable(s: string): string {
  const cut = s.length > 80 ? `${s.slice(0, 80)}…` : s;
  return cut.replace(/\p{Cc}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
