/**
 * The trust chain of one Switchboard installation, and the only code that holds its keys: an
 * operator, a system account (for the server's own use and for pushing account updates), and the
 * mesh's account, which signs every user credential. NATS's decentralised auth
 * (`@nats-io/jwt`, `@nats-io/nkeys`): a user credential is a JWT naming its public key, its
 * permissions (lib/protocol/permissions.ts), its connection types and its expiry, signed by the
 * account; the server checks the signature chain and the nonce signature at connect, so adding a
 * user needs no server change.
 *
 * Kept under `{dataDir}/identity/` (directory 0700, files 0600), made on first use:
 *   trust.json        seeds and JWTs of the operator, system account and mesh account (with its
 *                     revocations)
 *   issued.jsonl      one line per credential minted (name, role, public key, expiry): what a
 *                     revocation by name looks up. Appended, so processes minting at once do not
 *                     lose each other's lines
 *   operator.jwt      for the server's `operator:` setting
 *   nats-auth.conf    the server's auth settings (included by nats-server.conf)
 *   jwt/              the server's account resolver directory
 *
 * Revoking a name adds every key ever issued to it to the account's revocations, re-signs the
 * account and writes it here; the caller pushes it to a running server (lib/transport
 * `pushAccount`), which then disconnects those users at once.
 */
import { decode, encodeAccount, encodeOperator, encodeUser, fmtCreds } from "@nats-io/jwt";
import {
  createAccount,
  createOperator,
  createUser,
  fromPublic,
  fromSeed,
  type KeyPair,
} from "@nats-io/nkeys";
import { randomBytes } from "node:crypto";
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { permissionsFor, type IdentityClaim, type Role } from "../protocol";

/**
 * Every account limit, given explicitly: a partial `limits` makes the server read 0 for the rest
 * (connections then fail with "maximum account active connections exceeded").
 */
const CORE_UNLIMITED = {
  subs: -1,
  conn: -1,
  leaf: -1,
  imports: -1,
  exports: -1,
  data: -1,
  payload: -1,
  wildcards: true,
};
/** The mesh account also gets JetStream (the system account may not have it). */
const UNLIMITED = { ...CORE_UNLIMITED, mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 };

/** The longest a credential may live (a year); the shortest, a second. */
export const MAX_TTL_MS = 365 * 24 * 3_600_000;
export const MIN_TTL_MS = 1_000;

interface KeyRecord {
  readonly seed: string;
  readonly jwt: string;
}

interface TrustFile {
  readonly version: 1;
  readonly operator: KeyRecord;
  readonly system: KeyRecord;
  readonly account: KeyRecord & { readonly revocations: Record<string, number> };
}

export interface IssuedCredential {
  readonly name: string;
  readonly role: Role;
  readonly runtime?: string | undefined;
  readonly root: string;
  readonly publicKey: string;
  /** Seconds since the epoch, as in the JWT. */
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export interface MintRequest extends IdentityClaim {
  /** The subject root the permissions are written for. */
  readonly root: string;
  readonly ttlMs: number;
  /**
   * The user's public key (a browser makes its key pair and sends only this). Absent: a key pair
   * is made here and returned in `creds`.
   */
  readonly publicKey?: string;
}

export interface Minted {
  readonly jwt: string;
  readonly publicKey: string;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
  /** A creds file's text (JWT and seed), only when the key pair was made here. */
  readonly creds?: string;
}

export class CredentialError extends Error {
  override readonly name = "CredentialError";
}

export class IdentityAuthority {
  private constructor(
    readonly dir: string,
    private trust: TrustFile,
  ) {}

  /** Opens the trust chain under `{dataDir}/identity`, creating it (and the server's files) on first use. */
  static async open(dataDir: string): Promise<IdentityAuthority> {
    const dir = join(dataDir, "identity");
    privateDir(dir);
    const path = join(dir, "trust.json");
    let trust: TrustFile;
    if (existsSync(path)) {
      trust = JSON.parse(readFileSync(path, "utf8")) as TrustFile;
    } else {
      trust = await createTrust();
      privateFile(path, JSON.stringify(trust, null, 2));
    }
    const authority = new IdentityAuthority(dir, trust);
    authority.writeServerFiles();
    return authority;
  }

  /** Opens an existing trust chain; throws CredentialError saying how to make one when there is none. */
  static async openExisting(dataDir: string): Promise<IdentityAuthority> {
    if (!existsSync(join(dataDir, "identity", "trust.json")))
      throw new CredentialError(
        `no trust chain under ${join(dataDir, "identity")}: run \`npm start\` once (it creates one), or set SWITCHBOARD_DATA_DIR`,
      );
    return IdentityAuthority.open(dataDir);
  }

