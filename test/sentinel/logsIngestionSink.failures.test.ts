import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AccessToken, TokenCredential } from "@azure/identity";
import type { SentinelRow } from "../../src/sentinel/streams";
import { createLogsIngestionFake } from "../fakes/logsIngestionFake";
import type { FakeRequest } from "../fakes/logsIngestionFake";
import { FAST_RETRIES, RULE_ID, TEST_STREAM, makeRows, range, sinkFor } from "./helpers";

const newFake = (expectedToken?: string) =>
  createLogsIngestionFake({
    streams: [TEST_STREAM],
    ruleId: RULE_ID,
    ...(expectedToken ? { expectedToken } : {}),
  });

/** Matches the request carrying the row with this Seq: one chunk, whatever the arrival order. */
const carrying =
  (seq: number) =>
  (request: FakeRequest): boolean =>
    request.records.some((record) => record["Seq"] === seq);

const seqs = (rows: readonly SentinelRow[]): number[] =>
  rows.map((row) => row["Seq"] as number).sort((a, b) => a - b);

/** 3,000 rows of ~1 KB: four chunks of a little under 1,000 rows each. */
const ROWS = makeRows(3000, 1000);

describe("LogsIngestionSink failures", () => {
  it("lets the pipeline retry a 429 with Retry-After, and the chunk is accepted", async () => {
    const fake = newFake();
    fake.inject({ kind: "status", status: 429, retryAfterSeconds: 0, match: carrying(0) });
    const { sink } = sinkFor(fake);

    const outcome = await sink.upload(TEST_STREAM, makeRows(10));

    assert.deepEqual(outcome, { accepted: 10, failed: [], failedIndexes: [], ambiguous: 0 });
    assert.deepEqual(
      fake.requests.map((r) => r.status),
      [429, 204],
    );
    assert.equal(fake.acceptedRows(TEST_STREAM.streamName).length, 10);
  });

  it("honours retry-after-ms on a 503 as well", async () => {
    const fake = newFake();
    fake.inject({ kind: "status", status: 503, retryAfterMs: 5, times: 2 });
    const { sink } = sinkFor(fake);

    const outcome = await sink.upload(TEST_STREAM, makeRows(10));

    assert.equal(outcome.accepted, 10);
    assert.deepEqual(
      fake.requests.map((r) => r.status),
      [503, 503, 204],
    );
  });

  it("reports a 413 as a non-retryable chunk naming stream and count; the other chunks are accepted", async () => {
    const fake = newFake();
    fake.inject({ kind: "status", status: 413, match: carrying(1500) });
    const { sink } = sinkFor(fake);

    const outcome = await sink.upload(TEST_STREAM, ROWS);

    assert.equal(outcome.failed.length, 1);
    const [failed] = outcome.failed;
    assert.equal(failed!.status, 413);
    assert.equal(failed!.code, "payload-too-large");
    assert.equal(failed!.retryable, false);
    assert.ok(failed!.firstIndex <= 1500 && 1500 < failed!.firstIndex + failed!.count);
    assert.match(failed!.message, new RegExp(`^Custom-MimecastTest_CL: ${failed!.count} records`));
    assert.deepEqual(outcome.failedIndexes, range(failed!.firstIndex, failed!.count));
    assert.equal(outcome.accepted, 3000 - failed!.count);
    const stored = seqs(fake.acceptedRows(TEST_STREAM.streamName));
    assert.deepEqual(
      stored,
      range(0, 3000).filter((i) => !outcome.failedIndexes.includes(i)),
    );
    assert.equal(fake.requests.filter((r) => r.status === 413).length, 1, "413 is not retried");
  });

  it("reports a 500 that outlasts the pipeline's retries as a retryable server error", async () => {
    const fake = newFake();
    fake.inject({ kind: "status", status: 500, times: Infinity, match: carrying(0) });
    const { sink } = sinkFor(fake);

    const outcome = await sink.upload(TEST_STREAM, makeRows(10));

    assert.equal(outcome.accepted, 0);
    assert.deepEqual(outcome.failedIndexes, range(0, 10));
    assert.equal(outcome.failed[0]!.code, "server-error");
    assert.equal(outcome.failed[0]!.retryable, true);
    assert.equal(fake.requests.length, FAST_RETRIES.maxRetries + 1);
  });

  it("reports a 429 that outlasts the retries as throttled, with the service's Retry-After", async () => {
    const fake = newFake();
    fake.inject({ kind: "status", status: 429, retryAfterSeconds: 0, times: Infinity });
    const { sink } = sinkFor(fake);

    const outcome = await sink.upload(TEST_STREAM, makeRows(4));

    assert.equal(outcome.failed[0]!.code, "throttled");
    assert.equal(outcome.failed[0]!.retryable, true);
    // Retry-After: 0 is bounded below (issue 11): a pause of at least a second, never a hot loop.
    assert.equal(outcome.failed[0]!.retryAfterMs, 1000);
  });

  it("after an abort, reports the chunk in flight as ambiguous and the unattempted ones as not-sent", async () => {
    const fake = newFake();
    fake.inject({ kind: "delay", ms: 60_000, match: carrying(0) });
    const { sink } = sinkFor(fake, { concurrency: 1 });
    const controller = new AbortController();

    const pending = sink.upload(TEST_STREAM, ROWS, { signal: controller.signal });
    await fake.whenRequests(1);
    controller.abort();
    const outcome = await pending;

    assert.equal(fake.requests.length, 1, "nothing was sent after the abort");
    assert.equal(outcome.accepted, 0);
    assert.deepEqual(outcome.failedIndexes, range(0, 3000));
    const [inFlight, ...rest] = outcome.failed;
    assert.equal(inFlight!.code, "ambiguous");
    assert.equal(outcome.ambiguous, inFlight!.count);
    assert.ok(rest.length >= 3);
    assert.ok(rest.every((chunk) => chunk.code === "not-sent" && chunk.retryable));
  });

  it("sends nothing when aborted before it starts", async () => {
    const fake = newFake();
    const { sink } = sinkFor(fake);

    const outcome = await sink.upload(TEST_STREAM, ROWS, { signal: AbortSignal.abort() });

    assert.equal(fake.requests.length, 0);
    assert.equal(outcome.ambiguous, 0);
    assert.deepEqual(outcome.failedIndexes, range(0, 3000));
    assert.ok(outcome.failed.every((chunk) => chunk.code === "not-sent"));
  });

  it("reports a request that timed out after the service stored it as ambiguous", async () => {
    const fake = newFake();
    fake.inject({ kind: "timeout-after-receive", match: carrying(2999) });
    const { sink } = sinkFor(fake);

    const outcome = await sink.upload(TEST_STREAM, ROWS);

    const [lost] = outcome.failed;
    assert.equal(outcome.failed.length, 1);
    assert.equal(lost!.code, "ambiguous");
    assert.equal(lost!.firstIndex + lost!.count, 3000);
    assert.equal(outcome.ambiguous, lost!.count);
    assert.equal(outcome.accepted, 3000 - lost!.count);
    // The service kept them: resending duplicates them, which queries remove by EventId.
    assert.deepEqual(seqs(fake.acceptedRows(TEST_STREAM.streamName)), range(0, 3000));
  });

  it("gives up on a chunk after its deadline and reports it as ambiguous", async () => {
    const fake = newFake();
    fake.inject({ kind: "delay", ms: 60_000 });
    const { sink } = sinkFor(fake, { chunkTimeoutMs: 50 });

    const outcome = await sink.upload(TEST_STREAM, makeRows(5));

    assert.equal(outcome.ambiguous, 5);
    assert.match(outcome.failed[0]!.message, /no answer within 50 ms/);
  });

  it("reports the service's 400 for a record that does not match the stream, naming the field", async () => {
    const fake = newFake();
    const rows = makeRows(5);
    rows[3]!["Size"] = "large";
    const { sink } = sinkFor(fake);

    const outcome = await sink.upload(TEST_STREAM, rows);

    const [failed] = outcome.failed;
    assert.equal(failed!.status, 400);
    assert.equal(failed!.code, "bad-request");
    assert.equal(failed!.retryable, false);
    assert.match(failed!.message, /Record 3: field "Size" must be int/);
    assert.equal(fake.acceptedRows(TEST_STREAM.streamName).length, 0, "nothing from that request is stored");
  });

  it("reports a 400 for an undeclared field", async () => {
    const fake = newFake();
    const rows = makeRows(2);
    rows[0]!["Sender"] = "someone@example.com";
    const { sink } = sinkFor(fake);

    const outcome = await sink.upload(TEST_STREAM, rows);

    assert.match(
      outcome.failed[0]!.message,
      /field "Sender" is not declared in stream Custom-MimecastTest_CL/,
    );
  });

  it("explains a 401 with the Monitoring Metrics Publisher role", async () => {
    const fake = newFake("the-right-token");
    const { sink, logs } = sinkFor(fake);

    const outcome = await sink.upload(TEST_STREAM, makeRows(3));

    const [failed] = outcome.failed;
    assert.equal(failed!.status, 401);
    assert.equal(failed!.code, "forbidden");
    assert.match(failed!.message, /Monitoring Metrics Publisher/);
    assert.match(failed!.message, new RegExp(RULE_ID));
    assert.ok(logs.some((line) => line.includes("Monitoring Metrics Publisher")));
  });

  it("reports a stream the DCR does not declare as not-found", async () => {
    const fake = newFake();
    const { sink } = sinkFor(fake);
    const missing = { ...TEST_STREAM, streamName: "Custom-Missing_CL" };

    const outcome = await sink.upload(missing, makeRows(2));

    assert.equal(outcome.failed[0]!.status, 404);
    assert.equal(outcome.failed[0]!.code, "not-found");
    assert.match(outcome.failed[0]!.message, /Custom-Missing_CL/);
  });

  it("reports a credential that cannot get a token without sending anything", async () => {
    const fake = newFake();
    const unavailable: TokenCredential = {
      getToken(): Promise<AccessToken> {
        const error = new Error("ManagedIdentityCredential: no managed identity endpoint found");
        error.name = "CredentialUnavailableError";
        return Promise.reject(error);
      },
    };
    const { sink } = sinkFor(fake, { credential: unavailable });

    const outcome = await sink.upload(TEST_STREAM, makeRows(2));

    assert.equal(fake.requests.length, 0);
    assert.equal(outcome.failed[0]!.code, "credential");
    assert.match(outcome.failed[0]!.message, /managed identity/);
  });
});
