import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeInstance {
  name: string;
  instanceId: string;
  runtimeStatus: string;
  input?: unknown;
  output?: unknown;
  customStatus?: unknown;
  createdTime: string;
  lastUpdatedTime: string;
}

/**
 * The Durable extension's HTTP API as the durable-functions client calls it (rpcBaseUrl routes),
 * in memory on 127.0.0.1: enough to run the real DurableClient in tests.
 */
export async function startFakeDurableExtension() {
  const instances = new Map<string, FakeInstance>();
  const entities = new Map<string, unknown>();
  const signals: { entity: string; op: string; input: unknown }[] = [];
  const events: { instanceId: string; name: string; data: unknown }[] = [];
  const seen: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
      seen.push(`${req.method} ${url.pathname}${url.search}`);
      const json = (status: number, value?: unknown): void => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(value === undefined ? "" : JSON.stringify(value));
      };
      const now = new Date().toISOString();
      // parts[0] === "durabletask"
      if (parts[1] === "instances" && req.method === "GET") {
        if (parts[2] === undefined) return json(200, [...instances.values()]);
        const instance = instances.get(parts[2]);
        return instance ? json(200, instance) : json(404);
      }
      if (parts[1] === "orchestrators" && req.method === "POST") {
        const [name, id] = [parts[2] ?? "", parts[3] ?? ""];
        instances.set(id, {
          name,
          instanceId: id,
          runtimeStatus: "Running",
          input: body ? (JSON.parse(body) as unknown) : null,
          output: null,
          customStatus: null,
          createdTime: now,
          lastUpdatedTime: now,
        });
        return json(202, { id });
      }
      if (parts[1] === "instances" && parts[3] === "raiseEvent" && req.method === "POST") {
        if (!instances.has(parts[2] ?? "")) return json(404);
        events.push({
          instanceId: parts[2] ?? "",
          name: parts[4] ?? "",
          data: body ? (JSON.parse(body) as unknown) : undefined,
        });
        return json(202);
      }
      if (parts[1] === "instances" && parts[3] === undefined && req.method === "DELETE") {
        return instances.delete(parts[2] ?? "") ? json(200, { instancesDeleted: 1 }) : json(404);
      }
      if (parts[1] === "instances" && parts[3] === "terminate" && req.method === "POST") {
        const instance = instances.get(parts[2] ?? "");
        if (!instance) return json(404);
        instance.runtimeStatus = "Terminated";
        instance.output = url.searchParams.get("reason");
        return json(202);
      }
      if (parts[1] === "entities") {
        const key = `${parts[2] ?? ""}/${parts[3] ?? ""}`;
        if (req.method === "GET") return entities.has(key) ? json(200, entities.get(key)) : json(404);
        signals.push({
          entity: key,
          op: url.searchParams.get("op") ?? "",
          input: body ? (JSON.parse(body) as unknown) : undefined,
        });
        return json(202);
      }
      json(400, { error: `unexpected ${req.method} ${url.pathname}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}/runtime/webhooks/durabletask`;
  return {
    instances,
    entities,
    signals,
    events,
    seen,
    /** The durableClient input binding value the host would pass. */
    clientData: {
      taskHubName: "TestHub",
      creationUrls: {},
      managementUrls: {
        id: "INSTANCEID",
        statusQueryGetUri: `${base}/instances/INSTANCEID?taskHub=TestHub&connection=Storage&code=abc`,
        sendEventPostUri: `${base}/instances/INSTANCEID/raiseEvent/{eventName}?code=abc`,
        terminatePostUri: `${base}/instances/INSTANCEID/terminate?reason={text}&code=abc`,
        rewindPostUri: `${base}/instances/INSTANCEID/rewind?reason={text}&code=abc`,
        purgeHistoryDeleteUri: `${base}/instances/INSTANCEID?code=abc`,
        suspendPostUri: `${base}/instances/INSTANCEID/suspend?reason={text}&code=abc`,
        resumePostUri: `${base}/instances/INSTANCEID/resume?reason={text}&code=abc`,
      },
      rpcBaseUrl: `http://127.0.0.1:${port}/durabletask/`,
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
