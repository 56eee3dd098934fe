import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { jsonOf, mcDate, postJson, request, signV1 } from "../helpers/sim-http";
import { NOW, withSimulator } from "../helpers/sim-fixtures";

const AUDIT = "/api/audit/get-audit-events";
const BODY = {
  data: [{ startDateTime: "2024-11-18T00:00:00+0000", endDateTime: "2024-11-18T12:00:00+0000" }],
};

type V1Failure = {
  meta: { status: number };
  fail: Array<{ errors: Array<{ code: string; retryable: boolean }> }>;
};

describe("simulator API 1.0 HMAC authentication", () => {
  it("accepts a correctly signed request", async () => {
    await withSimulator({}, async (sim) => {
      const result = await postJson(sim, AUDIT, BODY, signV1(sim.credentials.hmac!, AUDIT, mcDate(NOW)));
      assert.equal(result.status, 200);
      assert.equal(sim.requests.at(-1)?.authorizationScheme, "MC");
      assert.equal(sim.requests.at(-1)?.appId, sim.credentials.hmac!.appId);
    });
  });

  it("rejects a tampered signature with err_xdk_invalid_signature", async () => {
    await withSimulator({}, async (sim) => {
      const headers = signV1(sim.credentials.hmac!, AUDIT, mcDate(NOW));
      headers.Authorization = headers.Authorization!.replace(
        /.(=*)$/,
        (last, pad: string) => (last.startsWith("A") ? "B" : "A") + pad,
      );
      const result = await postJson(sim, AUDIT, BODY, headers);
      assert.equal(result.status, 401);
      const body = jsonOf<V1Failure>(result);
      assert.equal(body.meta.status, 401);
      assert.equal(body.fail[0]?.errors[0]?.code, "err_xdk_invalid_signature");
      assert.equal(body.fail[0]?.errors[0]?.retryable, false);
    });
  });

  it("rejects a signature made for another path", async () => {
    await withSimulator({}, async (sim) => {
      const result = await postJson(
        sim,
        AUDIT,
        BODY,
        signV1(sim.credentials.hmac!, "/api/dlp/get-logs", mcDate(NOW)),
      );
      assert.equal(result.status, 401);
    });
  });

  it("rejects a date skewed by more than 15 minutes from the simulated clock", async () => {
    await withSimulator({}, async (sim) => {
      const ok = await postJson(
        sim,
        AUDIT,
        BODY,
        signV1(sim.credentials.hmac!, AUDIT, mcDate(NOW - 14 * 60_000)),
      );
      assert.equal(ok.status, 200);
      const skewed = await postJson(
        sim,
        AUDIT,
        BODY,
        signV1(sim.credentials.hmac!, AUDIT, mcDate(NOW - 16 * 60_000)),
      );
      assert.equal(skewed.status, 401);
      assert.equal(jsonOf<V1Failure>(skewed).fail[0]?.errors[0]?.code, "err_xdk_request_date_out_of_range");
    });
  });

  it("only accepts HMAC on /api endpoints, not on the 2.0 SIEM REST endpoints", async () => {
    await withSimulator({}, async (sim) => {
      const path = "/siem/v1/batch/events/cg";
      const result = await request(`${sim.url}${path}?type=receipt`, {
        headers: signV1(sim.credentials.hmac!, path, mcDate(NOW)),
      });
      assert.equal(result.status, 401);
    });
  });
});
