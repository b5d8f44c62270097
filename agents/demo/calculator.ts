/**
 * A plain agent that was never written for NATS: a class with a method. `withNats` gives it the
 * whole NATS layer by composition, exactly as the seed's mixin promised, without touching it.
 */
import type { NatsConnection } from "../../lib/transport";
import { withNats, type AgentLink, type Logger } from "../../lib/transport";
import { evaluateArithmetic } from "../tools/arithmetic";

/** Evaluates + - * / ( ) on numbers (the same arithmetic as the `calculate` tool). */
export class Calculator {
  evaluate(expression: string): number {
    return evaluateArithmetic(expression);
  }
}

/** The only NATS-aware code: an adapter from messages to the plain class. */
export function calculatorOnNats(
  calc: Calculator,
  connection: NatsConnection,
  logger?: Logger,
  root?: string,
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
    {
      connection,
      ...(logger === undefined ? {} : { logger }),
      ...(root === undefined ? {} : { root }),
    },
  );
}
