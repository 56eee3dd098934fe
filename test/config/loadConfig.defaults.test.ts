import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { inspect } from "node:util";
import { FEED_IDS } from "../../src/config";
import { DCE, DCR, load, NOW, SECRETS, v1Env, v2Env } from "./helpers/env";

const DAY_MS = 86_400_000;

describe("loadConfig defaults", () => {
  test("fills every optional setting with its documented default", () => {
    const config = load(v2Env());
    assert.equal(config.mimecast.apiVersion, "2.0");
    assert.equal(config.mimecast.baseUrl, "https://api.services.mimecast.com");
    assert.equal(config.mimecast.httpTimeoutMs, 60_000);
    assert.equal(config.mimecast.maxRetries, 5);
    assert.deepEqual(config.mimecast.rateLimitBudgets, {});
    assert.deepEqual(config.mimecast.fileHostAllowlist, [".s3.amazonaws.com", ".s3.*.amazonaws.com"]);
    assert.equal(config.keyVault, undefined);
    assert.equal(config.managedIdentityClientId, undefined);
    assert.deepEqual(config.sink, { kind: "local", directory: ".local/sink", tableNames: {} });
    assert.equal(config.ingestion.schedule, "0 */5 * * * *");
    assert.equal(config.ingestion.startTimeMs, NOW - 60 * DAY_MS);
    assert.equal(config.ingestion.lagMs, 60_000, "short: the late-event sweep covers later arrivals");
    assert.equal(config.ingestion.lateHorizonMs, 7_200_000);
    assert.deepEqual(
      config.ingestion.feeds,
      FEED_IDS.filter((id) => id !== "siem-v1"),
      "all = every API 2.0 feed",
    );
    assert.equal(config.logLevel, "info");
    assert.equal(config.allowInsecureHttp, false);
  });

  test("sends to the Logs Ingestion API when the DCE and DCR are set", () => {
    const config = load(v2Env({ MIMECAST_DCE_ENDPOINT: `${DCE}/`, MIMECAST_DCR_IMMUTABLE_ID: DCR }));
    assert.deepEqual(config.sink, {
      kind: "logs-ingestion",
      dceEndpoint: DCE,
      dcrImmutableId: DCR,
      dcrRoutes: {},
      audience: "https://monitor.azure.com",
      concurrency: 4,
      tableNames: {},
    });
    assert.ok(!config.warnings.some((w) => w.includes("MIMECAST_SINK")));
  });

  test("warns that a defaulted local sink keeps records out of Sentinel", () => {
    const defaulted = load(v2Env());
    assert.ok(defaulted.warnings.some((w) => w.startsWith("MIMECAST_SINK defaults to local")));
    const explicit = load(v2Env({ MIMECAST_SINK: "local" }));
    assert.deepEqual(explicit.warnings, []);
  });

  test("coerces numeric and boolean settings from their string values", () => {
    const config = load(
      v2Env({
        MIMECAST_INGEST_CONCURRENCY: "8",
        MIMECAST_DCE_ENDPOINT: DCE,
        MIMECAST_DCR_IMMUTABLE_ID: DCR,
        MIMECAST_LAG_SECONDS: "0",
        MIMECAST_SECRET_CACHE_TTL_SECONDS: "120",
        MIMECAST_KEY_VAULT_URI: "https://contoso.vault.azure.net/",
        MIMECAST_CLIENT_SECRET: undefined,
        MIMECAST_CLIENT_SECRET_NAME: "mimecast-client-secret",
        MIMECAST_ALLOW_INSECURE_HTTP: "false",
      }),
    );
    assert.equal(config.sink.kind === "logs-ingestion" && config.sink.concurrency, 8);
    assert.equal(config.ingestion.lagMs, 0);
    assert.deepEqual(config.keyVault, { uri: "https://contoso.vault.azure.net", secretCacheTtlMs: 120_000 });
    assert.equal(config.allowInsecureHttp, false);
  });

  test("treats empty and blank values as unset and trims the rest", () => {
    const config = load(
      v2Env({ MIMECAST_LOG_LEVEL: "", MIMECAST_FEEDS: "   ", MIMECAST_CLIENT_ID: "  client-7  " }),
    );
    assert.equal(config.logLevel, "info");
    assert.deepEqual(
      config.ingestion.feeds,
      FEED_IDS.filter((id) => id !== "siem-v1"),
      "all = every API 2.0 feed",
    );
    assert.equal(
      config.mimecast.credentials.kind === "oauth2" && config.mimecast.credentials.clientId,
      "client-7",
    );
  });

  test("returns a deeply frozen object", () => {
    const config = load(v2Env({ MIMECAST_FEEDS: "dlp,audit" }));
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.mimecast.credentials));
    assert.ok(Object.isFrozen(config.ingestion.feeds));
    assert.throws(() => {
      (config.ingestion.feeds as string[]).push("siem-cg");
    }, TypeError);
  });

  test("resolves base URL aliases for the configured API version", () => {
    assert.equal(
      load(v2Env({ MIMECAST_BASE_URL: "uk" })).mimecast.baseUrl,
      "https://uk-api.services.mimecast.com",
    );
    assert.equal(
      load(v2Env({ MIMECAST_BASE_URL: "us" })).mimecast.baseUrl,
      "https://us-api.services.mimecast.com",
    );
    assert.equal(load(v1Env({ MIMECAST_BASE_URL: "us" })).mimecast.baseUrl, "https://us-api.mimecast.com");
    assert.equal(load(v1Env({ MIMECAST_BASE_URL: "jer" })).mimecast.baseUrl, "https://jer-api.mimecast.com");
    const custom = load(v2Env({ MIMECAST_BASE_URL: "https://proxy.example.com/mimecast/" }));
    assert.equal(custom.mimecast.baseUrl, "https://proxy.example.com/mimecast");
  });

  test("parses structured settings into typed values", () => {
    const config = load(
      v2Env({
        MIMECAST_FEEDS: "audit, DLP,audit",
        MIMECAST_TABLE_NAMES: "audit=MimecastAudit_CL",
        MIMECAST_RATE_LIMIT_BUDGETS: "siem-batch-cg=50/900000,default=20/60000",
        MIMECAST_FILE_HOST_ALLOWLIST: ".amazonaws.com, 127.0.0.1",
        MIMECAST_START_DATE: "2025-05-01",
        AZURE_CLIENT_ID: "11111111-2222-3333-4444-555555555555",
      }),
    );
    assert.deepEqual(config.ingestion.feeds, ["audit", "dlp"]);
    assert.deepEqual(config.sink.tableNames, { audit: "MimecastAudit_CL" });
    assert.deepEqual(config.mimecast.rateLimitBudgets, {
      "siem-batch-cg": { requests: 50, windowMs: 900_000 },
      default: { requests: 20, windowMs: 60_000 },
    });
    assert.deepEqual(config.mimecast.fileHostAllowlist, [".amazonaws.com", "127.0.0.1"]);
    assert.equal(config.ingestion.startTimeMs, Date.parse("2025-05-01T00:00:00Z"));
    assert.equal(config.managedIdentityClientId, "11111111-2222-3333-4444-555555555555");
  });

  test("prints app-setting secrets as [REDACTED] in JSON and inspect output", () => {
    const config = load(v2Env());
    const secret =
      config.mimecast.credentials.kind === "oauth2" ? config.mimecast.credentials.clientSecret : undefined;
    assert.equal(secret?.from === "app-setting" && secret.value.reveal(), SECRETS.clientSecret);
    assert.ok(!JSON.stringify(config).includes(SECRETS.clientSecret));
    assert.ok(!inspect(config, { depth: 10 }).includes(SECRETS.clientSecret));
    assert.ok(!`${String(secret?.from === "app-setting" && secret.value)}`.includes(SECRETS.clientSecret));
  });
});
