import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BatchListing } from "../helpers/sim-http";
import { bearer, getToken, jsonOf, listBatch, mcDate, postJson, request, signV1 } from "../helpers/sim-http";
import { NOW, withSimulator } from "../helpers/sim-fixtures";

const DLP = "/api/dlp/get-logs";
const rateHeaders = (headers: Record<string, unknown>) => ({
  limit: headers["x-ratelimit-limit"],
  remaining: headers["x-ratelimit-remaining"],
  reset: headers["x-ratelimit-reset"],
});

describe("simulator rate limits", () => {
  it("answers the (limit+1)th call of a window with 429 and a Reset in milliseconds, then recovers", async () => {
    await withSimulator({ rateLimit: { limit: 3, windowMs: 10_000 } }, async (sim) => {
      const headers = bearer(await getToken(sim));
      for (const [remaining, reset] of [
        ["2", "10000"],
        ["1", "9000"],
        ["0", "8000"],
      ]) {
        const ok = await postJson(sim, DLP, {}, headers);
        assert.equal(ok.status, 200);
        assert.deepEqual(rateHeaders(ok.headers), { limit: "3", remaining, reset });
        sim.clock.advance(1000);
      }
      const limited = await postJson(sim, DLP, {}, headers);
      assert.equal(limited.status, 429);
      assert.deepEqual(rateHeaders(limited.headers), { limit: "3", remaining: "0", reset: "7000" });
      assert.equal(jsonOf<{ fail: Array<{ code: string }> }>(limited).fail[0]?.code, "rate_limit_exceeded");
      sim.clock.advance(6999);
      assert.equal((await postJson(sim, DLP, {}, headers)).status, 429);
      sim.clock.advance(1);
      assert.equal((await postJson(sim, DLP, {}, headers)).status, 200);
    });
  });

  it("counts per application and per endpoint family", async () => {
    await withSimulator({ rateLimit: { limit: 1, windowMs: 60_000 } }, async (sim) => {
      const headers = bearer(await getToken(sim));
      assert.equal((await postJson(sim, DLP, {}, headers)).status, 200);
      assert.equal((await postJson(sim, DLP, {}, headers)).status, 429);
      assert.equal(
        (await postJson(sim, "/api/ttp/url/get-logs", {}, headers)).status,
        200,
        "another family has its own quota",
      );
      const hmac = await postJson(sim, DLP, {}, signV1(sim.credentials.hmac!, DLP, mcDate(NOW)));
      assert.equal(hmac.status, 200, "another application has its own quota");
    });
  });

  it("can send the X-RateLimit headers only on the 429, as Elastic observed", async () => {
    await withSimulator(
      { rateLimit: { limit: 1, windowMs: 60_000, headersOnlyOn429: true } },
      async (sim) => {
        const headers = bearer(await getToken(sim));
        const ok = await postJson(sim, DLP, {}, headers);
        assert.equal(ok.headers["x-ratelimit-limit"], undefined);
        const limited = await postJson(sim, DLP, {}, headers);
        assert.equal(limited.headers["x-ratelimit-reset"], "60000");
      },
    );
  });

  it("does not rate-limit file downloads", async () => {
    await withSimulator({ rateLimit: { limit: 1, windowMs: 60_000 } }, async (sim) => {
      const listing = jsonOf<BatchListing>(
        await listBatch(sim, "cg", { type: "receipt", pageSize: "5" }, await getToken(sim)),
      );
      for (let i = 0; i < 3; i++) {
        for (const file of listing.value) assert.equal((await request(file.url)).status, 200);
      }
    });
  });

  it("sends no rate-limit headers when rate limiting is off", async () => {
    await withSimulator({ rateLimit: false }, async (sim) => {
      const result = await postJson(sim, DLP, {}, bearer(await getToken(sim)));
      assert.equal(result.headers["x-ratelimit-limit"], undefined);
    });
  });
});
