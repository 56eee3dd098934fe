import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { describe, it } from "node:test";
import type { HttpClient } from "@azure/core-rest-pipeline";
import { MAX_FIELD_BYTES, MAX_REQUEST_BYTES } from "../../src/sentinel/limits";
import { LogsIngestionSink, getSharedLogsIngestionSink } from "../../src/sentinel/logsIngestionSink";
import { silentLogger } from "../../src/shared/logger";
import { createLogsIngestionFake } from "../fakes/logsIngestionFake";
import {
  AUDIT_STREAM,
  DCE,
  RULE_ID,
  TEST_STREAM,
  makeRows,
  range,
  recordingCredential,
  sinkFor,
} from "./helpers";

const newFake = () => createLogsIngestionFake({ streams: [TEST_STREAM, AUDIT_STREAM], ruleId: RULE_ID });

describe("LogsIngestionSink", () => {
  it("lands a 5,000-row upload exactly once, in order, in requests of at most 1 MB", async () => {
    const fake = newFake();
    const { sink } = sinkFor(fake);
    const rows = makeRows(5000, 700);

    const outcome = await sink.upload(TEST_STREAM, rows);

    assert.deepEqual(outcome, { accepted: 5000, failed: [], failedIndexes: [], ambiguous: 0 });
    const stored = fake.acceptedRows(TEST_STREAM.streamName);
    assert.equal(stored.length, 5000);
    assert.deepEqual(
      stored.map((row) => row["Seq"]).sort((a, b) => (a as number) - (b as number)),
      range(0, 5000),
    );
    assert.deepEqual(
      stored.find((row) => row["Seq"] === 1234),
      rows[1234],
    );
    assert.ok(fake.requests.length >= 4, `${fake.requests.length} requests`);
    for (const request of fake.requests) {
      assert.equal(request.status, 204);
      assert.ok(request.uncompressedBytes <= MAX_REQUEST_BYTES);
    }
    assert.equal(fake.requestsPerStream.get(TEST_STREAM.streamName), fake.requests.length);
  });

  it("never has more requests in flight than its concurrency", async () => {
    const fake = newFake();
    let inFlight = 0;
    let peak = 0;
    const counting: HttpClient = {
      async sendRequest(request) {
        peak = Math.max(peak, ++inFlight);
        try {
          return await fake.httpClient.sendRequest(request);
        } finally {
          inFlight--;
        }
      },
    };
    fake.inject({ kind: "delay", ms: 50, times: Infinity });
    const { sink } = sinkFor(fake, { concurrency: 2, clientOptions: { httpClient: counting } });

    const outcome = await sink.upload(TEST_STREAM, makeRows(3000, 1000));

    assert.equal(outcome.accepted, 3000);
    assert.ok(fake.requests.length >= 4);
    assert.equal(peak, 2);
  });

  it("sends what the SDK sends: gzip, bearer token, api-version 2023-01-01, one stream per URL", async () => {
    const seen: { url: string; encoding: string | undefined; auth: string | undefined; body: unknown }[] = [];
    const fake = newFake();
    const spying: HttpClient = {
      sendRequest(request) {
        seen.push({
          url: request.url,
          encoding: request.headers.get("content-encoding"),
          auth: request.headers.get("authorization"),
          body: JSON.parse(gunzipSync(request.body as Buffer).toString("utf8")),
        });
        return fake.httpClient.sendRequest(request);
      },
    };
    const { sink } = sinkFor(fake, { clientOptions: { httpClient: spying } });

    await sink.upload(AUDIT_STREAM, [
      { TimeGenerated: "2026-01-15T12:00:00Z", EventId: "a1", Action: "login" },
    ]);

    assert.equal(seen.length, 1);
    const url = new URL(seen[0]!.url);
    assert.equal(
      `${url.origin}${url.pathname}`,
      `${DCE}/dataCollectionRules/${RULE_ID}/streams/${AUDIT_STREAM.streamName}`,
    );
    assert.equal(url.searchParams.get("api-version"), "2023-01-01");
    assert.equal(seen[0]!.encoding, "gzip");
    assert.equal(seen[0]!.auth, "Bearer fake-token");
    assert.deepEqual(seen[0]!.body, [
      { TimeGenerated: "2026-01-15T12:00:00Z", EventId: "a1", Action: "login" },
    ]);
  });

  it("serialises each row once, and the body is exactly those rows, gzipped once, with the SDK's user agent", async () => {
    const rows = makeRows(300, 200);
    const fake = newFake();
    const bodies: string[] = [];
    const agents: (string | undefined)[] = [];
    const spying: HttpClient = {
      sendRequest(request) {
        bodies.push(gunzipSync(request.body as Buffer).toString("utf8"));
        agents.push(request.headers.get("user-agent"));
        return fake.httpClient.sendRequest(request);
      },
    };
    const { sink } = sinkFor(fake, { clientOptions: { httpClient: spying } });
    const rowSet = new Set<unknown>(rows);
    let rowStringifies = 0;
    const stringify = JSON.stringify;
    JSON.stringify = ((value: unknown, ...rest: never[]) => {
      if (rowSet.has(value)) rowStringifies += 1;
      return stringify(value, ...rest);
    }) as typeof JSON.stringify;
    let outcome;
    try {
      outcome = await sink.upload(TEST_STREAM, rows);
    } finally {
      JSON.stringify = stringify;
    }
    assert.equal(outcome.accepted, rows.length);
    assert.equal(rowStringifies, rows.length, "one JSON.stringify per row, none by the SDK");
    assert.equal(bodies.join("\n"), `[${rows.map((row) => stringify(row)).join(",")}]`);
    assert.match(agents[0] ?? "", /^mimecast-sentinel azsdk-js-client .*azsdk-js-monitor-ingestion\//);
  });

  it("truncates a 100 KB field to 64 KB with Truncated and TruncatedFields, and the service accepts it", async () => {
    const fake = newFake();
    const { sink, logs } = sinkFor(fake);
    const rows = makeRows(3);
    rows[1]!["Subject"] = "q".repeat(100 * 1024);

    const outcome = await sink.upload(TEST_STREAM, rows);

    assert.equal(outcome.accepted, 3);
    const stored = fake.acceptedRows(TEST_STREAM.streamName)[1]!;
    assert.equal(Buffer.byteLength(stored["Subject"] as string), MAX_FIELD_BYTES);
    assert.equal(stored["Truncated"], true);
    assert.equal(stored["TruncatedFields"], "Subject");
    assert.deepEqual(fake.requests[0]!.oversizeFields, [], "nothing left for the service to cut silently");
    assert.ok(
      logs.some((line) => line.includes("truncated") && line.includes('"rows":1,"fields":["Subject"]')),
    );
    assert.ok(
      logs.every((line) => !line.includes("qqqq")),
      "row contents are never logged",
    );
  });

  it("rejects only a row too large for any request, and sends the rows around it", async () => {
    const wide = {
      streamName: "Custom-Wide_CL",
      columns: Array.from({ length: 20 }, (_, i) => ({ name: `F${i}`, type: "string" as const })),
    };
    const fake = createLogsIngestionFake({ streams: [wide], ruleId: RULE_ID });
    const { sink } = sinkFor(fake);
    const small = { F0: "small" };
    const huge = Object.fromEntries(wide.columns.map((c) => [c.name, "w".repeat(60_000)]));

    const outcome = await sink.upload(wide, [small, small, huge, small]);

    assert.equal(outcome.accepted, 3);
    assert.deepEqual(outcome.failedIndexes, [2]);
    assert.equal(outcome.failed[0]!.code, "row-too-large");
    assert.equal(outcome.failed[0]!.retryable, false);
    assert.match(outcome.failed[0]!.message, /Custom-Wide_CL: row 2/);
    assert.equal(fake.acceptedRows(wide.streamName).length, 3);
  });

  it("asks the credential for the sovereign cloud's audience", async () => {
    const fake = newFake();
    const credential = recordingCredential();
    const { sink } = sinkFor(fake, { credential, audience: "https://monitor.azure.us" });

    await sink.upload(TEST_STREAM, makeRows(2));

    assert.deepEqual(credential.scopes, [["https://monitor.azure.us/.default"]]);
  });

  it("asks for the public cloud's audience by default and reuses its token", async () => {
    const fake = newFake();
    const credential = recordingCredential();
    const { sink } = sinkFor(fake, { credential });

    await sink.upload(TEST_STREAM, makeRows(2));
    await sink.upload(TEST_STREAM, makeRows(2));

    assert.deepEqual(credential.scopes, [["https://monitor.azure.com/.default"]]);
  });

  it("uploads nothing and accepts nothing for no rows", async () => {
    const fake = newFake();
    const { sink } = sinkFor(fake);
    assert.deepEqual(await sink.upload(TEST_STREAM, []), {
      accepted: 0,
      failed: [],
      failedIndexes: [],
      ambiguous: 0,
    });
    assert.equal(fake.requests.length, 0);
  });

  it("refuses a plain-http endpoint and a concurrency below 1", () => {
    const base = { ruleId: RULE_ID, credential: recordingCredential(), logger: silentLogger };
    assert.throws(() => new LogsIngestionSink({ ...base, endpoint: "http://127.0.0.1:1" }), /https URL/);
    assert.throws(() => new LogsIngestionSink({ ...base, endpoint: DCE, concurrency: 0 }), /concurrency/);
  });
});

describe("getSharedLogsIngestionSink", () => {
  it("hands out one sink per endpoint, DCR and audience for the whole process", () => {
    const base = { endpoint: DCE, ruleId: RULE_ID, credential: recordingCredential(), logger: silentLogger };
    const first = getSharedLogsIngestionSink(base);
    assert.equal(getSharedLogsIngestionSink({ ...base, endpoint: `${DCE}/` }), first);
    assert.equal(getSharedLogsIngestionSink({ ...base, audience: "https://monitor.azure.com" }), first);
    assert.notEqual(getSharedLogsIngestionSink({ ...base, audience: "https://monitor.azure.us" }), first);
    assert.notEqual(
      getSharedLogsIngestionSink({ ...base, ruleId: "dcr-ffffffffffffffffffffffffffffffff" }),
      first,
    );
  });
});
