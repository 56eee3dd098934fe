import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatMimecastTime } from "../../src/feeds/time";
import { ENDPOINTS } from "../../src/mimecast/endpoints";
import { MimecastRateLimitedError } from "../../src/mimecast/errors";
import { RateLimiter } from "../../src/mimecast/rateLimiter";
import { InProcessRateLimitStore, SharedRateLimit } from "../../src/mimecast/sharedRateLimit";
import { FakeClock } from "../../src/shared/clock";
import { startSimulator } from "../../simulator/index";
import { simulatorClient } from "../helpers/simClient";

const NOW = Date.UTC(2024, 10, 18, 12, 0, 0);
const WINDOW_MS = 60_000;
const INSTANCES = 4;
const WINDOWS = 3;

/**
 * Four instances, each with its own limiter (separate processes on Flex Consumption), call one
 * Mimecast application against the simulator's real per-application quota. Oracle: the simulator's
 * own request log, 429s counted per quota window.
 */
async function run(
  shared: boolean,
  budget?: number,
): Promise<{ perWindow: number[]; ok: number; sentPerWindow: number[] }> {
  const clock = new FakeClock(NOW);
  const sim = await startSimulator({
    seed: 5,
    clock,
    // With a client budget, the server's quota is out of reach: only the budget holds the instances back.
    rateLimit: { limit: budget === undefined ? 5 : 1_000, windowMs: WINDOW_MS },
  });
  const store = new InProcessRateLimitStore();
  try {
    const instances = Array.from({ length: INSTANCES }, () => {
      const limiter = new RateLimiter(
        clock,
        budget === undefined ? {} : { default: { requests: budget, windowMs: WINDOW_MS } },
      );
      if (shared) new SharedRateLimit(store, "app-1", limiter);
      return simulatorClient(sim, clock, { maxInlineRateLimitWaitMs: 0, rateLimiter: limiter });
    });
    const body = { data: [{ from: formatMimecastTime(NOW - 3_600_000), to: formatMimecastTime(NOW) }] };
    let ok = 0;
    for (let window = 0; window < WINDOWS; window += 1) {
      // Every instance keeps calling until its limiter holds it back, round-robin (bounded).
      for (let round = 0; round < 20; round += 1) {
        let sent = false;
        for (const client of instances) {
          try {
            await client.postJson(ENDPOINTS.dlpLogs.path, ENDPOINTS.dlpLogs.family, body);
            ok += 1;
            sent = true;
          } catch (error) {
            if (!(error instanceof MimecastRateLimitedError)) throw error;
          }
        }
        if (!sent) break;
      }
      clock.advance(WINDOW_MS);
    }
    const windowOf = (at: number): number =>
      Math.min(WINDOWS - 1, Math.max(0, Math.floor((at - NOW) / WINDOW_MS)));
    const perWindow = Array.from({ length: WINDOWS }, () => 0);
    const sentPerWindow = Array.from({ length: WINDOWS }, () => 0);
    for (const r of sim.requests) {
      if (r.path !== ENDPOINTS.dlpLogs.path) continue;
      const w = windowOf(r.at);
      sentPerWindow[w] = (sentPerWindow[w] ?? 0) + 1;
      if (r.status === 429) perWindow[w] = (perWindow[w] ?? 0) + 1;
    }
    return { perWindow, ok, sentPerWindow };
  } finally {
    await sim.close();
  }
}

describe("rate limits shared across instances of one Mimecast application", () => {
  it("with a shared store, ≤ 1 429 per reset window across 4 instances, as with one", async () => {
    const result = await run(true);
    assert.ok(
      result.perWindow.every((n) => n <= 1),
      `429s per window: ${result.perWindow.join(", ")}`,
    );
    assert.ok(result.ok >= 5 * WINDOWS - 1, "the quota is still used");
  });

  it("without it (each instance alone), the instances that did not see the quota end get 429s", async () => {
    const result = await run(false);
    assert.ok(
      result.perWindow.some((n) => n > 1),
      `429s per window: ${result.perWindow.join(", ")}`,
    );
  });
});

describe("client-side budgets shared across instances of one Mimecast application", () => {
  const BUDGET = 6;

  it("with a shared store, 4 instances together send at most one budget per window, and use it", async () => {
    const result = await run(true, BUDGET);
    assert.deepEqual(
      result.sentPerWindow,
      Array.from({ length: WINDOWS }, () => BUDGET),
      `requests per window (simulator's log): ${result.sentPerWindow.join(", ")}`,
    );
  });

  it("without it, each instance spends a budget of its own: 4 budgets per window", async () => {
    const result = await run(false, BUDGET);
    assert.ok(
      result.sentPerWindow.every((n) => n === INSTANCES * BUDGET),
      `requests per window: ${result.sentPerWindow.join(", ")}`,
    );
  });
});
