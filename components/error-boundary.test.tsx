// The boundary's own decisions: a throw turns it to the fallback line (reason escaped, bounded),
// a new reset key clears it. That React calls getDerivedStateFromError on a render error is
// React's contract (and the hostile-content e2e runs the real page); the server renderer used
// here does not run boundaries, so the class is driven directly.
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { ErrorBoundary } from "./error-boundary";

type Props = ConstructorParameters<typeof ErrorBoundary>[0];

function failed(props: Props, error: unknown): string {
  const b = new ErrorBoundary(props);
  b.state = { ...b.state, ...ErrorBoundary.getDerivedStateFromError(error) };
  return renderToStaticMarkup(<>{b.render()}</>);
}

describe("ErrorBoundary", () => {
  it("renders its children while nothing failed", () => {
    const b = new ErrorBoundary({ what: "message", children: <p>fine</p> });
    expect(renderToStaticMarkup(<>{b.render()}</>)).toBe("<p>fine</p>");
  });

  it("shows one line with the reason after a throw, keeping the row's attributes", () => {
    const html = failed(
      { what: "message", children: null, attributes: { "data-testid": "message", "data-id": "m1" } },
      new RangeError("Maximum call stack size exceeded"),
    );
    expect(html).toContain('data-testid="message"');
    expect(html).toContain('data-id="m1"');
    expect(html).toContain('data-testid="render-error"');
    expect(html).toContain("could not render this message: Maximum call stack size exceeded");
    expect(html).not.toContain("retry"); // a row: no button
  });

  it("escapes and bounds the reason", () => {
    const html = failed(
      { what: "thread", children: null, pane: true },
      new Error(`<img src=x>${"y".repeat(1_000)}`),
    );
    expect(html).toContain("&lt;img src=x&gt;");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("y".repeat(200));
    expect(html).toContain("retry"); // a pane offers to try again
  });

  it("tries again when its reset key changes, not before", () => {
    const state = { error: new Error("x"), failed: true, resetKey: 1 };
    expect(
      ErrorBoundary.getDerivedStateFromProps({ what: "x", children: null, resetKey: 1 }, state),
    ).toBeNull();
    expect(ErrorBoundary.getDerivedStateFromProps({ what: "x", children: null, resetKey: 2 }, state)).toEqual(
      {
        resetKey: 2,
        error: null,
        failed: false,
      },
    );
  });
});
