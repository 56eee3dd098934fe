/**
 * The Mimecast client against the simulator: every behaviour the foundation issue names, end to end over
 * real HTTP on loopback. One shared FakeClock drives both sides, so the client's backoff and rate-limit
 * sleeps move the simulator's time too and the suite never waits for real.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import type { MimecastClientOptions } from "../../src/mimecast/client";
import { MimecastClient } from "../../src/mimecast/client";
import type { CredentialsProvider, MimecastCredentials } from "../../src/mimecast/credentials";
import { staticCredentials } from "../../src/mimecast/credentials";
import { ENDPOINTS, SIEM_BATCH_FAMILY } from "../../src/mimecast/endpoints";
import {
  MimecastAuthError,
  MimecastConfigurationError,
  MimecastExpiredUrlError,
  MimecastPermanentError,
  MimecastRateLimitedError,
  MimecastTransientError,
} from "../../src/mimecast/errors";
import { downloadBatchFile } from "../../src/mimecast/batchFile";
import type { NdjsonItem } from "../../src/mimecast/ndjson";
import { paginateJson, paginateSiemBatch } from "../../src/mimecast/pagination";
import { resetRateLimiterRegistry } from "../../src/mimecast/rateLimiter";
import { fetchSiemLogsV1 } from "../../src/mimecast/siemV1";
import { fetchThreatIntelFeed } from "../../src/mimecast/threatIntel";
import { formatMimecastTime } from "../../src/feeds/time";
import { FakeClock } from "../../src/shared/clock";
import { createMemoryLogger, SecretRedactor } from "../../src/shared/logger";
import type { Simulator } from "../../simulator/index";
import { canonicalJson } from "../../src/feeds/eventId";
import { startSimulator } from "../../simulator/index";

const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let sim: Simulator;
let clock: FakeClock;

function client(overrides: Partial<MimecastClientOptions> = {}): MimecastClient {
  return new MimecastClient({
    baseUrl: sim.url,
    credentials: staticCredentials(sim.credentials.oauth!),
    clock,
    allowInsecureHttp: true,
    fileHostAllowlist: ["127.0.0.1"],
    timeoutMs: 2_000,
    random: () => 0.5,
    ...overrides,
  });
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

const key = (record: unknown): string => canonicalJson(record);

before(async () => {
  clock = new FakeClock(NOW);
  sim = await startSimulator({
    seed: 7,
    clock,
    eventsPerDay: { "siem-cg": 600, dlp: 300, audit: 200 },
    rateLimit: false,
    startOfData: NOW - 90 * DAY,
  });
});

after(async () => {
  await sim.close();
});

beforeEach(() => {
  sim.faults.clear();
  resetRateLimiterRegistry();
});

describe("API 2.0 OAuth", () => {
  it("fetches one token for many concurrent callers and reuses it", async () => {
    const c = client();
    const before = sim.requests.filter((r) => r.path === "/oauth/token").length;
    await Promise.all(
      Array.from({ length: 12 }, () =>
        c.postJson(ENDPOINTS.auditEvents.path, ENDPOINTS.auditEvents.family, {
          meta: { pagination: { pageSize: 10 } },
          data: [{ startDateTime: formatMimecastTime(NOW - HOUR), endDateTime: formatMimecastTime(NOW) }],
        }),
      ),
    );
    const tokenCalls = sim.requests.filter((r) => r.path === "/oauth/token").length - before;
    assert.equal(tokenCalls, 1);
    assert.equal(c.tokenFetchCount, 1);
  });

  it("refreshes once and retries when the token expires mid-run", async () => {
    const c = client();
    const body = {
      meta: { pagination: { pageSize: 5 } },
      data: [{ from: formatMimecastTime(NOW - DAY), to: formatMimecastTime(NOW) }],
    };
    await c.postJson(ENDPOINTS.dlpLogs.path, ENDPOINTS.dlpLogs.family, body);
    sim.expireAllTokens();
    const envelope = await c.postJson(ENDPOINTS.dlpLogs.path, ENDPOINTS.dlpLogs.family, body);
    assert.ok(Array.isArray(envelope.data));
    assert.equal(c.tokenFetchCount, 2);
  });

  it("re-fetches a token after its expires_in, without waiting for a 401", async () => {
    const c = client();
    const body = {
      meta: { pagination: { pageSize: 5 } },
      data: [{ from: formatMimecastTime(NOW - DAY), to: formatMimecastTime(NOW) }],
    };
    await c.postJson(ENDPOINTS.dlpLogs.path, ENDPOINTS.dlpLogs.family, body);
    clock.advance(1800_000); // Mimecast's 30-minute token lifetime
    const unauthorizedBefore = sim.requests.filter((r) => r.status === 401).length;
    await c.postJson(ENDPOINTS.dlpLogs.path, ENDPOINTS.dlpLogs.family, body);
    assert.equal(c.tokenFetchCount, 2);
    assert.equal(sim.requests.filter((r) => r.status === 401).length, unauthorizedBefore);
  });

  it("a token-expired fault is recovered with exactly one refresh", async () => {
    const c = client();
    sim.faults.inject({ kind: "token-expired", match: { family: "dlp" } });
    const body = {
      meta: { pagination: { pageSize: 5 } },
      data: [{ from: formatMimecastTime(NOW - DAY), to: formatMimecastTime(NOW) }],
    };
    await c.postJson(ENDPOINTS.dlpLogs.path, ENDPOINTS.dlpLogs.family, body);
    assert.equal(c.tokenFetchCount, 2);
  });

  it("a second 401 becomes an auth error that names the likely cause", async () => {
    const c = client();
    sim.faults.inject({
      kind: "http-status",
      status: 401,
      match: { family: "audit" },
      times: 5,
      body: { fail: [{ code: "unauthorized", message: "Unauthorized" }] },
    });
    await assert.rejects(
      c.postJson(ENDPOINTS.auditEvents.path, ENDPOINTS.auditEvents.family, {
        data: [{ startDateTime: formatMimecastTime(NOW - HOUR), endDateTime: formatMimecastTime(NOW) }],
      }),
      (e: unknown) =>
        e instanceof MimecastAuthError &&
        /twice/.test(e.message) &&
        /likely cause/.test(e.message) &&
        /unauthorized/.test(e.message),
    );
  });

  it("wrong client credentials: re-reads the secret once, then fails naming the client id and settings", async () => {
    let reads = 0;
    const provider: CredentialsProvider<MimecastCredentials> = {
      get: () => {
        reads += 1;
        return Promise.resolve({
          kind: "oauth2",
          clientId: "not-a-client",
          clientSecret: "wrong-secret-value",
        });
      },
      invalidate: () => {},
    };
    await assert.rejects(
      client({ credentials: provider }).postJson(ENDPOINTS.dlpLogs.path, ENDPOINTS.dlpLogs.family, {}),
      (e: unknown) =>
        e instanceof MimecastAuthError &&
        /not-a-client/.test(e.message) &&
        /MIMECAST_CLIENT_SECRET/.test(e.message),
    );
    assert.ok(reads >= 2, "the secret was read again before giving up");
  });

  it("picks up a rotated secret: the first token call fails, the re-read secret works", async () => {
    let rotated = false;
    const good = sim.credentials.oauth!;
    const provider: CredentialsProvider<MimecastCredentials> = {
      get: () => Promise.resolve(rotated ? good : { ...good, clientSecret: "old-secret-before-rotation" }),
      invalidate: () => {
        rotated = true;
      },
    };
    const envelope = await client({ credentials: provider }).postJson(
      ENDPOINTS.dlpLogs.path,
      ENDPOINTS.dlpLogs.family,
      {
        data: [{ from: formatMimecastTime(NOW - HOUR), to: formatMimecastTime(NOW) }],
      },
    );
    assert.ok(Array.isArray(envelope.data));
  });

  it("refuses a plain-http base URL unless explicitly allowed for the simulator", () => {
    assert.throws(() => client({ allowInsecureHttp: false }), MimecastConfigurationError);
  });
});

describe("API 1.0 HMAC", () => {
  it("the simulator accepts our signed requests", async () => {
    const c = client({ credentials: staticCredentials(sim.credentials.hmac!) });
    const pages = await collect(
      paginateJson(c, ENDPOINTS.auditEvents, {
        filter: { startDateTime: formatMimecastTime(NOW - DAY), endDateTime: formatMimecastTime(NOW) },
      }),
    );
    assert.ok(pages.flatMap((p) => p.records).length > 0);
    const last = sim.requests.filter((r) => r.family === "audit").at(-1);
    assert.equal(last?.authorizationScheme, "MC");
  });

  it("wrong HMAC keys: one re-read, then an auth error naming API 1.0 keys", async () => {
    const bad = {
      ...sim.credentials.hmac!,
      secretKey: Buffer.from("not the right key at all").toString("base64"),
    };
    await assert.rejects(
      client({ credentials: staticCredentials(bad) }).postJson(
        ENDPOINTS.auditEvents.path,
        ENDPOINTS.auditEvents.family,
        {
          data: [{ startDateTime: formatMimecastTime(NOW - HOUR), endDateTime: formatMimecastTime(NOW) }],
        },
      ),
      (e: unknown) => e instanceof MimecastAuthError && /API 1\.0/.test(e.message),
    );
  });
});

describe("transport errors", () => {
  const dlpBody = { data: [{ from: formatMimecastTime(NOW - HOUR), to: formatMimecastTime(NOW) }] };

  it("retries 5xx with bounded backoff and succeeds", async () => {
    const c = client();
    const handle = sim.faults.inject({
      kind: "http-status",
      status: 503,
      match: { family: "dlp" },
      times: 2,
    });
    const sleepsBefore = clock.sleeps.length;
    await c.postJson(ENDPOINTS.dlpLogs.path, ENDPOINTS.dlpLogs.family, dlpBody);
    assert.equal(handle.hits, 2);
    assert.equal(clock.sleeps.length - sleepsBefore, 2, "one backoff per retry");
  });

  it("gives up after maxRetries with a transient error", async () => {
    const c = client({ backoff: { maxRetries: 3 } });
    sim.faults.inject({ kind: "http-status", status: 500, match: { family: "dlp" }, times: Infinity });
    const before = sim.requests.filter((r) => r.family === "dlp").length;
    await assert.rejects(
      c.postJson(ENDPOINTS.dlpLogs.path, ENDPOINTS.dlpLogs.family, dlpBody),
      MimecastTransientError,
    );
    assert.equal(sim.requests.filter((r) => r.family === "dlp").length - before, 4);
  });

  it("retries a connection reset", async () => {
    const c = client();
    sim.faults.inject({ kind: "reset", match: { family: "dlp" } });
    const envelope = await c.postJson(ENDPOINTS.dlpLogs.path, ENDPOINTS.dlpLogs.family, dlpBody);
    assert.ok(Array.isArray(envelope.data));
  });

  it("times out a slow response and retries it", async () => {
    const c = client({ timeoutMs: 150 });
    sim.faults.inject({ kind: "slow", delayMs: 600, match: { family: "dlp" } });
    const envelope = await c.postJson(ENDPOINTS.dlpLogs.path, ENDPOINTS.dlpLogs.family, dlpBody);
    assert.ok(Array.isArray(envelope.data));
  });

  it("a fail array in a 200 is a permanent error carrying Mimecast's code", async () => {
    sim.faults.inject({
      kind: "fail-in-200",
      code: "err_validation_blank",
      message: "from is blank",
      match: { family: "dlp" },
    });
    await assert.rejects(
      client().postJson(ENDPOINTS.dlpLogs.path, ENDPOINTS.dlpLogs.family, dlpBody),
      (e: unknown) => e instanceof MimecastPermanentError && e.details[0]?.code === "err_validation_blank",
    );
  });

  it("a retryable fail entry is transient", async () => {
    sim.faults.inject({ kind: "fail-in-200", code: "err_busy", retryable: true, match: { family: "dlp" } });
    await assert.rejects(
      client().postJson(ENDPOINTS.dlpLogs.path, ENDPOINTS.dlpLogs.family, dlpBody),
      MimecastTransientError,
    );
  });

  it("403 is permanent and explains roles/products", async () => {
    sim.faults.inject({ kind: "http-status", status: 403, match: { family: "dlp" } });
    await assert.rejects(
      client().postJson(ENDPOINTS.dlpLogs.path, ENDPOINTS.dlpLogs.family, dlpBody),
      (e: unknown) => e instanceof MimecastPermanentError && e.status === 403,
    );
  });
});

describe("rate limits", () => {
  it("waits out a short 429 inline, honouring X-RateLimit-Reset in milliseconds", async () => {
    const c = client();
    sim.faults.inject({ kind: "rate-limit", resetMs: 1500, match: { family: "dlp" } });
    const t0 = clock.now();
    await c.postJson(ENDPOINTS.dlpLogs.path, ENDPOINTS.dlpLogs.family, {
      data: [{ from: formatMimecastTime(NOW - HOUR), to: formatMimecastTime(NOW) }],
    });
    assert.ok(clock.now() - t0 >= 1500, "waited at least the reset");
    assert.ok(clock.now() - t0 < 5000, "did not wait much longer");
  });

  it("a long pause surfaces as a value-carrying error, and every feed of the app sees the same pause", async () => {
    const c = client({ maxInlineRateLimitWaitMs: 1000 });
    sim.faults.inject({ kind: "rate-limit", resetMs: 120_000, match: { family: "ttp-url" } });
    const at = clock.now();
    await assert.rejects(
      c.postJson(ENDPOINTS.ttpUrlLogs.path, ENDPOINTS.ttpUrlLogs.family, {
        data: [{ from: formatMimecastTime(NOW - HOUR), to: formatMimecastTime(NOW) }],
      }),
      (e: unknown) => e instanceof MimecastRateLimitedError && e.retryAt === at + 120_000,
    );
    // Another client of the same application (another feed) is paused too, before sending anything.
    const other = client({ maxInlineRateLimitWaitMs: 1000 });
    assert.equal(await other.rateLimitedUntil(ENDPOINTS.auditEvents.family), at + 120_000);
    const before = sim.requests.length;
    await assert.rejects(
      other.postJson(ENDPOINTS.auditEvents.path, ENDPOINTS.auditEvents.family, {}),
      MimecastRateLimitedError,
    );
    assert.equal(sim.requests.length, before, "nothing was sent while paused");
    clock.advance(120_000);
    assert.equal(await other.rateLimitedUntil(ENDPOINTS.auditEvents.family), undefined);
  });

  it("learns the quota from headers and stops before the server has to say 429", async () => {
    resetRateLimiterRegistry();
    const local = new FakeClock(NOW);
    const limited = await startSimulator({
      seed: 3,
      clock: local,
      rateLimit: { limit: 3, windowMs: 60_000 },
    });
    try {
      const c = new MimecastClient({
        baseUrl: limited.url,
        credentials: staticCredentials(limited.credentials.oauth!),
        clock: local,
        allowInsecureHttp: true,
        maxInlineRateLimitWaitMs: 0,
        random: () => 0.5,
      });
      const body = { data: [{ from: formatMimecastTime(NOW - HOUR), to: formatMimecastTime(NOW) }] };
      for (let i = 0; i < 3; i += 1) await c.postJson(ENDPOINTS.dlpLogs.path, ENDPOINTS.dlpLogs.family, body);
      await assert.rejects(
        c.postJson(ENDPOINTS.dlpLogs.path, ENDPOINTS.dlpLogs.family, body),
        MimecastRateLimitedError,
      );
      assert.equal(limited.requests.filter((r) => r.status === 429).length, 0, "no 429 was provoked");
      local.advance(60_000);
      await c.postJson(ENDPOINTS.dlpLogs.path, ENDPOINTS.dlpLogs.family, body);
    } finally {
      await limited.close();
    }
  });

  it("client-side budgets hold requests back per family", async () => {
    const c = client({ budgets: { dlp: { requests: 1, windowMs: 60_000 } }, maxInlineRateLimitWaitMs: 0 });
    const body = { data: [{ from: formatMimecastTime(NOW - HOUR), to: formatMimecastTime(NOW) }] };
    await c.postJson(ENDPOINTS.dlpLogs.path, ENDPOINTS.dlpLogs.family, body);
    await assert.rejects(
      c.postJson(ENDPOINTS.dlpLogs.path, ENDPOINTS.dlpLogs.family, body),
      MimecastRateLimitedError,
    );
  });
});

describe("JSON pagination", () => {
  it("pages DLP to the end and returns exactly the ground truth of the window", async () => {
    const from = NOW - 3 * DAY;
    const to = NOW - DAY;
    const pages = await collect(
      paginateJson(client(), ENDPOINTS.dlpLogs, {
        filter: { from: formatMimecastTime(from), to: formatMimecastTime(to), oldestFirst: true },
        pageSize: 50,
      }),
    );
    assert.ok(pages.length > 3, "several pages");
    assert.equal(pages.at(-1)?.nextToken, undefined);
    const got = pages.flatMap((p) => p.records).map(key);
    const expected = [...sim.groundTruth("dlp", { from, to, publishedBy: clock.now() })].map((e) =>
      key(e.record),
    );
    assert.equal(new Set(got).size, got.length, "nothing twice");
    assert.deepEqual([...got].sort(), [...expected].sort(), "nothing missing, nothing extra");
  });

  it("exposes the token to resume after each page", async () => {
    const filter = {
      from: formatMimecastTime(NOW - 2 * DAY),
      to: formatMimecastTime(NOW),
      oldestFirst: true,
    };
    const all = await collect(paginateJson(client(), ENDPOINTS.dlpLogs, { filter, pageSize: 40 }));
    const resumeAt = all[1]!.nextToken!;
    const resumed = await collect(
      paginateJson(client(), ENDPOINTS.dlpLogs, { filter, pageSize: 40, pageToken: resumeAt }),
    );
    assert.deepEqual(
      resumed.flatMap((p) => p.records).map(key),
      all
        .slice(2)
        .flatMap((p) => p.records)
        .map(key),
    );
  });

  it("a token reused with another filter is refused by Mimecast and surfaces as an error, not a loop", async () => {
    const filter = {
      from: formatMimecastTime(NOW - 2 * DAY),
      to: formatMimecastTime(NOW),
      oldestFirst: true,
    };
    const pages = paginateJson(client(), ENDPOINTS.dlpLogs, { filter, pageSize: 20 });
    const page1 = (await pages.next()).value as { nextToken: string };
    await assert.rejects(
      collect(
        paginateJson(client(), ENDPOINTS.dlpLogs, {
          filter: { ...filter, to: formatMimecastTime(NOW - HOUR) },
          pageSize: 20,
          pageToken: page1.nextToken,
        }),
      ),
      MimecastPermanentError,
    );
  });
});

describe("SIEM batch listing and files", () => {
  const day = NOW - 2 * DAY;
  const dayStart = Date.UTC(
    new Date(day).getUTCFullYear(),
    new Date(day).getUTCMonth(),
    new Date(day).getUTCDate(),
  );
  const dayText = new Date(dayStart).toISOString().slice(0, 10);

  it("pages one type's day to isCaughtUp; the files hold exactly the ground truth", async () => {
    const c = client();
    const pages = await collect(
      paginateSiemBatch(c, { kind: "cg", type: "receipt", from: dayText, to: dayText, pageSize: 10 }),
    );
    assert.ok(pages.length >= 2);
    assert.equal(pages.at(-1)?.isCaughtUp, true);
    const records: string[] = [];
    for (const page of pages) {
      for (const file of page.files) {
        for await (const item of downloadBatchFile(c, file)) {
          assert.equal(item.kind, "record");
          if (item.kind === "record") records.push(key(item.record));
        }
      }
    }
    const expected = [
      ...sim.groundTruth("siem-cg", {
        type: "receipt",
        from: dayStart,
        to: dayStart + DAY,
        basis: "publish",
        publishedBy: clock.now(),
      }),
    ].map((e) => key(e.record));
    assert.equal(new Set(records).size, records.length, "nothing twice");
    assert.deepEqual([...records].sort(), [...expected].sort(), "nothing missing");
  });

  it("never sends the Mimecast bearer to the file host", () => {
    const fileRequests = sim.requests.filter((r) => r.family === "siem-file");
    assert.ok(fileRequests.length > 0);
    assert.ok(fileRequests.every((r) => !r.hadAuthorizationOnFileHost));
  });

  it("turns malformed lines into bad-line items with their line numbers and keeps reading", async () => {
    const c = client();
    const file = await firstFile(c, "process", dayText);
    sim.faults.inject({ kind: "malformed-lines", lines: [2, 5], match: { family: "siem-file" } });
    const items: NdjsonItem[] = await collect(downloadBatchFile(c, file));
    const bad = items.filter((i) => i.kind === "bad-line");
    assert.deepEqual(
      bad.map((b) => b.line),
      [2, 5],
    );
    const injected = sim.faults.malformedLines().slice(-2);
    const raws = bad.map((b) => (b.kind === "bad-line" ? b.raw : ""));
    // A truncated JSON line comes back byte for byte; binary junk (not UTF-8) keeps its shape with
    // U+FFFD where bytes were not text — it was never a record, and its position is exact.
    assert.equal(raws[0], injected[0]!.text);
    assert.ok(raws[1]!.includes("\uFFFD") || [...raws[1]!].some((ch) => ch.charCodeAt(0) < 0x20));
    assert.ok(items.filter((i) => i.kind === "record").length > 0, "the rest of the file was read");
  });

  it("resumes inside a file from a line number", async () => {
    const c = client();
    const file = await firstFile(c, "delivery", dayText);
    const all = await collect(downloadBatchFile(c, file));
    const tail = await collect(downloadBatchFile(c, file, { startLine: 3 }));
    assert.deepEqual(
      tail,
      all.filter((i) => i.line >= 3),
    );
  });

  it("an expired presigned URL is a distinct error", async () => {
    const c = client();
    const file = await firstFile(c, "av", dayText);
    sim.faults.inject({ kind: "expired-url", match: { family: "siem-file" } });
    await assert.rejects(collect(downloadBatchFile(c, file)), MimecastExpiredUrlError);
    clock.advance(16 * 60_000); // past the 15-minute URL lifetime
    await assert.rejects(collect(downloadBatchFile(c, file)), MimecastExpiredUrlError);
  });

  it("a truncated gzip yields the good lines, then a transient error saying where to resume", async () => {
    const c = client();
    const file = await firstFile(c, "spam", dayText);
    sim.faults.inject({ kind: "truncated-gzip", match: { family: "siem-file" } });
    const seen: NdjsonItem[] = [];
    await assert.rejects(
      (async () => {
        for await (const item of downloadBatchFile(c, file)) seen.push(item);
      })(),
      (e: unknown) =>
        e instanceof MimecastTransientError && /resume at line/.test(e.details[0]?.message ?? ""),
    );
    assert.ok(seen.length > 0, "lines before the cut were delivered");
  });

  it("refuses file URLs whose host is not on the allow-list", async () => {
    const c = client({ fileHostAllowlist: [".amazonaws.com"] });
    const file = await firstFile(client(), "journal", dayText);
    await assert.rejects(collect(downloadBatchFile(c, file)), MimecastConfigurationError);
  });

  it("an 8-day-old range is a permanent error with Mimecast's message", async () => {
    const old = new Date(NOW - 8 * DAY).toISOString().slice(0, 10);
    await assert.rejects(
      collect(paginateSiemBatch(client(), { kind: "cg", type: "receipt", from: old, to: old })),
      MimecastPermanentError,
    );
  });

  it("uses the SIEM batch family for rate limiting", () => {
    assert.equal(SIEM_BATCH_FAMILY.cg, "siem-batch-cg");
  });

  async function firstFile(c: MimecastClient, type: string, dayText: string) {
    for await (const page of paginateSiemBatch(c, {
      kind: "cg",
      type,
      from: dayText,
      to: dayText,
      pageSize: 5,
    })) {
      const file = page.files[0];
      if (file) return file;
    }
    throw new Error(`no ${type} file on ${dayText}`);
  }
});

describe("API 1.0 SIEM files and threat intel", () => {
  it("follows the mc-siem-token chain to the end", async () => {
    const c = client({ credentials: staticCredentials(sim.credentials.hmac!) });
    let token: string | undefined;
    let files = 0;
    let records = 0;
    for (let i = 0; i < 500; i += 1) {
      const result = await fetchSiemLogsV1(c, { ...(token ? { token } : {}), fileFormat: "json" });
      if (result.kind === "caught-up") break;
      files += 1;
      records += result.items.filter((x) => x.kind === "record").length;
      assert.ok(result.nextToken, "every file carries the next token");
      token = result.nextToken;
    }
    assert.ok(files > 0 && records > 0);
  });

  it("reads key_value files too", async () => {
    const c = client({ credentials: staticCredentials(sim.credentials.hmac!) });
    const result = await fetchSiemLogsV1(c, { fileFormat: "key_value" });
    assert.equal(result.kind, "file");
    if (result.kind === "file") {
      const first = result.items.find((i) => i.kind === "record");
      assert.ok(first && first.kind === "record" && typeof first.record["datetime"] === "string");
    }
  });

  it("reads STIX and CSV threat-intel files with the next-file token", async () => {
    const c = client();
    const stix = await fetchThreatIntelFeed(c, {
      feedType: "malware_grid",
      fileType: "stix",
      start: new Date(NOW - 7 * DAY).toISOString(),
      end: new Date(NOW).toISOString(),
    });
    assert.equal(stix.kind, "stix");
    if (stix.kind === "stix") assert.ok(stix.objects.some((o) => o["type"] === "indicator"));
    const csv = await fetchThreatIntelFeed(c, {
      feedType: "malware_customer",
      fileType: "csv",
      start: new Date(NOW - 7 * DAY).toISOString(),
      end: new Date(NOW).toISOString(),
    });
    assert.equal(csv.kind, "csv");
    if (csv.kind === "csv") assert.ok(csv.rows.length > 0 && "SHA256" in csv.rows[0]!);
  });

  it("treats the 'no result found' fail code as an empty window", async () => {
    const result = await fetchThreatIntelFeed(client(), {
      feedType: "malware_customer",
      fileType: "stix",
      start: new Date(NOW + DAY).toISOString(),
      end: new Date(NOW + 2 * DAY).toISOString(),
    });
    assert.deepEqual(result, { kind: "empty" });
  });
});

describe("secrets in logs", () => {
  it("no secret, key or token appears in any log line, even through failures", async () => {
    const redactor = new SecretRedactor();
    const logger = createMemoryLogger(redactor);
    const oauth = sim.credentials.oauth!;
    const hmac = sim.credentials.hmac!;
    const c = client({ logger, redactor });
    const h = client({ logger, redactor, credentials: staticCredentials(hmac) });
    sim.faults.inject({ kind: "http-status", status: 503, match: { family: "dlp" }, times: 2 });
    sim.faults.inject({ kind: "token-expired", match: { family: "dlp" } });
    await c.postJson(ENDPOINTS.dlpLogs.path, ENDPOINTS.dlpLogs.family, {
      data: [{ from: formatMimecastTime(NOW - HOUR), to: formatMimecastTime(NOW) }],
    });
    await h.postJson(ENDPOINTS.auditEvents.path, ENDPOINTS.auditEvents.family, {
      data: [{ startDateTime: formatMimecastTime(NOW - HOUR), endDateTime: formatMimecastTime(NOW) }],
    });
    const bad = client({
      logger,
      redactor,
      credentials: staticCredentials({ ...oauth, clientSecret: "a-wrong-secret-123456" }),
    });
    const error = await bad
      .postJson(ENDPOINTS.dlpLogs.path, ENDPOINTS.dlpLogs.family, {})
      .catch((e: unknown) => e);
    const text = logger.lines.join("\n") + String(error) + JSON.stringify(error);
    assert.ok(logger.lines.length > 0);
    for (const secret of [
      oauth.clientSecret,
      hmac.secretKey,
      hmac.accessKey.length > 30 ? hmac.accessKey : "",
      "a-wrong-secret-123456",
    ]) {
      if (secret) assert.ok(!text.includes(secret), `leaked ${secret.slice(0, 4)}…`);
    }
    assert.doesNotMatch(text, /Bearer [A-Za-z0-9._-]{8,}/);
  });
});
