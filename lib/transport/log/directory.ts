/**
 * Who the mesh knows: an agent is known once it has announced itself (its last presence, online
 * or offline, is kept per name and runtime in the members stream), until its credentials are
 * revoked (`switchboard creds revoke` removes it). A task to a known agent that is away waits
 * for it; a task to a name the mesh does not know fails at once with NoAgentError.
 *
 * Lookups are direct gets (`last_by_subj` with a wildcard over the runtimes): about a
 * millisecond, and a known name is remembered for 10 s so a busy asker pays it rarely (a name
 * revoked meanwhile can still be queued to for those 10 s).
 *
 * A direct get may be answered by any replica of the members stream, and on a cluster one that is
 * still catching up (its node just restarted) says "not there" of a name the mesh knows: requests
 * failed with "no agent named X" during a rolling restart (seen in CI). So "not there" is asked
 * again of the stream's leader (a plain message get), and only its "not there" counts.
 *
 * A client of a leaf node (a remote site's server joined to the cluster) gets no answer to direct
 * gets at all on nats-server 2.9.10, while message gets work: a direct get that times out where a
 * message get answers makes this directory use message gets from then on.
 *
 * A lookup waits at most 500 ms: on a cluster whose node just died, a direct get can go to the
 * dead node's replica and never be answered (the client's default wait is 5 s, and every request
 * waited that long, measured). A name that cannot be looked up is taken as known for 2 s (the task
 * then waits for its agent rather than failing wrongly), so a burst of requests pays the wait once.
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import type { LogLayout } from "../../protocol";

const REMEMBER_MS = 10_000;
const LOOKUP_TIMEOUT_MS = 500;
const UNREADABLE_MS = 2_000;

export class Directory {
  private readonly known = new Map<string, number>();
  private jsm: Promise<JetStreamManager> | undefined;
  /** False once a direct get went unanswered where the leader answered (see above). */
  private direct = true;

  constructor(
    private readonly nc: NatsConnection,
    private readonly layout: LogLayout,
  ) {}

  /**
   * Whether `name` has ever announced itself here (and was not revoked since); rejects when the
   * directory cannot be read (the name is then taken as known for a moment).
   */
  async knows(name: string): Promise<boolean> {
    const until = this.known.get(name);
    if (until !== undefined && until > Date.now()) return true;
    this.jsm ??= jetstreamManager(this.nc, { checkAPI: false, timeout: LOOKUP_TIMEOUT_MS });
    let m;
    try {
      const jsm = await this.jsm;
      const query = { last_by_subj: this.layout.memberSubject(name) };
      const fromLeader = () => jsm.streams.getMessage(this.layout.members, query);
      if (!this.direct) m = await fromLeader();
      else {
        const tried = await jsm.direct.getMessage(this.layout.members, query).then(
          (found) => ({ found }),
          (e: unknown) => ({ e }),
        );
        if ("found" in tried) m = tried.found ?? (await fromLeader());
        else {
          m = await fromLeader(); // throws too when the stream cannot be read at all
          this.direct = false;
        }
      }
    } catch (e) {
      this.known.set(name, Date.now() + UNREADABLE_MS);
      throw e;
    }
    if (m === null) {
      this.known.delete(name);
      return false;
    }
    this.known.set(name, Date.now() + REMEMBER_MS);
    return true;
  }

  /** A name seen online (its presence passed by): known without asking. */
  saw(name: string): void {
    this.known.set(name, Date.now() + REMEMBER_MS);
  }
}
