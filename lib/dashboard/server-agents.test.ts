import { describe, expect, it } from "vitest";
import { ServerAgents, ServerAgentsError } from "./server-agents";

type Handler = (method: string, url: string, body: unknown) => Response | Promise<Response>;

function server(handler: Handler) {
  const calls: string[] = [];
  const fake: typeof fetch = async (input, init) => {
    const method = init?.method ?? "GET";
    calls.push(`${method} ${String(input)}`);
    const body = typeof init?.body === "string" ? (JSON.parse(init.body) as unknown) : undefined;
    return handler(method, String(input), body);
  };
  return { agents: new ServerAgents({ baseUrl: "http://dash", fetch: fake }), calls };
}

const spec = { name: "Srv-Bot", description: "", instructions: "be helpful", capabilities: [], tools: [] };

async function failure(p: Promise<unknown>): Promise<ServerAgentsError> {
  const e = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(e).toBeInstanceOf(ServerAgentsError);
  return e as ServerAgentsError;
}

describe("server agents through the routes", () => {
  it("lists, starts and stops", async () => {
    const { agents, calls } = server((method, _url, body) =>
      method === "GET"
        ? Response.json({ agents: [{ name: "A", spec: {} }, { name: "B" }] })
        : method === "POST"
          ? Response.json({ agent: body }, { status: 201 })
          : Response.json({ stopped: "Srv-Bot" }),
    );
    expect(await agents.list()).toEqual(["A", "B"]);
    await agents.start(spec);
    await agents.stop("Srv-Bot");
    expect(calls).toEqual([
      "GET http://dash/api/agents",
      "POST http://dash/api/agents",
      "DELETE http://dash/api/agents/Srv-Bot",
    ]);
  });

  it("passes the route's own explanation on", async () => {
    const { agents } = server(() =>
      Response.json({ error: "an agent named Srv-Bot is already online (runs in process)" }, { status: 409 }),
    );
    const e = await failure(agents.start(spec));
    expect(e.message).toBe("an agent named Srv-Bot is already online (runs in process)");
    expect(e.status).toBe(409);
  });

  it("says what failed when the answer explains nothing", async () => {
    const { agents } = server(() => new Response("<html>Bad Gateway</html>", { status: 502 }));
    const e = await failure(agents.stop("Srv-Bot"));
    expect(e.message).toBe("could not stop Srv-Bot: the server answered 502");
    expect(e.status).toBe(502);
  });

  it("says the server did not answer when the request fails", async () => {
    const { agents } = server(() => {
      throw new TypeError("fetch failed");
    });
    const e = await failure(agents.list());
    expect(e.message).toBe("could not list the server's agents: the dashboard's server gave no answer");
    expect(e.status).toBe(0);
    expect(e.cause).toBeInstanceOf(TypeError);
  });

  it("refuses an unreadable listing and a bad name before any request", async () => {
    const { agents, calls } = server(() => Response.json({ agents: "lots" }));
    expect((await failure(agents.list())).message).toBe("the server's list of agents is not readable");
    const e = await failure(agents.stop("../etc"));
    expect(e.status).toBe(0);
    expect(calls).toHaveLength(1);
  });
});
