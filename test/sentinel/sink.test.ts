import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { acceptedPrefixLength, outcomeFromFailures } from "../../src/sentinel/sink";
import type { FailedChunk } from "../../src/sentinel/sink";

const failure = (firstIndex: number, count: number, code: FailedChunk["code"]): FailedChunk => ({
  firstIndex,
  count,
  code,
  message: code,
  retryable: true,
});

describe("outcomeFromFailures", () => {
  it("lists failed rows by input index, in order, and counts the ambiguous ones", () => {
    const outcome = outcomeFromFailures(10, [failure(7, 2, "not-sent"), failure(2, 3, "ambiguous")]);
    assert.deepEqual(outcome.failedIndexes, [2, 3, 4, 7, 8]);
    assert.deepEqual(
      outcome.failed.map((f) => f.firstIndex),
      [2, 7],
    );
    assert.equal(outcome.accepted, 5);
    assert.equal(outcome.ambiguous, 3);
  });

  it("accepts everything when nothing failed", () => {
    assert.deepEqual(outcomeFromFailures(4, []), {
      accepted: 4,
      failed: [],
      failedIndexes: [],
      ambiguous: 0,
    });
  });
});

describe("acceptedPrefixLength", () => {
  it("is how far a checkpoint may advance: up to the first row not known to be accepted", () => {
    assert.equal(acceptedPrefixLength(outcomeFromFailures(10, [failure(6, 1, "throttled")]), 10), 6);
    assert.equal(acceptedPrefixLength(outcomeFromFailures(10, []), 10), 10);
    assert.equal(acceptedPrefixLength(outcomeFromFailures(10, [failure(0, 10, "not-sent")]), 10), 0);
  });
});
