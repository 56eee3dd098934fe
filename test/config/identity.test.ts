import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { ManagedIdentityCredential } from "@azure/identity";
import { createAzureCredential } from "../../src/config";

const CLIENT_ID = "11111111-2222-3333-4444-555555555555";

test("createAzureCredential uses the managed identity, user-assigned when a client id is configured", async () => {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.url ?? "");
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        access_token: "msi-fake-token",
        expires_on: String(Math.floor(Date.parse("2100-01-01T00:00:00Z") / 1000)),
        resource: "https://vault.azure.net",
        token_type: "Bearer",
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // The Functions/App Service managed identity endpoint, faked on loopback (this test file runs in its own process).
  process.env.IDENTITY_ENDPOINT = `http://127.0.0.1:${(server.address() as AddressInfo).port}/msi/token`;
  process.env.IDENTITY_HEADER = "fake-identity-header";
  try {
    assert.ok(
      createAzureCredential({ managedIdentityClientId: undefined }) instanceof ManagedIdentityCredential,
    );
    const credential = createAzureCredential({ managedIdentityClientId: CLIENT_ID });
    const token = await credential.getToken("https://vault.azure.net/.default");
    assert.equal(token?.token, "msi-fake-token");
    const query = new URL(seen[0] ?? "", "http://x").searchParams;
    assert.equal(query.get("client_id"), CLIENT_ID);
    assert.equal(query.get("resource"), "https://vault.azure.net");
  } finally {
    delete process.env.IDENTITY_ENDPOINT;
    delete process.env.IDENTITY_HEADER;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
