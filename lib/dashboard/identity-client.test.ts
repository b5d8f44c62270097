import { describe, expect, it } from "vitest";
import { IdentityClient, IdentityError, SIGNED_OUT, type IdentityRequest } from "./identity-client";

type Handler = (body: unknown) => Response | Promise<Response>;

function route(handler: Handler) {
  const sent: { url: string; init: RequestInit | undefined }[] = [];
  const fake: typeof fetch = async (input, init) => {
    sent.push({ url: String(input), init });
    return handler(typeof init?.body === "string" ? (JSON.parse(init.body) as unknown) : undefined);
  };
  return { client: new IdentityClient({ baseUrl: "http://dash", fetch: fake }), sent };
}

const person: IdentityRequest = { role: "person", name: "you-abc123", publicKey: "UABC" };

async function failure(p: Promise<unknown>): Promise<IdentityError> {
  const e = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(e).toBeInstanceOf(IdentityError);
  return e as IdentityError;
}

describe("credentials from the dashboard's server", () => {
  it("sends the role, the name and the public key, nothing else, and reads the JWT", async () => {
    const { client, sent } = route((body) =>
      Response.json({ jwt: "a.b.c", expiresAt: 1_900_000_000_000, ...(body as object) }),
    );
    expect(await client.issue(person)).toEqual({ jwt: "a.b.c", expiresAt: 1_900_000_000_000 });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.url).toBe("http://dash/api/identity");
    expect(sent[0]!.init?.method).toBe("POST");
    expect(JSON.parse(String(sent[0]!.init?.body))).toEqual(person);
  });

  it("says signed out, with the fix, when the page's session is gone", async () => {
    const { client } = route(() => Response.json({ error: "no session" }, { status: 401 }));
    const e = await failure(client.issue(person));
    expect(e.message).toBe(SIGNED_OUT);
    expect(e.signedOut).toBe(true);
    expect(e.transient).toBe(false);
  });

  it("passes the route's explanation of a taken name on, or says it itself", async () => {
    const told = route(() => Response.json({ error: "Weather-Bot is online already" }, { status: 409 }));
    expect(
      (await failure(told.client.issue({ ...person, role: "agent", name: "Weather-Bot" }))).message,
    ).toBe("Weather-Bot is online already");
    const silent = route(() => new Response("", { status: 409 }));
    const e = await failure(silent.client.issue({ ...person, role: "agent", name: "Weather-Bot" }));
    expect(e.message).toBe("the name Weather-Bot is taken; choose another name");
    expect(e.status).toBe(409);
  });

  it("tells a server that did not answer (worth retrying) from one that refused", async () => {
    const down = route(() => {
      throw new TypeError("fetch failed");
    });
    const e = await failure(down.client.issue(person));
    expect(e.message).toBe("could not get a credential: the dashboard's server gave no answer");
    expect(e.transient).toBe(true);
    const failing = route(() => new Response("<html>Bad Gateway</html>", { status: 502 }));
    expect((await failure(failing.client.issue(person))).transient).toBe(true);
    const foreign = route(() => new Response("", { status: 403 }));
    const refused = await failure(foreign.client.issue(person));
    expect(refused.transient).toBe(false);
    expect(refused.message).toContain("open it at the address npm start printed");
  });

  it("refuses a credential for another name or role", async () => {
    const { client } = route(() =>
      Response.json({ jwt: "a.b.c", expiresAt: 1_900_000_000_000, name: "someone-else", role: "person" }),
    );
    expect((await failure(client.issue(person))).message).toBe(
      "the dashboard's server answered with a credential this page cannot use",
    );
  });
});
