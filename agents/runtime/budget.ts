/**
 * What a run may spend, and what it spent. Every run gets a budget of model calls, tokens and
 * wall time: the smallest of the agent's own (configuration, then its definition), what the
 * message that started it carries (`metadata.budget`: a sender can narrow it, never widen it), and
 * what is left of the agent's allowance for the thread. Work the run passes on carries what is
 * left, and the answers it gets back say what they spent (`metadata.run`), which is charged here:
 * one budget for the whole delegation chain. Exceeding any of them ends the run with
 * `budget_exceeded`, naming which.
 */
import { DEFAULTS, type Config } from "../../lib/config";
import {
  narrow,
  type Budget,
  type BudgetDimension,
  type BudgetLimits,
  type RunReport,
  type UsageWindow,
} from "../../lib/protocol";
import type { ModelUsage } from "../llm/model";

/** The limits every run of an agent is held to; defaults from lib/config. */
export interface Guards {
  /** Per task, its delegations included. */
  readonly budget: Budget;
  /** Per thread, over all of one agent's runs in it. */
  readonly thread: { readonly modelCalls: number; readonly tokens: number };
  /** Messages one run may send (directs, requests, handoffs, broadcasts). */
  readonly fanOut: number;
}

type GuardSettings = Pick<
  Config,
  "budgetModelCalls" | "budgetTokens" | "budgetWallMs" | "threadModelCalls" | "threadTokens" | "fanOutLimit"
>;

export function guardsFrom(c: GuardSettings): Guards {
  return {
    budget: { modelCalls: c.budgetModelCalls, tokens: c.budgetTokens, wallMs: c.budgetWallMs },
    thread: { modelCalls: c.threadModelCalls, tokens: c.threadTokens },
    fanOut: c.fanOutLimit,
  };
}

export const DEFAULT_GUARDS: Guards = guardsFrom(DEFAULTS);

/** What startAgent takes from the configuration for its runs (agents/main.ts, the server's host). */
export function runSettings(c: GuardSettings & Pick<Config, "llmMaxTokens" | "memoryThreadBytes">) {
  return { guards: guardsFrom(c), maxTokens: c.llmMaxTokens, memoryThreadBytes: c.memoryThreadBytes };
}
export type RunSettings = ReturnType<typeof runSettings>;

const WORDS: Record<BudgetDimension, string> = {
  modelCalls: "model calls",
  tokens: "tokens",
  wallMs: "wall time (ms)",
};

/** A run used up a budget; `scope` says whether the task's or the thread's. */
export class BudgetExceededError extends Error {
  override readonly name = "BudgetExceededError";
  readonly code = "budget_exceeded";
  constructor(
    readonly dimension: BudgetDimension,
    readonly used: number,
    readonly limit: number,
    readonly scope: "task" | "thread",
  ) {
    super(
      `budget exceeded: ${WORDS[dimension]}: ${used} used of ${limit} allowed ${scope === "task" ? "for this task and what it delegated" : "for this agent in this thread"}`,
    );
  }
}

/** One agent's spending per thread (least recently used threads forgotten first). */
export class ThreadLedger {
  private readonly threads = new Map<string, { modelCalls: number; tokens: number }>();
  constructor(private readonly capacity = 5_000) {}

  spent(threadId: string): { modelCalls: number; tokens: number } {
    return this.threads.get(threadId) ?? { modelCalls: 0, tokens: 0 };
  }

  charge(threadId: string, modelCalls: number, tokens: number): void {
    const s = this.spent(threadId);
    this.threads.delete(threadId);
    this.threads.set(threadId, { modelCalls: s.modelCalls + modelCalls, tokens: s.tokens + tokens });
    if (this.threads.size > this.capacity) {
      const oldest = this.threads.keys().next().value;
      if (oldest !== undefined) this.threads.delete(oldest);
    }
  }
}

/** Model usage over the last hour, in one-minute buckets, for the agent's heartbeats. */
export class UsageMeter {
  private static readonly BUCKET_MS = 60_000;
  private static readonly BUCKETS = 60;
  private readonly buckets: { minute: number; calls: number; in: number; out: number; cost: number }[] = [];
  private estimated = false;
  private costed = false;

  add(u: ModelUsage, now = Date.now()): void {
    const minute = Math.floor(now / UsageMeter.BUCKET_MS);
    let b = this.buckets.at(-1);
    if (b === undefined || b.minute !== minute) {
      b = { minute, calls: 0, in: 0, out: 0, cost: 0 };
      this.buckets.push(b);
      while (this.buckets.length > UsageMeter.BUCKETS) this.buckets.shift();
    }
    b.calls++;
    b.in += u.in;
    b.out += u.out;
    if (u.costUsd !== undefined) {
      b.cost += u.costUsd;
      this.costed = true;
    }
    this.estimated ||= u.estimated;
  }

