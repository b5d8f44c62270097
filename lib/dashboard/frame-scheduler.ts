/**
 * When the tap hands a batch to the store: on the next animation frame, so a burst costs one
 * render; or after `fallbackMs` when frames stop (a hidden tab gets none), whichever is first.
 * Outside a browser (tests), a plain timer.
 */
import type { FlushScheduler } from "../transport";

export function frameScheduler(fallbackMs = 100): FlushScheduler {
  return (flush) => {
    let done = false;
    const once = () => {
      if (done) return;
      done = true;
      flush();
    };
    if (typeof requestAnimationFrame === "function") requestAnimationFrame(once);
    setTimeout(once, fallbackMs);
  };
}
