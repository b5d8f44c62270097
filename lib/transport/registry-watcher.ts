/**
 * Follows presence, heartbeats and offline announcements into a registry (see
 * lib/registry/reducer.ts), and asks "who is online?" once at start so a late joiner sees every
 * agent within one round trip instead of after the next heartbeat. Subscribes first, then asks,
 * so nobody who answers or announces in between is missed.
 */
import type { Msg, NatsConnection, Subscription } from "@nats-io/nats-core";
import { decodeMessage, spoofing, subjects as subjectsFor, type Subjects } from "../protocol";
import {
  DEFAULT_MISSED_HEARTBEATS,
  EMPTY_REGISTRY,
  reduceRegistry,
  type RegistryEvent,
  type RegistryState,
} from "../registry/reducer";
import { askWhoIsOnline } from "./discovery";
import { consoleLogger, type Logger } from "./logger";
import { Rejections } from "./rejections";

export interface RegistryWatcherOptions {
  readonly connection: NatsConnection;
  readonly root?: string;
  readonly missedHeartbeats?: number;
  /** How long `start()` waits for discovery answers (ms, default 250). */
  readonly discoveryMs?: number;
  /** Who asks "who is online?": the name the connection's credential speaks as. */
  readonly observerName: string;
  readonly logger?: Logger;
}

export type RegistryListener = (state: RegistryState) => void;

export class RegistryWatcher implements AsyncDisposable {
  private current: RegistryState = EMPTY_REGISTRY;
  private readonly listeners = new Set<RegistryListener>();
  private readonly subs: Subscription[] = [];
  private readonly subjects: Subjects;
  private readonly missed: number;
  private readonly rejections: Rejections;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private readonly observerName: string;

  private constructor(private readonly o: RegistryWatcherOptions) {
    this.subjects = subjectsFor(o.root);
    this.missed = o.missedHeartbeats ?? DEFAULT_MISSED_HEARTBEATS;
    this.rejections = new Rejections(o.logger ?? consoleLogger("registry"));
    this.observerName = o.observerName;
  }

  static async start(options: RegistryWatcherOptions): Promise<RegistryWatcher> {
    const w = new RegistryWatcher(options);
    await w.open();
    return w;
  }

  get state(): RegistryState {
    return this.current;
  }

  get rejected(): number {
    return this.rejections.total;
  }

  onChange(listener: RegistryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first state that satisfies `predicate`, or rejects after `timeoutMs`. */
  waitFor(predicate: (s: RegistryState) => boolean, timeoutMs: number): Promise<RegistryState> {
    if (predicate(this.current)) return Promise.resolve(this.current);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`registry condition not met within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onChange((s) => {
        if (!predicate(s)) return;
        clearTimeout(timer);
        off();
        resolve(s);
      });
    });
  }

  /** Asks every online agent to announce itself; answers arrive through the usual path. */
  discover(): void {
    askWhoIsOnline(this.o.connection, this.subjects, this.observerName);
  }

  async close(): Promise<void> {
    clearInterval(this.ticker);
    for (const s of this.subs) s.unsubscribe();
    this.listeners.clear();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async open(): Promise<void> {
    const nc = this.o.connection;
    for (const subject of [this.subjects.wildcards.presence, this.subjects.wildcards.heartbeat]) {
      this.subs.push(
        nc.subscribe(subject, { callback: (err, msg) => (err === null ? this.receive(msg) : undefined) }),
      );
    }
    await nc.flush();
    this.discover();
    this.ticker = setInterval(() => this.apply({ type: "tick", now: Date.now() }), 250);
    await new Promise((r) => setTimeout(r, this.o.discoveryMs ?? 250));
  }

  private receive(msg: Msg): void {
    const decoded = decodeMessage(msg.data);
    if (!decoded.ok) return this.rejections.record(decoded.error.reason, decoded.error.message, msg.subject);
    const m = decoded.message;
    if (m.type !== "presence" && m.type !== "heartbeat") {
      return this.rejections.record("misrouted", `a ${m.type} message on ${msg.subject}`, msg.subject);
    }
    const parsed = this.subjects.parse(msg.subject);
    if (parsed === null) return this.rejections.record("misrouted", `not a presence subject`, msg.subject);
    const spoofed = spoofing(parsed, m);
    if (spoofed !== null) return this.rejections.record("spoofed", spoofed, msg.subject);
    this.apply({ type: "seen", message: m, at: Date.now() });
  }

  private apply(event: RegistryEvent): void {
    const next = reduceRegistry(this.current, event, { missedHeartbeats: this.missed });
    if (next === this.current) return;
    this.current = next;
    for (const l of this.listeners) l(next);
  }
}