  get accountPublicKey(): string {
    return decode(this.trust.account.jwt).sub;
  }

  get operatorPublicKey(): string {
    return decode(this.trust.operator.jwt).sub;
  }

  /** The mesh account's current JWT (with its revocations), for pushing to a running server. */
  get accountJwt(): string {
    return this.trust.account.jwt;
  }

  /** The server's include file: operator, system account, account resolver with both accounts preloaded. */
  get serverConfigPath(): string {
    return join(this.dir, "nats-auth.conf");
  }

  /** Mints a user credential for `name` in `role`, bound to the subject root. */
  async mint(r: MintRequest): Promise<Minted> {
    const ttlMs = Math.round(r.ttlMs);
    if (!(ttlMs >= MIN_TTL_MS && ttlMs <= MAX_TTL_MS))
      throw new CredentialError(`a credential lives from 1 s to 365 days, not ${r.ttlMs} ms`);
    const perms = permissionsFor(r, r.root); // validates the name and the runtime
    let user: KeyPair;
    try {
      user = r.publicKey === undefined ? createUser() : fromPublic(r.publicKey);
    } catch {
      throw new CredentialError("the public key is not an NKey");
    }
    const publicKey = user.getPublicKey();
    if (!publicKey.startsWith("U")) throw new CredentialError("the public key is not a user NKey (U...)");
    // NATS revokes the JWTs of a key issued before the revocation: a new one would undo it.
    if (this.isRevoked(publicKey)) throw new CredentialError("this key was revoked; make a new key pair");
    const issuedAt = Math.floor(Date.now() / 1000);
    const exp = issuedAt + Math.ceil(ttlMs / 1000);
    const account = fromSeed(new TextEncoder().encode(this.trust.account.seed));
    const jwt = await encodeUser(
      r.name,
      user,
      account,
      {
        pub: { allow: [...perms.pub] },
        sub: { allow: [...perms.sub] },
        allowed_connection_types: [...perms.connectionTypes],
        // Switchboard's own claims, read by `whoami` and doctor; the server ignores them.
        tags: [
          `role:${r.role}`,
          ...(r.runtime === undefined ? [] : [`runtime:${r.runtime}`]),
          `root:${r.root}`,
        ],
      },
      { exp },
    );
    const issued: IssuedCredential = {
      name: r.name,
      role: r.role,
      runtime: r.runtime,
      root: r.root,
      publicKey,
      issuedAt,
      expiresAt: exp,
    };
    appendFileSync(join(this.dir, "issued.jsonl"), `${JSON.stringify(issued)}\n`, { mode: 0o600 });
    const creds = r.publicKey === undefined ? new TextDecoder().decode(fmtCreds(jwt, user)) : undefined;
    return { jwt, publicKey, expiresAt: exp * 1000, ...(creds === undefined ? {} : { creds }) };
  }

  /**
   * A user with permissions given here rather than by a role: only for measuring raw NATS under
   * the same authentication (the benchmarks' baseline). Not listed in issued.jsonl.
   */
  async mintRaw(name: string, pub: string[], sub: string[], ttlMs: number): Promise<string> {
    const user = createUser();
    const account = fromSeed(new TextEncoder().encode(this.trust.account.seed));
    const exp = Math.floor(Date.now() / 1000) + Math.ceil(ttlMs / 1000);
    const jwt = await encodeUser(name, user, account, { pub: { allow: pub }, sub: { allow: sub } }, { exp });
    return new TextDecoder().decode(fmtCreds(jwt, user));
  }

  /** Every credential minted for `name` (from issued.jsonl). */
  issuedTo(name: string): IssuedCredential[] {
    return this.issued().filter((c) => c.name === name);
  }

  /**
   * Drops the lines of credentials that have expired from issued.jsonl (it grows by a line per
   * credential minted, renewals included). Returns how many were dropped. Run it where nothing
   * else mints at the same moment (`npm start` does, before it starts anything): a line appended
   * between the read and the rename would be lost.
   */
  compactIssued(now = Date.now()): number {
    const all = this.issued();
    const live = all.filter((c) => c.expiresAt * 1000 > now);
    if (live.length === all.length) return 0;
    privateFile(join(this.dir, "issued.jsonl"), live.map((c) => `${JSON.stringify(c)}\n`).join(""));
    return all.length - live.length;
  }

  /** Whether a user key has been revoked (by this process or another: the file is read again). */
  isRevoked(publicKey: string): boolean {
    this.reload();
    return publicKey in this.trust.account.revocations;
  }

