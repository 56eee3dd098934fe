import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { createCredentialsProvider, SecretError } from "../../src/config";
import type { Config, SecretReader } from "../../src/config";
import { FakeClock } from "../../src/shared/clock";
import { SecretRedactor } from "../../src/shared/logger";
import { load, NOW, SECRETS, v1Env, v2Env } from "./helpers/env";

const TTL_MS = 600_000;

function vaultConfig(overrides: Record<string, string | undefined> = {}): Config {
  return load(
    v2Env({
      MIMECAST_CLIENT_SECRET: undefined,
      MIMECAST_CLIENT_SECRET_NAME: "mimecast-client-secret",
      MIMECAST_KEY_VAULT_URI: "https://contoso.vault.azure.net",
      MIMECAST_SECRET_CACHE_TTL_SECONDS: String(TTL_MS / 1000),
      ...overrides,
    }),
  );
}

/** A SecretReader backed by a map, counting reads; `gate` holds reads until released. */
class FakeReader implements SecretReader {
  reads: string[] = [];
  gate: Promise<void> | undefined;
  failure: Error | undefined;
  constructor(readonly values: Map<string, string>) {}
  async getSecret(name: string): Promise<{ value?: string }> {
    this.reads.push(name);
    await this.gate;
    if (this.failure) throw this.failure;
    return { value: this.values.get(name) };
  }
}

function statusError(statusCode: number): Error {
  return Object.assign(new Error(`status ${statusCode}`), { name: "RestError", statusCode });
}

