/**
 * The agents this page may stop: those running in this tab, and those the dashboard's server
 * runs (started from here or from another tab; the server's list is the truth for those). One
 * writer, the session; every change is pushed to `onChange` as a fresh snapshot for the store.
 */
export type Owner = "tab" | "server";
export type OwnedAgents = Readonly<Record<string, Owner>>;

export class OwnedAgentList {
  private readonly owners = new Map<string, Owner>();
  /** Counts local changes to server entries, so a listing that predates one is not applied. */
  private changes = 0;
  private last: OwnedAgents = {};

  constructor(private readonly onChange: (owned: OwnedAgents) => void) {}

  get snapshot(): OwnedAgents {
    return this.last;
  }

  owner(name: string): Owner | undefined {
    return this.owners.get(name);
  }

  add(name: string, owner: Owner): void {
    if (owner === "server") this.changes++;
    if (this.owners.get(name) === owner) return;
    this.owners.set(name, owner);
    this.publish();
  }

  remove(name: string): void {
    if (this.owners.get(name) === "server") this.changes++;
    if (this.owners.delete(name)) this.publish();
  }

  /** Taken before asking the server what it runs; hand it back to `serverListed`. */
  mark(): number {
    return this.changes;
  }

  /**
   * The server's list of the agents it runs, asked for at `mark`. Replaces the server entries,
   * unless this page started or stopped a server agent since (the listing may predate that
   * change; the next one will not). Tab entries are never touched. Returns whether it applied.
   */
  serverListed(names: readonly string[], mark: number): boolean {
    if (mark !== this.changes) return false;
    const listed = new Set(names);
    let changed = false;
    for (const [name, owner] of this.owners) {
      if (owner === "server" && !listed.has(name)) {
        this.owners.delete(name);
        changed = true;
      }
    }
    for (const name of listed) {
      if (!this.owners.has(name)) {
        this.owners.set(name, "server");
        changed = true;
      }
    }
    if (changed) this.publish();
    return true;
  }

  private publish(): void {
    this.last = Object.fromEntries(this.owners);
    this.onChange(this.last);
  }
}
