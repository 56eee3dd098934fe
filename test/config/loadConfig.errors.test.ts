import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { FEED_IDS } from "../../src/config";
import { configError, issueFor, load, NOW, SECRETS, v1Env, v2Env } from "./helpers/env";

describe("loadConfig errors", () => {
  const invalid: Array<[setting: string, value: string, expected: RegExp]> = [
    ["MIMECAST_API_VERSION", "3", /2\.0 or 1\.0/],
    ["MIMECAST_LOG_LEVEL", "verbose", /debug, info, warn or error/],
    ["MIMECAST_INGEST_CONCURRENCY", "0", /integer from 1 to 16/],
    ["MIMECAST_INGEST_CONCURRENCY", "17", /integer from 1 to 16/],
    ["MIMECAST_INGEST_CONCURRENCY", "four", /integer from 1 to 16/],
    ["MIMECAST_HTTP_TIMEOUT_MS", "1.5", /integer from 1000 to 600000/],
    ["MIMECAST_MAX_RETRIES", "11", /integer from 0 to 10/],
    ["MIMECAST_SECRET_CACHE_TTL_SECONDS", "5", /integer from 60 to 86400/],
    ["MIMECAST_ALLOW_INSECURE_HTTP", "yes", /true or false/],
    [
      "MIMECAST_DCR_IMMUTABLE_ID",
      "/subscriptions/x/dataCollectionRules/y",
      /dcr- followed by 32 hexadecimal/,
    ],
    ["MIMECAST_LOGS_INGESTION_AUDIENCE", "https://monitor.example.com", /monitor\.azure\.us/],
    ["MIMECAST_SINK", "sentinel", /logs-ingestion or local/],
    ["MIMECAST_DCE_ENDPOINT", "dce.example.com", /https:\/\/ URL/],
    ["MIMECAST_KEY_VAULT_URI", "not a url", /vault\.azure\.net/],
    ["MIMECAST_CLIENT_SECRET_NAME", "mimecast_secret!", /Key Vault secret name/],
    ["AZURE_CLIENT_ID", "my-identity", /GUID/],
    ["MIMECAST_SCHEDULE", "*/5 * * * *", /6-field cron/],
    ["MIMECAST_START_DATE", "31/01/2025", /YYYY-MM-DD/],
    ["MIMECAST_FEEDS", "dlp,siem", /valid ids: siem-cg/],
    ["MIMECAST_TABLE_NAMES", "audit=Audit", /_CL/],
    ["MIMECAST_RATE_LIMIT_BUDGETS", "siem-batch-cg=50", /<requests>\/<window ms>/],
    ["MIMECAST_FILE_HOST_ALLOWLIST", ".com", /\.suffix/],
    ["MIMECAST_BASE_URL", "ftp://api.example.com", /region alias/],
  ];
  for (const [setting, value, expected] of invalid) {
    test(`rejects ${setting}=${JSON.stringify(value)}, naming the setting, the expectation and the value`, () => {
      const error = configError(v2Env({ [setting]: value }));
      const found = issueFor(error, setting);
      assert.match(found.expected, expected);
      assert.ok(found.received.includes(JSON.stringify(value)), found.received);
      assert.ok(error.message.includes(`${setting}: expected`), error.message);
    });
  }

  test("explains why a structured value is wrong", () => {
    const feeds = issueFor(configError(v2Env({ MIMECAST_FEEDS: "dlp,siem" })), "MIMECAST_FEEDS");
    assert.match(feeds.received, /unknown feed id\(s\) "siem"/);
    for (const id of FEED_IDS) assert.ok(feeds.expected.includes(id), `valid ids should list ${id}`);
    const schedule = issueFor(configError(v2Env({ MIMECAST_SCHEDULE: "0 61 * * * *" })), "MIMECAST_SCHEDULE");
    assert.match(schedule.received, /minute field "61" is outside 0-59/);
  });

  test("reports every problem in one error, in settings order", () => {
    const error = configError({
      MIMECAST_SCHEDULE: "* * * * * *",
      MIMECAST_LOG_LEVEL: "loud",
      MIMECAST_INGEST_CONCURRENCY: "99",
      MIMECAST_START_DATE: "2030-01-01",
    });
    const settings = error.issues.map((i) => i.setting);
    assert.deepEqual(settings, [
      "MIMECAST_CLIENT_ID",
      "MIMECAST_CLIENT_SECRET",
      "MIMECAST_INGEST_CONCURRENCY",
      "MIMECAST_SCHEDULE",
      "MIMECAST_START_DATE",
      "MIMECAST_LOG_LEVEL",
    ]);
    assert.match(error.message, /^Invalid configuration \(6 problems\)/);
    for (const setting of settings) assert.ok(error.message.includes(`  - ${setting}: expected`));
  });

  test("rejects a start date in the future but accepts today and the past", () => {
    const future = issueFor(
      configError(v2Env({ MIMECAST_START_DATE: "2025-06-01T12:00:01Z" })),
      "MIMECAST_START_DATE",
    );
    assert.match(future.received, /after the current time, 2025-06-01T12:00:00.000Z/);
    assert.equal(
      load(v2Env({ MIMECAST_START_DATE: "2025-06-01" })).ingestion.startTimeMs,
      NOW - 12 * 3_600_000,
    );
    const withOffset = load(v2Env({ MIMECAST_START_DATE: "2025-01-31T08:30:00+01:00" }));
    assert.equal(withOffset.ingestion.startTimeMs, Date.parse("2025-01-31T07:30:00Z"));
  });

  test("rejects dates that do not exist", () => {
    const found = issueFor(configError(v2Env({ MIMECAST_START_DATE: "2025-02-30" })), "MIMECAST_START_DATE");
    assert.match(found.received, /not a calendar date/);
  });

  test("hides the value of an invalid secret", () => {
    const error = configError(v1Env({ MIMECAST_SECRET_KEY: "not base64 at all: s3cr3t-value" }));
    assert.equal(issueFor(error, "MIMECAST_SECRET_KEY").received, "a value that is not valid base64");
    assert.ok(!error.message.includes("s3cr3t-value"));
  });

  test("hides user names and passwords pasted into URLs", () => {
    const error = configError(v2Env({ MIMECAST_DCE_ENDPOINT: "https://user:hunter2-pass@dce.example.com" }));
    assert.ok(!error.message.includes("hunter2-pass"), error.message);
    assert.match(issueFor(error, "MIMECAST_DCE_ENDPOINT").received, /contains a user name or password/);
  });

  test("refuses a secret set both directly and through Key Vault", () => {
    const error = configError(
      v2Env({
        MIMECAST_KEY_VAULT_URI: "https://contoso.vault.azure.net",
        MIMECAST_CLIENT_SECRET_NAME: "mimecast-client-secret",
      }),
    );
    const found = issueFor(error, "MIMECAST_CLIENT_SECRET");
    assert.match(found.expected, /no value while MIMECAST_CLIENT_SECRET_NAME reads it from Key Vault/);
    assert.ok(!error.message.includes(SECRETS.clientSecret));
  });

  test("asks for the vault URI when a secret name is set without it", () => {
    const error = configError(
      v2Env({ MIMECAST_CLIENT_SECRET: undefined, MIMECAST_CLIENT_SECRET_NAME: "mimecast-client-secret" }),
    );
    assert.deepEqual(
      error.issues.map((i) => i.setting),
      ["MIMECAST_KEY_VAULT_URI"],
    );
    assert.match(
      issueFor(error, "MIMECAST_KEY_VAULT_URI").expected,
      /because MIMECAST_CLIENT_SECRET_NAME is set/,
    );
  });

  test("accepts only Key Vault hosts of the public and sovereign clouds", () => {
    const base = v2Env({
      MIMECAST_CLIENT_SECRET: undefined,
      MIMECAST_CLIENT_SECRET_NAME: "mimecast-client-secret",
    });
    for (const uri of [
      "https://kv.vault.azure.net",
      "https://kv.vault.usgovcloudapi.net/",
      "https://kv.vault.azure.cn",
    ]) {
      assert.equal(load({ ...base, MIMECAST_KEY_VAULT_URI: uri }).keyVault?.uri, uri.replace(/\/$/, ""));
    }
    for (const uri of ["https://kv.example.com", "https://kv.vault.azure.net/secrets/x"]) {
      issueFor(configError({ ...base, MIMECAST_KEY_VAULT_URI: uri }), "MIMECAST_KEY_VAULT_URI");
    }
  });

  test("names the missing ingestion setting when only one of DCE and DCR is set", () => {
    const error = configError(
      v2Env({ MIMECAST_DCE_ENDPOINT: "https://dce.eastus-1.ingest.monitor.azure.com" }),
    );
    const found = issueFor(error, "MIMECAST_DCR_IMMUTABLE_ID");
    assert.match(found.expected, /required when MIMECAST_SINK is logs-ingestion \(its default: /);
  });
});

describe("feeds and the API version", () => {
  test("refuses a feed of the other API version, naming MIMECAST_FEEDS", () => {
    const error = configError({ ...v2Env(), MIMECAST_FEEDS: "siem-cg,siem-v1" });
    assert.match(error.message, /MIMECAST_FEEDS/);
    assert.match(error.message, /siem-v1 need API 1\.0/);
  });

  test("all means the feeds of the configured API version", () => {
    assert.ok(!load(v2Env()).ingestion.feeds.includes("siem-v1"));
    const v1 = load(v1Env()).ingestion.feeds;
    assert.ok(v1.includes("siem-v1") && !v1.includes("siem-cg") && !v1.includes("siem-ci"));
  });
});
