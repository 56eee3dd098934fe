import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FEED_KEYS } from "../../simulator/index";
import { bearer, getToken, postJson } from "../helpers/sim-http";
import { DAY, NOW, withSimulator } from "../helpers/sim-fixtures";

const WINDOW = { from: NOW - DAY, to: NOW };

describe("simulator determinism", () => {
  it("generates identical records for the same seed", async () => {
    const [a, b] = await Promise.all(
      [42, 42].map((seed) =>
        withSimulator({ seed }, (sim) =>
          Promise.resolve([...sim.groundTruth("siem-cg", { ...WINDOW, type: "receipt" })]),
        ),
      ),
    );
    assert.ok(a && b && a.length > 1000);
    assert.deepEqual(a, b);
  });

  it("generates different records for a different seed", async () => {
    const [a, b] = await Promise.all(
      [42, 43].map((seed) =>
        withSimulator({ seed }, (sim) =>
          Promise.resolve([...sim.groundTruth("dlp", WINDOW)].map((e) => e.record)),
        ),
      ),
    );
    assert.notDeepEqual(a, b);
  });

  it("answers the same request with byte-identical bodies for the same seed and clock", async () => {
    const body = {
      meta: { pagination: { pageSize: 100 } },
      data: [{ from: "2024-11-17T00:00:00+0000", to: "2024-11-18T00:00:00+0000" }],
    };
    const bodies = await Promise.all(
      [1, 2].map(() =>
        withSimulator({}, async (sim) =>
          (await postJson(sim, "/api/ttp/url/get-logs", body, bearer(await getToken(sim)))).body.toString(),
        ),
      ),
    );
    assert.equal(bodies[0], bodies[1]);
  });

  it("generates high volumes lazily: 15 minutes at 4 million events per day", async () => {
    await withSimulator({ eventsPerDay: { "siem-cg:receipt": 4_000_000 }, lateFraction: 0 }, (sim) => {
      let count = 0;
      for (const _ of sim.groundTruth("siem-cg", { from: NOW - 15 * 60_000, to: NOW, type: "receipt" }))
        count++;
      // 15 minutes of a 4M/day stream: about 42k events (±40 % per slot).
      assert.ok(count > 25_000 && count < 59_000, `count ${count}`);
      return Promise.resolve();
    });
  });

  it("publishes a share of events late, never later than maxLateMs", async () => {
    await withSimulator({ lateFraction: 0.2, maxLateMs: 3_600_000 }, (sim) => {
      const events = [...sim.groundTruth("siem-cg", { ...WINDOW, type: "process" })];
      const late = events.filter((e) => e.publishTime > e.eventTime);
      assert.ok(
        late.length > events.length * 0.15 && late.length < events.length * 0.25,
        `${late.length}/${events.length}`,
      );
      assert.ok(late.every((e) => e.publishTime - e.eventTime <= 3_600_000));
      return Promise.resolve();
    });
  });

  it("produces no events before startOfData", async () => {
    await withSimulator({ startOfData: NOW - 2 * 3_600_000 }, (sim) => {
      const events = [...sim.groundTruth("audit", { from: NOW - DAY, to: NOW })];
      assert.ok(events.length > 0);
      assert.ok(events.every((e) => e.eventTime >= NOW - 2 * 3_600_000));
      return Promise.resolve();
    });
  });

  it("lists every feed in the ground truth with unique keys", async () => {
    await withSimulator({}, (sim) => {
      for (const feed of FEED_KEYS) {
        const keys = [...sim.groundTruth(feed, { from: NOW - 6 * 3_600_000, to: NOW })].map((e) => e.key);
        assert.ok(keys.length > 0, feed);
        assert.equal(new Set(keys).size, keys.length, feed);
      }
      return Promise.resolve();
    });
  });
});
