import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { createCredentialsProvider, createSecretReader, SecretError } from "../../src/config";
import { FakeClock } from "../../src/shared/clock";
import { SecretRedactor } from "../../src/shared/logger";
import { fakeCredential, startFakeVault } from "./helpers/fakeVault";
import { load, NOW, v2Env } from "./helpers/env";

function configFor(vaultUrl: string) {
  return load(
    v2Env({
      MIMECAST_CLIENT_SECRET: undefined,
      MIMECAST_CLIENT_SECRET_NAME: "mimecast-client-secret",
      MIMECAST_KEY_VAULT_URI: vaultUrl,
      MIMECAST_ALLOW_INSECURE_HTTP: "true",
    }),
  );
}

describe("the real SecretClient against a loopback fake vault", () => {
  test("answers the bearer challenge, reads the secret and re-reads it after rotation", async () => {
    const vault = await startFakeVault({ "mimecast-client-secret": "kv-secret-v1" });
    try {
      const config = configFor(vault.url);
      const scopes: string[] = [];
      const secretClient = createSecretReader(config.keyVault!, fakeCredential(scopes));
      const clock = new FakeClock(NOW);
      const provider = createCredentialsProvider(config, {
        clock,
        secretClient,
        redactor: new SecretRedactor(),
      });

      const first = await provider.get();
      assert.equal(first.kind === "oauth2" && first.clientSecret, "kv-secret-v1");
      assert.deepEqual(vault.requests, [
        "GET /secrets/mimecast-client-secret/ auth=no",
        "GET /secrets/mimecast-client-secret/ auth=yes",
      ]);
      assert.deepEqual(scopes, ["https://vault.azure.net/.default"]);

      vault.secrets.set("mimecast-client-secret", "kv-secret-v2");
      provider.invalidate();
      const second = await provider.get();
      assert.equal(second.kind === "oauth2" && second.clientSecret, "kv-secret-v2");
    } finally {
      await vault.close();
    }
  });

  test("maps the vault's 403 and 404 answers to SecretErrors", async () => {
    const vault = await startFakeVault({ "mimecast-client-secret": "kv-secret-v1" });
    try {
      vault.forbidden.add("mimecast-client-secret");
      const config = configFor(vault.url);
      const secretClient = createSecretReader(config.keyVault!, fakeCredential(), {
        retryOptions: { maxRetries: 0 },
      });
      const provider = createCredentialsProvider(config, {
        clock: new FakeClock(NOW),
        secretClient,
        redactor: new SecretRedactor(),
      });
      const forbidden = await provider.get().catch((e: unknown) => e);
      assert.ok(forbidden instanceof SecretError);
      assert.equal(forbidden.reason, "forbidden");
      assert.equal(forbidden.status, 403);

      vault.forbidden.clear();
      vault.secrets.clear();
      const missing = await provider.get().catch((e: unknown) => e);
      assert.ok(missing instanceof SecretError);
      assert.equal(missing.reason, "not-found");
      assert.ok(missing.message.includes(vault.url));
    } finally {
      await vault.close();
    }
  });
});
