import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RestError, createHttpHeaders, createPipelineRequest } from "@azure/core-rest-pipeline";
import { AggregateLogsUploadError } from "@azure/monitor-ingestion";
import { describeUploadFailure } from "../../src/sentinel/uploadFailures";
import type { ChunkContext } from "../../src/sentinel/uploadFailures";
import { DCE, RULE_ID } from "./helpers";

const context: ChunkContext = {
  streamName: "Custom-Audit_CL",
  ruleId: RULE_ID,
  endpoint: DCE,
  audience: "https://monitor.azure.com",
  firstIndex: 100,
  count: 50,
  timeoutMs: 1000,
};

function httpError(status: number, headers: Record<string, string> = {}): RestError {
  const request = createPipelineRequest({ url: DCE });
  return new RestError(`service message ${status}`, {
    statusCode: status,
    response: { status, request, headers: createHttpHeaders(headers) },
  });
}

/** What the SDK throws for one chunk: the cause wrapped in an aggregate with a useless message. */
const aggregate = (cause: Error): AggregateLogsUploadError =>
  new AggregateLogsUploadError([{ cause, failedLogs: [] }]);

describe("describeUploadFailure", () => {
  const cases: [what: string, thrown: unknown, code: string, retryable: boolean][] = [
    ["400", aggregate(httpError(400)), "bad-request", false],
    ["403", aggregate(httpError(403)), "forbidden", true],
    ["404", aggregate(httpError(404)), "not-found", true],
    ["409", aggregate(httpError(409)), "http-error", false],
    ["413", aggregate(httpError(413)), "payload-too-large", false],
    ["429", aggregate(httpError(429)), "throttled", true],
    ["502", aggregate(httpError(502)), "server-error", true],
    ["ECONNREFUSED", aggregate(new RestError("refused", { code: "ECONNREFUSED" })), "network", true],
    ["ECONNRESET", aggregate(new RestError("socket hang up", { code: "ECONNRESET" })), "ambiguous", true],
    ["a bare error", aggregate(new TypeError("boom")), "unexpected", true],
  ];
  for (const [what, thrown, code, retryable] of cases) {
    it(`maps ${what} to ${code}${retryable ? " (retryable)" : ""}`, () => {
      const failure = describeUploadFailure(thrown, context);
      assert.equal(failure.code, code);
      assert.equal(failure.retryable, retryable);
      assert.equal(failure.firstIndex, 100);
      assert.equal(failure.count, 50);
      assert.match(failure.message, /^Custom-Audit_CL: 50 records \(rows 100–149\)/);
      assert.ok(!failure.message.includes("undefined\n}"), "never the aggregate's own message");
    });
  }

  it("keeps the service's message and the last Retry-After", () => {
    const failure = describeUploadFailure(aggregate(httpError(429, { "retry-after": "30" })), context);
    assert.match(failure.message, /service said: service message 429/);
    assert.equal(failure.retryAfterMs, 30_000);
  });

  it("explains why a request was cut off", () => {
    const abort = Object.assign(new Error("The operation was aborted."), { name: "AbortError" });
    assert.match(
      describeUploadFailure(aggregate(abort), { ...context, abortReason: "timeout" }).message,
      /outcome unknown, no answer within 1000 ms/,
    );
    assert.match(
      describeUploadFailure(aggregate(abort), { ...context, abortReason: "caller" }).message,
      /aborted while the request was in flight/,
    );
  });
});
