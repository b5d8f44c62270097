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
  // The clock was idle: its time is old until the first tick.
  if (timer === null) now = Date.now();
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
const still = () => () => {};

/**
 * The shared clock's time, re-rendering each second while `running` (a growing bar); not
 * running, no timer is held and the time is the clock's last tick.
 */
export function useNow(running: boolean): number {
  return useSyncExternalStore(running ? subscribe : still, read, read);
}

export function Ago({ at }: { at: number }) {
  return <>{ago(at, useSyncExternalStore(subscribe, read, read))}</>;
}