async function rejection(promise: Promise<unknown>): Promise<SecretError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SecretError, `expected a SecretError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected a rejection");
}

describe("credentials from app settings", () => {
  test("returns the configured values and registers them for redaction", async () => {
    const redactor = new SecretRedactor();
    const provider = createCredentialsProvider(load(v1Env()), { clock: new FakeClock(NOW), redactor });
    const credentials = await provider.get();
    assert.deepEqual(credentials, {
      kind: "hmac",
      appId: "app-id-1",
      appKey: SECRETS.appKey,
      accessKey: SECRETS.accessKey,
      secretKey: SECRETS.secretKey,
    });
    for (const secret of Object.values(SECRETS).slice(1))
      assert.equal(redactor.redact(`x ${secret} x`), "x [REDACTED] x");
  });

  test("needs no Key Vault client", async () => {
    const provider = createCredentialsProvider(load(v2Env()), { clock: new FakeClock(NOW) });
    assert.deepEqual(await provider.get(), {
      kind: "oauth2",
      clientId: "client-id-1",
      clientSecret: SECRETS.clientSecret,
    });
  });
});

describe("credentials from Key Vault", () => {
  test("reuses a read for the cache TTL, then reads again", async () => {
    const clock = new FakeClock(NOW);
    const reader = new FakeReader(new Map([["mimecast-client-secret", "vault-secret-v1"]]));
    const provider = createCredentialsProvider(vaultConfig(), {
      clock,
      secretClient: reader,
      redactor: new SecretRedactor(),
    });

    assert.deepEqual(await provider.get(), {
      kind: "oauth2",
      clientId: "client-id-1",
      clientSecret: "vault-secret-v1",
    });
    clock.advance(TTL_MS - 1);
    await provider.get();
    assert.equal(reader.reads.length, 1);

    reader.values.set("mimecast-client-secret", "vault-secret-v2");
    clock.advance(1);
    const rotated = await provider.get();
    assert.equal(rotated.kind === "oauth2" && rotated.clientSecret, "vault-secret-v2");
    assert.equal(reader.reads.length, 2);
  });

  test("re-reads the vault after invalidate, picking up a rotated secret", async () => {
    const reader = new FakeReader(new Map([["mimecast-client-secret", "vault-secret-v1"]]));
    const redactor = new SecretRedactor();
    const provider = createCredentialsProvider(vaultConfig(), {
      clock: new FakeClock(NOW),
      secretClient: reader,
      redactor,
    });
    await provider.get();
    reader.values.set("mimecast-client-secret", "vault-secret-rotated");
    provider.invalidate();
    const credentials = await provider.get();
    assert.equal(credentials.kind === "oauth2" && credentials.clientSecret, "vault-secret-rotated");
    assert.equal(reader.reads.length, 2);
    assert.equal(redactor.redact("vault-secret-v1 vault-secret-rotated"), "[REDACTED] [REDACTED]");
  });

  test("shares one read between concurrent callers", async () => {
    const reader = new FakeReader(new Map([["mimecast-client-secret", "vault-secret-v1"]]));
    let release = (): void => {};
    reader.gate = new Promise<void>((resolve) => (release = resolve));
    const provider = createCredentialsProvider(vaultConfig(), {
      clock: new FakeClock(NOW),
      secretClient: reader,
      redactor: new SecretRedactor(),
    });
    const pending = [provider.get(), provider.get(), provider.get()];
    provider.invalidate(); // a 401 elsewhere while the read is in flight must not start a second read
    pending.push(provider.get());
    release();
    const results = await Promise.all(pending);
    assert.equal(reader.reads.length, 1);
    for (const result of results) assert.equal(result, results[0]);
  });

  test("reads the API 1.0 keys in parallel and mixes vault and app-setting sources", async () => {
    const reader = new FakeReader(
      new Map([
        ["mc-access-key", "vault-access-key"],
        ["mc-secret-key", Buffer.from("vault secret key").toString("base64")],
      ]),
    );
    const config = load(
      v1Env({
        MIMECAST_KEY_VAULT_URI: "https://contoso.vault.azure.net",
        MIMECAST_ACCESS_KEY: undefined,
        MIMECAST_ACCESS_KEY_NAME: "mc-access-key",
        MIMECAST_SECRET_KEY: undefined,
        MIMECAST_SECRET_KEY_NAME: "mc-secret-key",
      }),
    );
    const provider = createCredentialsProvider(config, {
      clock: new FakeClock(NOW),
      secretClient: reader,
      redactor: new SecretRedactor(),
    });
    const credentials = await provider.get();
    assert.ok(credentials.kind === "hmac");
    assert.equal(credentials.appKey, SECRETS.appKey);
    assert.equal(credentials.accessKey, "vault-access-key");
    assert.deepEqual(reader.reads.sort(), ["mc-access-key", "mc-secret-key"]);
  });

  test("does not cache a failure: the next get reads again", async () => {
    const reader = new FakeReader(new Map([["mimecast-client-secret", "vault-secret-v1"]]));
    reader.failure = statusError(503);
    const provider = createCredentialsProvider(vaultConfig(), {
      clock: new FakeClock(NOW),
      secretClient: reader,
      redactor: new SecretRedactor(),
    });
    const error = await rejection(provider.get());
    assert.equal(error.reason, "unexpected");
    reader.failure = undefined;
    assert.equal((await provider.get()).kind, "oauth2");
    assert.equal(reader.reads.length, 2);
  });

  const failures: Array<[string, () => Error, string, RegExp]> = [
    ["403", () => statusError(403), "forbidden", /HTTP 403.*"Key Vault Secrets User" role/],
    ["404", () => statusError(404), "not-found", /HTTP 404.*Check MIMECAST_CLIENT_SECRET_NAME/],
    ["401", () => statusError(401), "unauthorized", /HTTP 401/],
    [
      "a missing managed identity",
      () => Object.assign(new Error("no MSI endpoint"), { name: "CredentialUnavailableError" }),
      "identity-unavailable",
      /Enable the Function App's system-assigned identity, or set AZURE_CLIENT_ID/,
    ],
    [
      "a network failure",
      () => Object.assign(new Error("connect ECONNREFUSED"), { name: "RestError", code: "ECONNREFUSED" }),
      "unreachable",
      /could not be reached \(ECONNREFUSED\)/,
    ],
  ];
  for (const [what, makeError, reason, explanation] of failures) {
    test(`turns ${what} into a SecretError naming the vault and the secret`, async () => {
      const reader = new FakeReader(new Map());
      reader.failure = makeError();
      const provider = createCredentialsProvider(vaultConfig(), {
        clock: new FakeClock(NOW),
        secretClient: reader,
        redactor: new SecretRedactor(),
      });
      const error = await rejection(provider.get());
      assert.equal(error.reason, reason);
      assert.equal(error.vaultUri, "https://contoso.vault.azure.net");
      assert.equal(error.secretName, "mimecast-client-secret");
      assert.equal(error.setting, "MIMECAST_CLIENT_SECRET_NAME");
      assert.match(
        error.message,
        /^Cannot use secret "mimecast-client-secret" from Key Vault https:\/\/contoso\.vault\.azure\.net: /,
      );
      assert.match(error.message, explanation);
    });
  }

  test("names a user-assigned identity in the permission hint", async () => {
    const reader = new FakeReader(new Map());
    reader.failure = statusError(403);
    const config = vaultConfig({ AZURE_CLIENT_ID: "11111111-2222-3333-4444-555555555555" });
    const provider = createCredentialsProvider(config, { clock: new FakeClock(NOW), secretClient: reader });
    const error = await rejection(provider.get());
    assert.match(
      error.message,
      /user-assigned \(client id 11111111-2222-3333-4444-555555555555\) managed identity/,
    );
  });

  test("rejects an empty secret", async () => {
    const reader = new FakeReader(new Map([["mimecast-client-secret", "  "]]));
    const provider = createCredentialsProvider(vaultConfig(), {
      clock: new FakeClock(NOW),
      secretClient: reader,
    });
    assert.equal((await rejection(provider.get())).reason, "empty-value");
  });

  test("rejects a vault secret key that is not base64 without quoting it", async () => {
    const reader = new FakeReader(new Map([["mc-secret-key", "not-base64!-vault-value"]]));
    const config = load(
      v1Env({
        MIMECAST_KEY_VAULT_URI: "https://contoso.vault.azure.net",
        MIMECAST_SECRET_KEY: undefined,
        MIMECAST_SECRET_KEY_NAME: "mc-secret-key",
      }),
    );
    const redactor = new SecretRedactor();
    const provider = createCredentialsProvider(config, {
      clock: new FakeClock(NOW),
      secretClient: reader,
      redactor,
    });
    const error = await rejection(provider.get());
    assert.equal(error.reason, "invalid-value");
    assert.match(error.message, /not valid base64, which MIMECAST_SECRET_KEY_NAME requires/);
    assert.ok(!error.message.includes("not-base64!-vault-value"));
    assert.equal(redactor.redact("not-base64!-vault-value"), "[REDACTED]");
  });
});
