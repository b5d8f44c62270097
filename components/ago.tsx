"use client";
/**
 * "12s ago" that keeps itself current: one shared one-second clock for the whole page, and only
 * the text of each `Ago` on screen re-renders when it ticks, never the list around it.
 */
import { useSyncExternalStore } from "react";
import { ago } from "./look";

const listeners = new Set<() => void>();
let now = Date.now();
let timer: ReturnType<typeof setInterval> | null = null;

function subscribe(onTick: () => void): () => void {
  listeners.add(onTick);
  timer ??= setInterval(() => {
    now = Date.now();
    for (const l of listeners) l();
  }, 1_000);
  return () => {
    listeners.delete(onTick);
    if (listeners.size === 0 && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  };
}

const read = () => now;

export function Ago({ at }: { at: number }) {
  return <>{ago(at, useSyncExternalStore(subscribe, read, read))}</>;
}