  /** The last hour's figures; undefined before the first model call. */
  window(now = Date.now()): UsageWindow | undefined {
    if (this.buckets.length === 0) return undefined;
    const since = Math.floor(now / UsageMeter.BUCKET_MS) - UsageMeter.BUCKETS + 1;
    const w = {
      windowMs: UsageMeter.BUCKET_MS * UsageMeter.BUCKETS,
      modelCalls: 0,
      tokensIn: 0,
      tokensOut: 0,
      cost: 0,
    };
    for (const b of this.buckets) {
      if (b.minute < since) continue;
      w.modelCalls += b.calls;
      w.tokensIn += b.in;
      w.tokensOut += b.out;
      w.cost += b.cost;
    }
    const { cost, ...figures } = w;
    return { ...figures, estimated: this.estimated, ...(this.costed ? { costUsd: round6(cost) } : {}) };
  }
}

/** One run's budget and spending. */
export class RunBudget {
  readonly startedAt = Date.now();
  readonly limits: Budget;
  private calls = 0;
  private tokensIn = 0;
  private tokensOut = 0;
  private estimated = false;
  private cost: number | undefined;
  private delegatedCalls = 0;
  private delegatedTokens = 0;
  private readonly tools: string[] = [];
  private readonly delegated: string[] = [];
  /** Messages this run sent (the fan-out). */
  sends = 0;
  exceeded: BudgetDimension | undefined;

  constructor(
    own: Budget,
    asked: BudgetLimits | undefined,
    private readonly thread: {
      readonly id: string;
      readonly limits: Guards["thread"];
      readonly ledger: ThreadLedger;
    },
  ) {
    this.limits = narrow(own, asked);
  }

  get elapsedMs(): number {
    return Date.now() - this.startedAt;
  }

  /** What is left: the task's budget minus this run's and its delegations' spending. */
  left(): Budget {
    return {
      modelCalls: Math.max(0, this.limits.modelCalls - this.calls - this.delegatedCalls),
      tokens: Math.max(0, this.limits.tokens - this.tokensIn - this.tokensOut - this.delegatedTokens),
      wallMs: Math.max(0, this.limits.wallMs - this.elapsedMs),
    };
  }

  /** Throws BudgetExceededError when no model call is left (for the task or the thread). */
  beforeModelCall(): void {
    const left = this.left();
    const spentCalls = this.limits.modelCalls - left.modelCalls;
    const spentTokens = this.limits.tokens - left.tokens;
    if (left.modelCalls <= 0) this.exceed("modelCalls", spentCalls, this.limits.modelCalls, "task");
    if (left.tokens <= 0) this.exceed("tokens", spentTokens, this.limits.tokens, "task");
    if (left.wallMs <= 0) this.exceed("wallMs", this.elapsedMs, this.limits.wallMs, "task");
    const t = this.thread.ledger.spent(this.thread.id);
    const tl = this.thread.limits;
    if (t.modelCalls >= tl.modelCalls) this.exceed("modelCalls", t.modelCalls, tl.modelCalls, "thread");
    if (t.tokens >= tl.tokens) this.exceed("tokens", t.tokens, tl.tokens, "thread");
  }

  /** `max_tokens` for the next call: the definition's, within what the budgets have left. */
  maxTokens(own: number): number {
    const t = this.thread.ledger.spent(this.thread.id);
    return Math.max(1, Math.min(own, this.left().tokens, this.thread.limits.tokens - t.tokens));
  }

  chargeModel(u: ModelUsage): void {
    this.calls++;
    this.tokensIn += u.in;
    this.tokensOut += u.out;
    this.estimated ||= u.estimated;
    if (u.costUsd !== undefined) this.cost = (this.cost ?? 0) + u.costUsd;
    this.thread.ledger.charge(this.thread.id, 1, u.in + u.out);
  }

  chargeTool(name: string): void {
    if (this.tools.length < 64) this.tools.push(name);
  }

  /** Work passed to `to`; `report` is what its answer says it spent (null when it says nothing). */
  chargeDelegation(to: string, report: RunReport | null): void {
    if (!this.delegated.includes(to) && this.delegated.length < 64) this.delegated.push(to);
    if (report === null) return;
    this.delegatedCalls += report.spent.modelCalls;
    this.delegatedTokens += report.spent.tokens;
    if (report.costUsd !== undefined) this.cost = (this.cost ?? 0) + report.costUsd;
  }

  noteDelegation(to: string): void {
    this.chargeDelegation(to, null);
  }

  /** What the run reports with its answer (`metadata.run`). */
  report(): RunReport {
    return {
      startedAt: new Date(this.startedAt).toISOString(),
      ms: this.elapsedMs,
      modelCalls: this.calls,
      tokens: { in: this.tokensIn, out: this.tokensOut, estimated: this.estimated },
      ...(this.cost === undefined ? {} : { costUsd: round6(this.cost) }),
      tools: [...this.tools],
      delegatedTo: [...this.delegated],
      spent: {
        modelCalls: this.calls + this.delegatedCalls,
        tokens: this.tokensIn + this.tokensOut + this.delegatedTokens,
      },
      left: this.left(),
      ...(this.exceeded === undefined ? {} : { exceeded: this.exceeded }),
    };
  }

  /** The error for running out of wall time (the run's timer aborts with it). */
  wallTimeError(): BudgetExceededError {
    this.exceeded = "wallMs";
    return new BudgetExceededError("wallMs", this.elapsedMs, this.limits.wallMs, "task");
  }

  private exceed(d: BudgetDimension, used: number, limit: number, scope: "task" | "thread"): never {
    this.exceeded = d;
    throw new BudgetExceededError(d, used, limit, scope);
  }
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
