import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { EntityId } from "durable-functions";
import type { CheckpointChannel } from "../../src/activities/checkpointChannel";
import { entityRateLimitStore } from "../../src/activities/sharedLimits";
import { applyRateLimitOperation } from "../../src/entities/rateLimit";
import type { RateLimitState } from "../../src/entities/rateLimit";
import { formatMimecastTime } from "../../src/feeds/time";
import { ENDPOINTS } from "../../src/mimecast/endpoints";
import { MimecastRateLimitedError } from "../../src/mimecast/errors";
import { RateLimiter } from "../../src/mimecast/rateLimiter";
import type { InstanceUsage } from "../../src/mimecast/sharedRateLimit";
import { SharedRateLimit, recordUsage, usageList } from "../../src/mimecast/sharedRateLimit";
import { FakeClock } from "../../src/shared/clock";
import { startSimulator } from "../../simulator/index";
import { simulatorClient } from "../helpers/simClient";

const NOW = Date.UTC(2024, 10, 18, 12, 0, 0);
const WINDOW_MS = 60_000;

const usageArb = fc.record({
  family: fc.constantFrom("dlp", "audit"),
  instance: fc.constantFrom("a", "b", "c", "d"),
  window: fc.constantFrom(0, WINDOW_MS, 2 * WINDOW_MS),
  used: fc.integer({ min: 1, max: 20 }),
});

/** The table any order of `reports` must end in: per family, its latest window, each instance's largest count. */
function expectedTable(reports: readonly InstanceUsage[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const family of new Set(reports.map((r) => r.family))) {
    const mine = reports.filter((r) => r.family === family);
    const window = Math.max(...mine.map((r) => r.window));
    for (const r of mine.filter((m) => m.window === window)) {
      const key = `${family}|${window}|${r.instance}`;
      out.set(key, String(Math.max(Number(out.get(key) ?? 0), r.used)));
    }
  }
  return out;
}

const asMap = (list: readonly InstanceUsage[]): Map<string, string> =>
  new Map(list.map((u) => [`${u.family}|${u.window}|${u.instance}`, String(u.used)]));

describe("shared budget use (the rate-limit entity's `use` reducer)", () => {
  it("ends in the same table for any order of reports, with any of them duplicated", () => {
    fc.assert(
      fc.property(
        fc.array(usageArb, { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.nat(),
        (reports, duplicates, seed) => {
          const delivered = [...reports, ...duplicates.map((i) => reports[i % reports.length]!)];
          // A seeded shuffle: Durable orders messages only per sender.
          let s = seed | 1;
          for (let i = delivered.length - 1; i > 0; i -= 1) {
            s = (Math.imul(s, 1103515245) + 12345) >>> 0;
            const j = s % (i + 1);
            [delivered[i], delivered[j]] = [delivered[j]!, delivered[i]!];
          }
          let state: RateLimitState | undefined;
          for (const r of delivered) state = applyRateLimitOperation(state, "use", r);
          assert.deepEqual(asMap(usageList(state?.usage)), expectedTable(reports));
        },
      ),
    );
  });

  it("ignores reports that are not usage, and keeps the pauses it holds", () => {
    const paused = applyRateLimitOperation(undefined, "pause", { until: NOW + 5_000 });
    const after = applyRateLimitOperation(paused, "use", {
      family: "dlp",
      instance: "a",
      window: 0,
      used: -1,
    });
    assert.equal(after, paused);
    const used = applyRateLimitOperation(paused, "use", { family: "dlp", instance: "a", window: 0, used: 3 });
    assert.deepEqual(used?.pauses, { "": NOW + 5_000 });
    assert.deepEqual(
      usageList(recordUsage(undefined, { family: "dlp", instance: "a", window: 0, used: 3 })),
      [{ family: "dlp", window: 0, used: 3, instance: "a" }],
    );
  });
});

/** A channel whose only entity is the rate-limit entity, run by its real reducer. */
function rateLimitChannel(): CheckpointChannel {
  let state: RateLimitState | undefined;
  return {
    readEntityState: <T>(_id: EntityId) =>
      Promise.resolve({
        entityExists: state !== undefined,
        ...(state !== undefined ? { entityState: JSON.parse(JSON.stringify(state)) as T } : {}),
      }),
    signalEntity: (_id: EntityId, operation?: string, input?: unknown) => {
      state = applyRateLimitOperation(state, operation ?? "", JSON.parse(JSON.stringify(input)) as unknown);
      return Promise.resolve();
    },
  };
}

describe("client-side budgets across instances, through the rate-limit entity", () => {
  it("4 instances, each with its own limiter, send one budget per window between them (simulator's log)", async () => {
    const clock = new FakeClock(NOW);
    const sim = await startSimulator({ seed: 5, clock, rateLimit: { limit: 1_000, windowMs: WINDOW_MS } });
    const channel = rateLimitChannel();
    const BUDGET = 5;
    const WINDOWS = 3;
    try {
      const clients = Array.from({ length: 4 }, () => {
        const limiter = new RateLimiter(clock, { dlp: { requests: BUDGET, windowMs: WINDOW_MS } });
        new SharedRateLimit(entityRateLimitStore(channel), "application", limiter);
        return simulatorClient(sim, clock, { maxInlineRateLimitWaitMs: 0, rateLimiter: limiter });
      });
      const body = { data: [{ from: formatMimecastTime(NOW - 3_600_000), to: formatMimecastTime(NOW) }] };
      for (let window = 0; window < WINDOWS; window += 1) {
        for (let round = 0; round < 10; round += 1) {
          for (const client of clients) {
            await client.postJson(ENDPOINTS.dlpLogs.path, ENDPOINTS.dlpLogs.family, body).catch((error) => {
              if (!(error instanceof MimecastRateLimitedError)) throw error;
            });
          }
        }
        clock.advance(WINDOW_MS);
      }
      const perWindow = Array.from({ length: WINDOWS }, (_, w) =>
        sim.requests.filter(
          (r) =>
            r.path === ENDPOINTS.dlpLogs.path &&
            r.at >= NOW + w * WINDOW_MS &&
            r.at < NOW + (w + 1) * WINDOW_MS,
        ),
      ).map((list) => list.length);
      assert.deepEqual(perWindow, [BUDGET, BUDGET, BUDGET]);
    } finally {
      await sim.close();
    }
  });
});
