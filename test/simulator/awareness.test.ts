import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bearer, getToken, jsonOf, pageAll, postJson } from "../helpers/sim-http";
import { DAY, withSimulator } from "../helpers/sim-fixtures";

const COMPANY = "/api/awareness-training/company";
const CAMPAIGN = "/api/awareness-training/phishing/campaign";

describe("simulator awareness-training endpoints", () => {
  it("pages the company snapshots to exactly the users enrolled today", async () => {
    await withSimulator({}, async (sim) => {
      const headers = bearer(await getToken(sim));
      const performance = await pageAll(
        sim,
        `${COMPANY}/get-performance-details`,
        { includeUserDetails: true },
        null,
        headers,
        7,
      );
      assert.ok(performance.pages > 3);
      assert.deepEqual(
        performance.records,
        sim.awarenessSnapshot("performance", { includeUserDetails: true }),
      );
      const safeScore = await pageAll(
        sim,
        `${COMPANY}/get-safe-score-details`,
        undefined,
        null,
        headers,
        500,
      );
      assert.deepEqual(safeScore.records, sim.awarenessSnapshot("safe-score"));
      const watchlist = await pageAll(sim, `${COMPANY}/get-watchlist-details`, undefined, null, headers, 500);
      assert.deepEqual(watchlist.records, sim.awarenessSnapshot("watchlist"));
    });
  });

  it("lists campaigns and serves each campaign's user data under data[0].items", async () => {
    await withSimulator({}, async (sim) => {
      const headers = bearer(await getToken(sim));
      const list = await postJson(sim, `${CAMPAIGN}/get-campaign`, undefined, headers);
      const campaigns = jsonOf<{ data: Array<{ id: string }> }>(list).data;
      assert.ok(campaigns.length > 5);
      const id = campaigns[0]!.id;
      const users = await pageAll(sim, `${CAMPAIGN}/get-user-data`, { id }, "items", headers, 20);
      assert.deepEqual(users.records, sim.awarenessSnapshot("user-data", { campaignId: id }));
      const unknown = await postJson(
        sim,
        `${CAMPAIGN}/get-user-data`,
        { data: [{ id: "cmp-0-00000000" }] },
        headers,
      );
      assert.equal(
        jsonOf<{ fail: Array<{ errors: Array<{ code: string }> }> }>(unknown).fail[0]?.errors[0]?.code,
        "err_campaign_not_found",
      );
    });
  });

  it("changes the enrolled users slowly from day to day", async () => {
    await withSimulator({}, (sim) => {
      const emails = (at: number) =>
        new Set(sim.awarenessSnapshot("safe-score", { at }).map((r) => String(r.emailAddress)));
      const today = emails(sim.clock.now());
      const tomorrow = emails(sim.clock.now() + DAY);
      const nextMonth = emails(sim.clock.now() + 30 * DAY);
      const changed = (a: Set<string>, b: Set<string>) =>
        [...a].filter((e) => !b.has(e)).length + [...b].filter((e) => !a.has(e)).length;
      assert.ok(changed(today, tomorrow) <= 3, `day-to-day change ${changed(today, tomorrow)}`);
      assert.ok(changed(today, nextMonth) > changed(today, tomorrow));
      return Promise.resolve();
    });
  });
});
