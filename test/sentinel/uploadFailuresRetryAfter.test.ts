/**
 * A Sentinel 429 with a long Retry-After (issue 11) is a bounded pause reported at once as "throttled"
 * with its retryAfterMs — not a chunk that sits out its deadline and comes back "ambiguous".
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogsIngestionFake } from "../fakes/logsIngestionFake";
import { within } from "../mimecast/hostileHelpers";
import { RULE_ID, sinkFor } from "./helpers";
import { MAX_PAUSE_MS, MIN_PAUSE_MS } from "../../src/shared/pause";
import type { StreamSchema } from "../../src/sentinel/streams";

const stream: StreamSchema = {
  streamName: "Custom-Audit_CL",
  columns: [
    { name: "TimeGenerated", type: "datetime" },
    { name: "EventId", type: "string" },
  ],
};
const row = { TimeGenerated: "2026-11-20T12:00:00.000Z", EventId: "e1" };

describe("Sentinel Retry-After bounds", () => {
  for (const [retryAfterSeconds, expected] of [
    [3600, 3_600_000],
    [86_400 * 365, 60_000],
    [0, MIN_PAUSE_MS],
  ] as const) {
    it(`429 with Retry-After: ${retryAfterSeconds} → throttled, retryAfterMs ${expected}, not ambiguous`, async () => {
      const fake = createLogsIngestionFake({ streams: [stream], ruleId: RULE_ID });
      fake.inject({ kind: "status", status: 429, retryAfterSeconds, times: Infinity });
      const { sink } = sinkFor(fake, { chunkTimeoutMs: 120_000 });
      const outcome = await within(15_000, sink.upload(stream, [row]), "upload");
      assert.equal(outcome.failed.length, 1);
      const failure = outcome.failed[0]!;
      assert.equal(failure.code, "throttled");
      assert.equal(failure.retryAfterMs, expected);
      assert.ok(failure.retryAfterMs >= MIN_PAUSE_MS && failure.retryAfterMs <= MAX_PAUSE_MS);
      assert.equal(outcome.ambiguous, 0);
    });
  }
});
