/**
 * A plain agent that was never written for NATS: a class with a method. `withNats` gives it the
 * whole NATS layer by composition, exactly as the seed's mixin promised, without touching it.
 */
import type { NatsConnection } from "../../lib/transport";
import { withNats, type AgentLink, type Logger } from "../../lib/transport";

/** Evaluates + - * / ( ) on numbers. No eval: a tiny recursive-descent parser. */
export class Calculator {
  evaluate(expression: string): number {
    const tokens = expression.match(/\d+(?:\.\d+)?|[-+*/()]/g) ?? [];
    let i = 0;
    const peek = () => tokens[i];
    const next = () => tokens[i++];
    const primary = (): number => {
      const t = next();
      if (t === "(") {
        const v = sum();
        if (next() !== ")") throw new Error("missing )");
        return v;
      }
      if (t === "-") return -primary();
      const n = Number(t);
      if (t === undefined || Number.isNaN(n)) throw new Error(`unexpected ${t ?? "end of input"}`);
      return n;
    };
    const product = (): number => {
      let v = primary();
      while (peek() === "*" || peek() === "/") v = next() === "*" ? v * primary() : v / primary();
      return v;
    };
    const sum = (): number => {
      let v = product();
      while (peek() === "+" || peek() === "-") v = next() === "+" ? v + product() : v - product();
      return v;
    };
    const v = sum();
    if (i < tokens.length) throw new Error(`unexpected ${tokens[i]}`);
    return v;
  }
}

/** The only NATS-aware code: an adapter from messages to the plain class. */
export function calculatorOnNats(
  calc: Calculator,
  connection: NatsConnection,
  logger?: Logger,
): Promise<AgentLink> {
  return withNats(
    {
      profile: {
        name: "Calculator",
        description: "Arithmetic (a plain class given NATS with withNats; no LLM).",
        capabilities: ["math", "arithmetic"],
        tools: [{ name: "evaluate", description: "Evaluate + - * / ( )" }],
      },
      run: ({ content }) => {
        const expression = content.replace(/^[^\d(-]*/, "");
        return `${expression.trim()} = ${calc.evaluate(expression)}`;
      },
    },
    { connection, ...(logger === undefined ? {} : { logger }) },
  );
}