  /**
   * Revokes every credential ever minted for `name`: their keys go into the account's
   * revocations, the account is re-signed and saved. Returns the keys newly revoked. Push
   * `accountJwt` to a running server for it to act now (a restarted server reads it from here).
   */
  async revoke(name: string): Promise<string[]> {
    this.reload();
    const keys = this.issuedTo(name)
      .map((c) => c.publicKey)
      .filter((k) => !this.isRevoked(k));
    if (keys.length === 0) return [];
    const now = Math.floor(Date.now() / 1000);
    const revocations = { ...this.trust.account.revocations };
    for (const k of keys) revocations[k] = now;
    const operator = fromSeed(new TextEncoder().encode(this.trust.operator.seed));
    const account = fromSeed(new TextEncoder().encode(this.trust.account.seed));
    const jwt = await encodeAccount(
      "switchboard",
      account,
      { limits: UNLIMITED, revocations },
      { signer: operator },
    );
    this.trust = { ...this.trust, account: { ...this.trust.account, jwt, revocations } };
    privateFile(join(this.dir, "trust.json"), JSON.stringify(this.trust, null, 2));
    this.writeServerFiles();
    return keys;
  }

  /** A system-account user's creds (short-lived), for pushing account updates to the server. */
  async systemCreds(ttlMs = 60_000): Promise<string> {
    const user = createUser();
    const system = fromSeed(new TextEncoder().encode(this.trust.system.seed));
    const jwt = await encodeUser(
      "switchboard-system",
      user,
      system,
      {},
      {
        exp: Math.floor(Date.now() / 1000) + Math.ceil(ttlMs / 1000),
      },
    );
    return new TextDecoder().decode(fmtCreds(jwt, user));
  }

  /** A random token (URL-safe), for dashboard logins and control tokens. */
  static token(bytes = 32): string {
    return randomBytes(bytes).toString("base64url");
  }

  private reload(): void {
    this.trust = JSON.parse(readFileSync(join(this.dir, "trust.json"), "utf8")) as TrustFile;
  }

  private issued(): IssuedCredential[] {
    const path = join(this.dir, "issued.jsonl");
    if (!existsSync(path)) return [];
    const out: IssuedCredential[] = [];
    for (const line of readFileSync(path, "utf8").split("\n")) {
      if (line.trim() === "") continue;
      try {
        out.push(JSON.parse(line) as IssuedCredential);
      } catch {
        // a torn line (a crash mid-append) is skipped, not fatal
      }
    }
    return out;
  }

  /** operator.jwt, jwt/ and nats-auth.conf, which the server reads at start. */
  private writeServerFiles(): void {
    const operatorPath = join(this.dir, "operator.jwt");
    const resolverDir = join(this.dir, "jwt");
    privateDir(resolverDir);
    privateFile(operatorPath, this.trust.operator.jwt);
    const system = decode(this.trust.system.jwt).sub;
    const conf = [
      "# Written by Switchboard (lib/identity/authority.ts); regenerated on every start. Do not edit.",
      `operator: ${JSON.stringify(operatorPath)}`,
      `system_account: ${system}`,
      `resolver: { type: full, dir: ${JSON.stringify(resolverDir)}, allow_delete: false, interval: "2m" }`,
      // A user JWT carries its permissions: an agent's with a 64-character name is over 4 KB, the
      // default control line, and a server without this drops its CONNECT (the client times out).
      "max_control_line: 16KB",
      "resolver_preload: {",
      `  ${system}: ${JSON.stringify(this.trust.system.jwt)}`,
      `  ${this.accountPublicKey}: ${JSON.stringify(this.trust.account.jwt)}`,
      "}",
      "",
    ].join("\n");
    privateFile(this.serverConfigPath, conf);
  }
}

async function createTrust(): Promise<TrustFile> {
  const operator = createOperator();
  const system = createAccount();
  const account = createAccount();
  const seed = (k: KeyPair) => new TextDecoder().decode(k.getSeed());
  const opJwt = await encodeOperator("switchboard", operator, { system_account: system.getPublicKey() });
  const sysJwt = await encodeAccount("SYS", system, { limits: CORE_UNLIMITED }, { signer: operator });
  const accJwt = await encodeAccount("switchboard", account, { limits: UNLIMITED }, { signer: operator });
  return {
    version: 1,
    operator: { seed: seed(operator), jwt: opJwt },
    system: { seed: seed(system), jwt: sysJwt },
    account: { seed: seed(account), jwt: accJwt, revocations: {} },
  };
}

function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** Written whole (temp file + rename), readable by the owner only. */
export function privateFile(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
