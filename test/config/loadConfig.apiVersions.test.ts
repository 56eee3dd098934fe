import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { configError, issueFor, load, SECRETS, v1Env, v2Env } from "./helpers/env";

const settingsOf = (env: Record<string, string | undefined>): string[] =>
  configError(env).issues.map((i) => i.setting);

describe("credentials required per API version", () => {
  test("API 2.0 (the default) needs the client id and secret, and nothing from 1.0", () => {
    assert.deepEqual(settingsOf({}), ["MIMECAST_CLIENT_ID", "MIMECAST_CLIENT_SECRET"]);
    const error = configError({});
    assert.match(
      issueFor(error, "MIMECAST_CLIENT_ID").expected,
      /required when MIMECAST_API_VERSION is 2\.0 \(the default\)/,
    );
    assert.match(
      issueFor(error, "MIMECAST_CLIENT_SECRET").expected,
      /or set MIMECAST_CLIENT_SECRET_NAME to read it from Key Vault/,
    );
  });

  test("API 1.0 needs a regional base URL, the app id and the three keys", () => {
    assert.deepEqual(settingsOf({ MIMECAST_API_VERSION: "1.0" }), [
      "MIMECAST_BASE_URL",
      "MIMECAST_APP_ID",
      "MIMECAST_APP_KEY",
      "MIMECAST_ACCESS_KEY",
      "MIMECAST_SECRET_KEY",
    ]);
  });

  test("a complete 1.0 configuration yields HMAC credential sources", () => {
    const { credentials } = load(v1Env()).mimecast;
    assert.equal(credentials.kind, "hmac");
    assert.ok(credentials.kind === "hmac");
    assert.equal(credentials.appId, "app-id-1");
    assert.ok(credentials.secretKey.from === "app-setting");
    assert.equal(credentials.secretKey.value.reveal(), SECRETS.secretKey);
  });

  test("secrets named by *_NAME settings come from Key Vault", () => {
    const config = load(
      v1Env({
        MIMECAST_KEY_VAULT_URI: "https://contoso.vault.azure.net",
        MIMECAST_SECRET_KEY: undefined,
        MIMECAST_SECRET_KEY_NAME: "mimecast-secret-key",
      }),
    );
    const { credentials } = config.mimecast;
    assert.ok(credentials.kind === "hmac");
    assert.deepEqual(credentials.secretKey, {
      from: "key-vault",
      setting: "MIMECAST_SECRET_KEY_NAME",
      secretName: "mimecast-secret-key",
    });
    assert.equal(credentials.appKey.from, "app-setting");
  });

  test("warns about settings of the other API version instead of failing", () => {
    const config = load(v2Env({ MIMECAST_APP_ID: "app-id-1", MIMECAST_SECRET_KEY_NAME: "unused" }));
    assert.ok(
      config.warnings.includes(
        "MIMECAST_APP_ID is ignored: it is only read when MIMECAST_API_VERSION is 1.0",
      ),
    );
    assert.ok(config.warnings.some((w) => w.startsWith("MIMECAST_SECRET_KEY_NAME is ignored")));
  });

  test("warns when a vault is configured but no secret is read from it", () => {
    const config = load(v2Env({ MIMECAST_KEY_VAULT_URI: "https://contoso.vault.azure.net" }));
    assert.ok(
      config.warnings.some((w) =>
        w.startsWith("MIMECAST_KEY_VAULT_URI is set but no secret is read from it"),
      ),
    );
  });

  test("rejects a region alias of the other API version, listing the valid ones", () => {
    const v2 = issueFor(configError(v2Env({ MIMECAST_BASE_URL: "eu" })), "MIMECAST_BASE_URL");
    assert.match(v2.expected, /API 2\.0 region alias \(global, uk, us\)/);
    const v1 = issueFor(configError(v1Env({ MIMECAST_BASE_URL: "uk" })), "MIMECAST_BASE_URL");
    assert.match(v1.expected, /API 1\.0 region alias \(eu, de, us, usb, ca, za, au, jer\)/);
  });
});
