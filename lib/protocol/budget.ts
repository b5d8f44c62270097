/**
 * Budgets and run reports, as they travel in a message's `metadata`.
 *
 *   metadata.budget  on a task (direct, request, handoff) or broadcast: what is left of the
 *                    thread's budget for the run it starts. A sender can only narrow a receiver's
 *                    own limits (the receiver takes the smaller of the two), never widen them, so
 *                    an untrusted sender cannot buy a runaway. A task made inside a run carries
 *                    what that run has left: the budget travels down the whole delegation chain.
 *   metadata.run     on a response: what the run that produced it cost (model calls, tokens,
 *                    wall time, tools, delegations) and what was left of its budget. The
 *                    delegator charges the `spent` figures to its own budget; the dashboard draws
 *                    its timeline from them. Reported by the responder: a figure to show and to
 *                    charge, not a proof (a lying peer is still bounded by the budget it was given).
 *
 * Both are read with `safeParse`: a malformed value is the sender's error, never an exception.
 */
import { z } from "zod";
import { AgentName } from "./agent-metadata";
import type { JsonObject, JsonValue } from "./json";

export const BUDGET_KEY = "budget";
export const RUN_KEY = "run";

/** The three dimensions a budget limits. */
export const BUDGET_DIMENSIONS = ["modelCalls", "tokens", "wallMs"] as const;
export type BudgetDimension = (typeof BUDGET_DIMENSIONS)[number];

const count = (max: number) => z.int().min(0).max(max);

/** A budget: how many model calls, tokens (in + out) and milliseconds a run may still use. */
export const Budget = z
  .object({
    modelCalls: count(100_000),
    tokens: count(1_000_000_000),
    wallMs: count(86_400_000),
  })
  .strict();
export type Budget = z.infer<typeof Budget>;

/** What a message may carry: any subset (a missing dimension is not narrowed). */
export const BudgetLimits = Budget.partial().strict();
export type BudgetLimits = z.infer<typeof BudgetLimits>;

/** Tokens a run used: as the model server reported them, or estimated (and marked so). */
export const TokenUsage = z.object({
  in: count(1_000_000_000),
  out: count(1_000_000_000),
  /** True when at least one call's figures were estimated from text length (no usage reported). */
  estimated: z.boolean().default(false),
});
export type TokenUsage = z.infer<typeof TokenUsage>;

/** What one run cost, carried by its response (`metadata.run`). */
export const RunReport = z
  .object({
    /** When the run started (ISO time) and how long it took (ms). */
    startedAt: z.iso.datetime({ offset: true }),
    ms: count(86_400_000 * 7),
    /** This run's own model calls and tokens. */
    modelCalls: count(100_000),
    tokens: TokenUsage,
    /** Cost in US dollars, when the model server reported it or a price per token is configured. */
    costUsd: z.number().min(0).max(1e9).optional(),
    /** Tools the run used, in order (at most 64 listed). */
    tools: z.array(z.string().min(1).max(64)).max(64).default([]),
    /** Agents the run passed work to. */
    delegatedTo: z.array(AgentName).max(64).default([]),
    /** This run plus what its delegations reported: what the budget was charged. */
    spent: z.object({ modelCalls: count(1_000_000), tokens: count(1_000_000_000) }),
    /** What was left of the budget when the run ended. */
    left: Budget,
    /** The dimension that ran out, when one did. */
    exceeded: z.enum(BUDGET_DIMENSIONS).optional(),
  })
  .strip();
export type RunReport = z.infer<typeof RunReport>;

export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** The budget a message carries: `undefined` when none, an error when it is malformed. */
export function budgetIn(metadata: Readonly<Record<string, unknown>>): Parsed<BudgetLimits | undefined> {
  const raw = metadata[BUDGET_KEY];
  if (raw === undefined) return { ok: true, value: undefined };
  const parsed = BudgetLimits.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  const why = parsed.error.issues.map((i) => `${[BUDGET_KEY, ...i.path].join(".")}: ${i.message}`);
  return { ok: false, error: `bad budget in metadata: ${why.join("; ")}` };
}

/** The run report a response carries, or null when it has none (or a malformed one). */
export function runReportIn(metadata: Readonly<Record<string, unknown>>): RunReport | null {
  const raw = metadata[RUN_KEY];
  if (raw === undefined) return null;
  const parsed = RunReport.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

/** A response's metadata entry for a run report. */
export function runMetadata(report: RunReport): JsonObject {
  // A RunReport is JSON by construction (numbers, strings, booleans, arrays); its optional
  // fields are what keeps TypeScript from seeing that.
  return { [RUN_KEY]: report as unknown as JsonValue };
}

/** The smaller of a receiver's own limits and what a message asks for, per dimension. */
export function narrow(own: Budget, asked: BudgetLimits | undefined): Budget {
  if (asked === undefined) return own;
  return {
    modelCalls: Math.min(own.modelCalls, asked.modelCalls ?? Infinity),
    tokens: Math.min(own.tokens, asked.tokens ?? Infinity),
    wallMs: Math.min(own.wallMs, asked.wallMs ?? Infinity),
  };
}
