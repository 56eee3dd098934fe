import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { configError, issueFor, load, v2Env } from "./helpers/env";

const vaultEnv = (uri: string, extra: Record<string, string> = {}): Record<string, string | undefined> =>
  v2Env({
    MIMECAST_CLIENT_SECRET: undefined,
    MIMECAST_CLIENT_SECRET_NAME: "mimecast-client-secret",
    MIMECAST_KEY_VAULT_URI: uri,
    ...extra,
  });

describe("http and https URLs", () => {
  test("refuses a plain-http base URL", () => {
    const found = issueFor(
      configError(v2Env({ MIMECAST_BASE_URL: "http://api.services.mimecast.com" })),
      "MIMECAST_BASE_URL",
    );
    assert.match(found.expected, /https:\/\/ URL \(http:\/\/ only with MIMECAST_ALLOW_INSECURE_HTTP=true/);
  });

  test("refuses plain http to loopback without the switch", () => {
    issueFor(configError(v2Env({ MIMECAST_BASE_URL: "http://127.0.0.1:8080" })), "MIMECAST_BASE_URL");
  });

  test("allows plain http to loopback hosts with MIMECAST_ALLOW_INSECURE_HTTP=true", () => {
    for (const url of ["http://127.0.0.1:8080", "http://localhost:8080/", "http://[::1]:8080"]) {
      const config = load(v2Env({ MIMECAST_BASE_URL: url, MIMECAST_ALLOW_INSECURE_HTTP: "true" }));
      assert.equal(config.mimecast.baseUrl, url.replace(/\/$/, ""));
      assert.equal(config.allowInsecureHttp, true);
    }
  });

  test("ignores the switch for other hosts unless NODE_ENV=test", () => {
    const env = v2Env({ MIMECAST_BASE_URL: "http://simulator:8080", MIMECAST_ALLOW_INSECURE_HTTP: "true" });
    issueFor(configError(env), "MIMECAST_BASE_URL");
    issueFor(configError({ ...env, NODE_ENV: "production" }), "MIMECAST_BASE_URL");
    assert.equal(load({ ...env, NODE_ENV: "test" }).mimecast.baseUrl, "http://simulator:8080");
  });

  test("applies the same rule to the DCE endpoint", () => {
    const env = v2Env({
      MIMECAST_DCE_ENDPOINT: "http://127.0.0.1:9000",
      MIMECAST_DCR_IMMUTABLE_ID: `dcr-${"a".repeat(32)}`,
    });
    issueFor(configError(env), "MIMECAST_DCE_ENDPOINT");
    const config = load({ ...env, MIMECAST_ALLOW_INSECURE_HTTP: "true" });
    assert.equal(config.sink.kind === "logs-ingestion" && config.sink.dceEndpoint, "http://127.0.0.1:9000");
  });

  test("accepts a loopback fake vault only with the switch", () => {
    issueFor(configError(vaultEnv("http://127.0.0.1:9001")), "MIMECAST_KEY_VAULT_URI");
    issueFor(configError(vaultEnv("https://127.0.0.1:9001")), "MIMECAST_KEY_VAULT_URI");
    const config = load(vaultEnv("http://127.0.0.1:9001", { MIMECAST_ALLOW_INSECURE_HTTP: "true" }));
    assert.equal(config.keyVault?.uri, "http://127.0.0.1:9001");
  });
});
