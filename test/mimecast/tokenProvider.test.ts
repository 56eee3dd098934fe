import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TokenProvider } from "../../src/mimecast/tokenProvider";
import { FakeClock } from "../../src/shared/clock";
import { SecretRedactor } from "../../src/shared/logger";

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

function counterFetcher(expiresInSeconds = 1800) {
  let n = 0;
  const calls: boolean[] = [];
  const fetcher = async (reload: boolean) => {
    calls.push(reload);
    n += 1;
    await new Promise((r) => setImmediate(r));
    return { accessToken: `token-number-${n}`, expiresInSeconds };
  };
  return { fetcher, calls };
}

describe("TokenProvider", () => {
  it("reuses the token until expires_in minus the margin", async () => {
    const clock = new FakeClock(T0);
    const { fetcher, calls } = counterFetcher(1800);
    const tokens = new TokenProvider(fetcher, clock, new SecretRedactor(), 60_000);
    assert.equal(await tokens.get(), "token-number-1");
    clock.advance(1739_000);
    assert.equal(await tokens.get(), "token-number-1");
    clock.advance(1_000);
    assert.equal(await tokens.get(), "token-number-2");
    assert.equal(calls.length, 2);
  });

  it("shares one in-flight refresh among concurrent callers", async () => {
    const { fetcher, calls } = counterFetcher();
    const tokens = new TokenProvider(fetcher, new FakeClock(T0), new SecretRedactor());
    const all = await Promise.all(Array.from({ length: 25 }, () => tokens.get()));
    assert.equal(calls.length, 1);
    assert.ok(all.every((t) => t === "token-number-1"));
  });

  it("replaces a rejected token once, even when many callers report the same rejection", async () => {
    const { fetcher, calls } = counterFetcher();
    const tokens = new TokenProvider(fetcher, new FakeClock(T0), new SecretRedactor());
    const first = await tokens.get();
    const replaced = await Promise.all([tokens.replace(first), tokens.replace(first), tokens.replace(first)]);
    assert.deepEqual(replaced, ["token-number-2", "token-number-2", "token-number-2"]);
    assert.equal(calls.length, 2);
  });

  it("registers every token with the redactor so logs never show it", async () => {
    const redactor = new SecretRedactor();
    const { fetcher } = counterFetcher();
    const tokens = new TokenProvider(fetcher, new FakeClock(T0), redactor);
    const token = await tokens.get();
    assert.equal(redactor.redact(`saw ${token} here`), "saw [REDACTED] here");
  });

  it("still uses very short-lived tokens instead of refreshing on every call", async () => {
    const clock = new FakeClock(T0);
    const { fetcher, calls } = counterFetcher(10);
    const tokens = new TokenProvider(fetcher, clock, new SecretRedactor(), 60_000);
    await tokens.get();
    clock.advance(4_000);
    await tokens.get();
    assert.equal(calls.length, 1);
  });
});
