import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { SETTING_GROUPS, SETTING_NAMES, SETTINGS_SCHEMA } from "../../src/config";
import type { SettingName, SettingSchema } from "../../src/config";

/** One entry per key of the Settings type: the compiler rejects a missing or extra key here. */
const SETTINGS_TYPE_KEYS: Record<SettingName, true> = {
  MIMECAST_API_VERSION: true,
  MIMECAST_BASE_URL: true,
  MIMECAST_CLIENT_ID: true,
  MIMECAST_CLIENT_SECRET: true,
  MIMECAST_APP_ID: true,
  MIMECAST_APP_KEY: true,
  MIMECAST_ACCESS_KEY: true,
  MIMECAST_SECRET_KEY: true,
  MIMECAST_KEY_VAULT_URI: true,
  MIMECAST_CLIENT_SECRET_NAME: true,
  MIMECAST_APP_KEY_NAME: true,
  MIMECAST_ACCESS_KEY_NAME: true,
  MIMECAST_SECRET_KEY_NAME: true,
  MIMECAST_SECRET_CACHE_TTL_SECONDS: true,
  AZURE_CLIENT_ID: true,
  MIMECAST_SINK: true,
  MIMECAST_DCE_ENDPOINT: true,
  MIMECAST_DCR_IMMUTABLE_ID: true,
  MIMECAST_DCR_ROUTES: true,
  MIMECAST_LOGS_INGESTION_AUDIENCE: true,
  MIMECAST_TI_WORKSPACE_ID: true,
  MIMECAST_INGEST_CONCURRENCY: true,
  MIMECAST_LOCAL_SINK_DIR: true,
  MIMECAST_TABLE_NAMES: true,
  MIMECAST_SCHEDULE: true,
  MIMECAST_START_DATE: true,
  MIMECAST_LAG_SECONDS: true,
  MIMECAST_LATE_HORIZON_SECONDS: true,
  MIMECAST_SIEM_PATH: true,
  MIMECAST_FEEDS: true,
  MIMECAST_HTTP_TIMEOUT_MS: true,
  MIMECAST_MAX_RETRIES: true,
  MIMECAST_RATE_LIMIT_BUDGETS: true,
  MIMECAST_FILE_HOST_ALLOWLIST: true,
  MIMECAST_ALLOW_INSECURE_HTTP: true,
  MIMECAST_LOG_LEVEL: true,
  NODE_ENV: true,
};

const properties: Readonly<Record<string, SettingSchema>> = SETTINGS_SCHEMA.properties;
const entries = Object.entries(properties);

describe("settings schema", () => {
  test("has exactly the keys of the Settings type", () => {
    assert.deepEqual(Object.keys(properties).sort(), Object.keys(SETTINGS_TYPE_KEYS).sort());
    assert.deepEqual(SETTING_NAMES, Object.keys(properties));
  });

  test("names every setting MIMECAST_UPPER_SNAKE_CASE, except standard variables", () => {
    const standard = new Set(["AZURE_CLIENT_ID", "NODE_ENV"]);
    for (const name of SETTING_NAMES) {
      assert.ok(standard.has(name) || /^MIMECAST_[A-Z0-9]+(_[A-Z0-9]+)*$/.test(name), name);
    }
  });

  test("documents every setting", () => {
    for (const [name, setting] of entries) {
      assert.ok(setting.description.length > 20, `${name} needs a description`);
      assert.ok(setting["x-expected"], `${name} needs x-expected`);
      assert.ok(SETTING_GROUPS.includes(setting["x-group"]), `${name} has an unknown group`);
    }
  });

  test("cross-references only existing settings", () => {
    for (const [name, setting] of entries) {
      const referenced = [
        ...Object.keys(setting["x-requiredWhen"] ?? {}),
        ...(setting["x-requires"] ?? []),
        ...(setting["x-keyVaultName"] ? [setting["x-keyVaultName"]] : []),
      ];
      for (const other of referenced) assert.ok(other in properties, `${name} refers to unknown ${other}`);
    }
  });

  test("lets every secret come from Key Vault, through a name setting that needs the vault URI", () => {
    const secrets = entries.filter(([, s]) => s["x-secret"]);
    assert.deepEqual(
      secrets.map(([name]) => name),
      ["MIMECAST_CLIENT_SECRET", "MIMECAST_APP_KEY", "MIMECAST_ACCESS_KEY", "MIMECAST_SECRET_KEY"],
    );
    for (const [name, secret] of secrets) {
      const nameSetting = properties[secret["x-keyVaultName"] ?? ""];
      assert.ok(nameSetting, `${name} has no Key Vault name setting`);
      assert.deepEqual(nameSetting["x-requires"], ["MIMECAST_KEY_VAULT_URI"]);
      assert.equal(nameSetting["x-apiVersion"], secret["x-apiVersion"]);
    }
  });

  test("has no static default on a required setting", () => {
    for (const [name, setting] of entries) {
      assert.ok(!(setting.default !== undefined && setting["x-requiredWhen"]), name);
    }
  });
});
