import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { TokenCredential } from "@azure/identity";

export interface FakeVault {
  url: string;
  /** Secret values by name; change one to simulate rotation. */
  secrets: Map<string, string>;
  /** Secret names the caller may not read (answered with 403). */
  forbidden: Set<string>;
  /** "GET /secrets/<name>/ auth=<yes|no>" per request. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * A Key Vault stand-in on 127.0.0.1: answers the first, unauthenticated request with the 401 bearer
 * challenge real vaults send, then serves secrets (404 for unknown names, 403 for forbidden ones).
 */
export async function startFakeVault(secrets: Record<string, string>): Promise<FakeVault> {
  const vault = {
    secrets: new Map(Object.entries(secrets)),
    forbidden: new Set<string>(),
    requests: [] as string[],
  };
  const server = http.createServer((req, res) => {
    req.resume();
    const name = decodeURIComponent(new URL(req.url ?? "/", "http://vault").pathname.split("/")[2] ?? "");
    const authorized = req.headers.authorization === "Bearer kv-fake-token";
    vault.requests.push(`${req.method} /secrets/${name}/ auth=${authorized ? "yes" : "no"}`);
    if (!authorized) {
      res.writeHead(401, {
        "WWW-Authenticate":
          'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"',
      });
      res.end();
      return;
    }
    const value = vault.secrets.get(name);
    if (vault.forbidden.has(name)) return sendError(res, 403, "Forbidden", "Caller is not authorized");
    if (value === undefined)
      return sendError(res, 404, "SecretNotFound", `A secret with (name/id) ${name} was not found`);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({ value, id: `https://fake.vault/secrets/${name}/v1`, attributes: { enabled: true } }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...vault,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function sendError(res: http.ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: { code, message } }));
}

/** A TokenCredential that always succeeds and records the scopes it was asked for. */
export function fakeCredential(scopes: string[] = []): TokenCredential {
  return {
    getToken: (scope) => {
      scopes.push(...(Array.isArray(scope) ? scope : [scope]));
      return Promise.resolve({
        token: "kv-fake-token",
        expiresOnTimestamp: Date.parse("2100-01-01T00:00:00Z"),
      });
    },
  };
}
