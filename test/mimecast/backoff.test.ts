import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backoffDelay, DEFAULT_BACKOFF } from "../../src/mimecast/backoff";

describe("backoffDelay", () => {
  it("grows exponentially and never exceeds the cap (full jitter)", () => {
    const top = () => 0.999999;
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((r) => backoffDelay(DEFAULT_BACKOFF, r, top));
    assert.deepEqual(delays.slice(0, 4), [499, 999, 1999, 3999]);
    assert.ok(delays.every((d) => d <= DEFAULT_BACKOFF.maxDelayMs));
    assert.equal(delays.at(-1), 29_999);
  });

  it("is never zero, even with a zero jitter sample", () => {
    assert.equal(
      backoffDelay(DEFAULT_BACKOFF, 1, () => 0),
      1,
    );
  });
});
