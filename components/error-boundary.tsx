"use client";
/**
 * Keeps a failure where it happened. Wrapped around each message row, each pane and the thread
 * view: when rendering below it throws (a message no limit foresaw, a bug), that part shows one
 * compact line, "could not render this message: <reason>", and the rest of the page keeps
 * working, instead of React unmounting the whole tree ("This page couldn't load") in every tab
 * that received the message.
 *
 * React catches only errors thrown while rendering, in lifecycle methods and constructors; event
 * handlers and async code report their own. A boundary resets when `resetKey` changes (another
 * message, another thread), or when its "retry" button is pressed.
 */
import { Component, type ErrorInfo, type ReactNode } from "react";
import { displayName } from "./safe-text";

/** The reason shown: one line, invisible characters revealed, at most 160 characters. */
export function failureReason(error: unknown): string {
  const text =
    error instanceof Error
      ? error.message === ""
        ? error.name
        : error.message
      : typeof error === "string"
        ? error
        : "unknown error";
  return displayName(text, 160);
}

interface Props {
  /** What failed, for the line: "message", "thread", "registry"… */
  what: string;
  children: ReactNode;
  /** When it changes, a failed boundary tries again. */
  resetKey?: unknown;
  /** Extra attributes for the fallback's outer element (e.g. a row's data-testid and data-id). */
  attributes?: Record<string, string>;
  /** A pane (fills its space, offers "retry") rather than a single row. */
  pane?: boolean;
}

interface State {
  error: unknown;
  failed: boolean;
  resetKey: unknown;
}

export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null, failed: false, resetKey: this.props.resetKey };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error, failed: true };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    if (props.resetKey === state.resetKey) return null;
    return { resetKey: props.resetKey, error: null, failed: false };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.warn(
      `[dashboard] could not render this ${this.props.what}: ${failureReason(error)}`,
      info.componentStack?.slice(0, 2_000) ?? "",
    );
  }

  override render(): ReactNode {
    if (!this.state.failed) return this.props.children;
    const { what, pane = false, attributes } = this.props;
    return (
      <div {...attributes} className={pane ? "flex min-h-0 flex-1 flex-col p-4" : "px-4 py-1"}>
        <div
          data-testid="render-error"
          role="status"
          className="flex items-baseline gap-2 rounded border border-red-300 bg-red-50 px-2 py-1 text-xs text-red-800 dark:border-red-800 dark:bg-red-950/40 dark:text-red-200"
        >
          <span className="min-w-0 flex-1 break-words">
            could not render this {what}: {failureReason(this.state.error)}
          </span>
          {pane && (
            <button
              type="button"
              className="shrink-0 rounded px-1.5 underline hover:bg-red-100 dark:hover:bg-red-900"
              onClick={() => this.setState({ error: null, failed: false })}
            >
              retry
            </button>
          )}
        </div>
      </div>
    );
  }
}
