import * as assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../../../src/config";
import type { Config, ConfigIssue } from "../../../src/config";
import { SecretRedactor } from "../../../src/shared/logger";

export type Env = Record<string, string | undefined>;

/** A fixed "now" for every config test: 2025-06-01T12:00:00Z. */
export const NOW = Date.parse("2025-06-01T12:00:00Z");

/** Distinctive values, so a leak is easy to grep for. */
export const SECRETS = {
  clientSecret: "oauth-client-secret-7f3a9c",
  appKey: "hmac-app-key-51c0e2",
  accessKey: "hmac-access-key-a8d4b7",
  secretKey: Buffer.from("hmac-secret-key-bytes-0042").toString("base64"),
} as const;

export const DCE = "https://mimecast-dce-a1b2.eastus-1.ingest.monitor.azure.com";
export const DCR = "dcr-0123456789abcdef0123456789abcdef";

export function v2Env(overrides: Env = {}): Env {
  return { MIMECAST_CLIENT_ID: "client-id-1", MIMECAST_CLIENT_SECRET: SECRETS.clientSecret, ...overrides };
}

export function v1Env(overrides: Env = {}): Env {
  return {
    MIMECAST_API_VERSION: "1.0",
    MIMECAST_BASE_URL: "eu",
    MIMECAST_APP_ID: "app-id-1",
    MIMECAST_APP_KEY: SECRETS.appKey,
    MIMECAST_ACCESS_KEY: SECRETS.accessKey,
    MIMECAST_SECRET_KEY: SECRETS.secretKey,
    ...overrides,
  };
}

/** loadConfig with a private redactor, so tests do not share the process-wide one. */
export function load(env: Env, now = NOW, redactor = new SecretRedactor()): Config {
  return loadConfig(env, now, { redactor });
}

export function configError(env: Env, now = NOW): ConfigError {
  try {
    load(env, now);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected loadConfig to throw a ConfigError");
}

export function issueFor(error: ConfigError, setting: string): ConfigIssue {
  const found = error.issues.find((i) => i.setting === setting);
  assert.ok(found, `expected an issue for ${setting}; got: ${error.message}`);
  return found;
}
