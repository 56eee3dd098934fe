import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  RateLimiter,
  rateLimiterForApplication,
  resetRateLimiterRegistry,
  retryAfterMs,
} from "../../src/mimecast/rateLimiter";
import { FakeClock } from "../../src/shared/clock";

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

describe("RateLimiter", () => {
  it("is ready before it has learned anything", () => {
    const limiter = new RateLimiter(new FakeClock(T0));
    assert.deepEqual(limiter.check("audit"), { kind: "ready" });
  });

  it("a 429 pauses the whole application for X-RateLimit-Reset milliseconds", () => {
    const clock = new FakeClock(T0);
    const limiter = new RateLimiter(clock);
    limiter.observe("ttp-url", 429, {
      "x-ratelimit-limit": "50",
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": "1500",
    });
    const decision = limiter.check("audit");
    assert.equal(decision.kind, "wait");
    assert.equal(decision.kind === "wait" && decision.until, T0 + 1500);
    clock.advance(1500);
    assert.deepEqual(limiter.check("audit"), { kind: "ready" });
  });

  it("treats X-RateLimit-Reset as milliseconds, not seconds or an epoch", () => {
    const limiter = new RateLimiter(new FakeClock(T0));
    limiter.observe("dlp", 429, { "X-RateLimit-Reset": "60000" });
    assert.equal(limiter.pausedUntil("dlp"), T0 + 60_000);
  });

  it("falls back to Retry-After seconds when the 429 has no reset header", () => {
    const limiter = new RateLimiter(new FakeClock(T0));
    limiter.observe("dlp", 429, { "retry-after": "7" });
    assert.equal(limiter.pausedUntil("dlp"), T0 + 7000);
  });

  it("Remaining 0 on a success pauses only that API function until its reset", () => {
    const limiter = new RateLimiter(new FakeClock(T0));
    limiter.observe("siem-batch-cg", 200, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "2000" });
    assert.equal(limiter.pausedUntil("siem-batch-cg"), T0 + 2000);
    assert.equal(limiter.pausedUntil("audit"), undefined);
  });

  it("enforces a client-side budget per family with a fixed window", () => {
    const clock = new FakeClock(T0);
    const limiter = new RateLimiter(clock, { "siem-batch-cg": { requests: 2, windowMs: 60_000 } });
    assert.equal(limiter.acquire("siem-batch-cg").kind, "ready");
    assert.equal(limiter.acquire("siem-batch-cg").kind, "ready");
    const third = limiter.acquire("siem-batch-cg");
    assert.deepEqual(third, { kind: "wait", until: T0 + 60_000, reason: "client budget for siem-batch-cg" });
    assert.equal(limiter.acquire("audit").kind, "ready", "other families are not affected");
    clock.advance(60_000);
    assert.equal(limiter.acquire("siem-batch-cg").kind, "ready");
  });

  it("a default budget applies to families without their own", () => {
    const limiter = new RateLimiter(new FakeClock(T0), { default: { requests: 1, windowMs: 1000 } });
    assert.equal(limiter.acquire("audit").kind, "ready");
    assert.equal(limiter.acquire("audit").kind, "wait");
  });

  it("shares one limiter per application across the process", () => {
    resetRateLimiterRegistry();
    const clock = new FakeClock(T0);
    const a = rateLimiterForApplication("oauth2:client-a", clock);
    assert.equal(rateLimiterForApplication("oauth2:client-a", clock), a);
    assert.notEqual(rateLimiterForApplication("oauth2:client-b", clock), a);
    resetRateLimiterRegistry();
  });

  it("gives a runtime with another clock its own limiter, so it never waits on a pause from another time line", () => {
    resetRateLimiterRegistry();
    const first = new FakeClock(T0);
    const limiter = rateLimiterForApplication("oauth2:client-a", first);
    limiter.observe("audit", 429, { "x-ratelimit-reset": "20000" });
    // A second in-process run (a new simulated clock, hours later): the first clock never moves again.
    const second = new FakeClock(T0 + 3_600_000);
    const other = rateLimiterForApplication("oauth2:client-a", second);
    assert.notEqual(other, limiter);
    assert.equal(other.acquire("audit").kind, "ready");
    resetRateLimiterRegistry();
  });

  it("parses Retry-After as an HTTP date too", () => {
    assert.equal(retryAfterMs({ "retry-after": new Date(T0 + 5000).toUTCString() }, T0), 5000);
    assert.equal(retryAfterMs({}, T0), undefined);
  });
});
