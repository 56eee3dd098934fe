import assert from "node:assert/strict";
import { describe, it } from "node:test";
import zlib from "node:zlib";
import type { Simulator } from "../../simulator/index";
import type { BatchListing } from "../helpers/sim-http";
import { bearer, getToken, gunzipLines, jsonOf, listBatch, postJson, request } from "../helpers/sim-http";
import { NOW, withSimulator } from "../helpers/sim-fixtures";

const DLP = "/api/dlp/get-logs";
const DLP_BODY = {
  meta: { pagination: { pageSize: 10 } },
  data: [{ from: "2024-11-17T00:00:00+0000", to: "2024-11-18T00:00:00+0000" }],
};

async function firstFile(
  sim: Simulator,
  token: string,
  type = "receipt",
): Promise<{ url: string; size: number }> {
  const listing = jsonOf<BatchListing>(
    await listBatch(sim, "cg", { type, dateRangeStartsAt: "2024-11-17", pageSize: "1" }, token),
  );
  return listing.value[0]!;
}

describe("simulator fault injection", () => {
  it("http-status: answers with the chosen status the given number of times, marked in the request log", async () => {
    await withSimulator({}, async (sim) => {
      const headers = bearer(await getToken(sim));
      const handle = sim.faults.inject({
        kind: "http-status",
        status: 503,
        match: { family: "dlp" },
        times: 2,
      });
      assert.equal((await postJson(sim, DLP, DLP_BODY, headers)).status, 503);
      assert.equal(
        (await postJson(sim, "/api/ttp/url/get-logs", {}, headers)).status,
        200,
        "other families untouched",
      );
      assert.equal((await postJson(sim, DLP, DLP_BODY, headers)).status, 503);
      assert.equal((await postJson(sim, DLP, DLP_BODY, headers)).status, 200);
      assert.equal(handle.hits, 2);
      assert.equal(handle.remaining, 0);
      assert.deepEqual(
        sim.requests.filter((r) => r.path === DLP).map((r) => [r.status, r.fault]),
        [
          [503, "http-status"],
          [503, "http-status"],
          [200, undefined],
        ],
      );
    });
  });

  it("skip lets matching requests pass first; path patterns and methods narrow the match", async () => {
    await withSimulator({}, async (sim) => {
      const headers = bearer(await getToken(sim));
      sim.faults.inject({
        kind: "http-status",
        status: 500,
        skip: 1,
        match: { path: /^\/api\/dlp\//, method: "POST" },
      });
      assert.equal((await postJson(sim, DLP, DLP_BODY, headers)).status, 200);
      assert.equal((await postJson(sim, DLP, DLP_BODY, headers)).status, 500);
      assert.equal((await postJson(sim, DLP, DLP_BODY, headers)).status, 200);
    });
  });

  it("probability picks the same requests for the same seed", async () => {
    const pattern = () =>
      withSimulator({}, async (sim) => {
        const headers = bearer(await getToken(sim));
        sim.faults.inject({
          kind: "http-status",
          status: 502,
          probability: 0.5,
          times: Number.POSITIVE_INFINITY,
          match: { family: "dlp" },
        });
        const statuses: number[] = [];
        for (let i = 0; i < 16; i++) statuses.push((await postJson(sim, DLP, {}, headers)).status);
        return statuses;
      });
    const [a, b] = [await pattern(), await pattern()];
    assert.deepEqual(a, b);
    assert.ok(a.includes(502) && a.includes(200));
  });

  it("slow: delays the response so a client timeout fires", async () => {
    await withSimulator({}, async (sim) => {
      const headers = bearer(await getToken(sim));
      sim.faults.inject({ kind: "slow", delayMs: 300, match: { family: "dlp" }, times: 2 });
      await assert.rejects(
        request(`${sim.url}${DLP}`, { method: "POST", headers, body: "{}", timeoutMs: 50 }),
        /client timeout/,
      );
      const started = performance.now();
      const slow = await postJson(sim, DLP, {}, headers);
      assert.equal(slow.status, 200);
      assert.ok(performance.now() - started >= 250);
    });
  });

  it("reset: destroys the connection without a response", async () => {
    await withSimulator({}, async (sim) => {
      sim.faults.inject({ kind: "reset", match: { family: "oauth-token" } });
      await assert.rejects(getToken(sim), /socket hang up|ECONNRESET/);
      assert.equal(sim.requests[0]?.status, 0);
      assert.equal(sim.requests[0]?.fault, "reset");
      assert.equal(typeof (await getToken(sim)), "string");
    });
  });

  it("truncated-gzip: cuts the file body at the given byte", async () => {
    await withSimulator({}, async (sim) => {
      const file = await firstFile(sim, await getToken(sim));
      sim.faults.inject({ kind: "truncated-gzip", atByte: 200 });
      const cut = await request(file.url);
      assert.equal(cut.status, 200);
      assert.equal(cut.body.length, 200);
      assert.throws(() => zlib.gunzipSync(cut.body), /unexpected end of file/);
      assert.equal((await request(file.url)).body.length, file.size, "only once");
    });
  });

  it("malformed-lines: replaces lines with garbage and reports which", async () => {
    await withSimulator({}, async (sim) => {
      const file = await firstFile(sim, await getToken(sim));
      const clean = gunzipLines((await request(file.url)).body);
      sim.faults.inject({ kind: "malformed-lines", count: 3 });
      const served = gunzipLines((await request(file.url)).body);
      assert.equal(served.length, clean.length);
      const broken = served.flatMap((line, i) => {
        try {
          JSON.parse(line);
          return [];
        } catch {
          return [i + 1];
        }
      });
      const reported = sim.faults.malformedLines();
      assert.equal(reported.length, 3);
      assert.deepEqual(
        broken,
        reported.map((m) => m.lineNumber),
      );
      assert.deepEqual(
        reported.map((m) => m.originalLine),
        broken.map((n) => clean[n - 1]),
      );
      assert.equal(reported[0]?.file, new URL(file.url).pathname);
    });
  });

  it("malformed-lines: corrupts exactly the listed line numbers", async () => {
    await withSimulator({}, async (sim) => {
      const file = await firstFile(sim, await getToken(sim));
      sim.faults.inject({ kind: "malformed-lines", lines: [1, 2] });
      gunzipLines((await request(file.url)).body);
      assert.deepEqual(
        sim.faults.malformedLines().map((m) => m.lineNumber),
        [1, 2],
      );
      assert.match(sim.faults.malformedLines()[0]?.text ?? "", /^\{"_offset":/);
    });
  });

  it("expired-url: answers 403 'Request has expired' although the URL is still valid", async () => {
    await withSimulator({}, async (sim) => {
      const file = await firstFile(sim, await getToken(sim));
      sim.faults.inject({ kind: "expired-url" });
      const expired = await request(file.url);
      assert.equal(expired.status, 403);
      assert.match(expired.body.toString(), /Request has expired/);
      assert.equal((await request(file.url)).status, 200);
    });
  });

  it("fail-in-200: returns HTTP 200 with the chosen fail code", async () => {
    await withSimulator({}, async (sim) => {
      sim.faults.inject({
        kind: "fail-in-200",
        code: "err_xdk_internal_error",
        message: "Internal error",
        retryable: true,
      });
      const result = await postJson(sim, DLP, DLP_BODY, bearer(await getToken(sim)));
      assert.equal(result.status, 200);
      assert.deepEqual(jsonOf(result).fail, [
        { errors: [{ code: "err_xdk_internal_error", message: "Internal error", retryable: true }] },
      ]);
    });
  });

  it("token-expired: the next data call gets 401 token_expired and the token stays dead", async () => {
    await withSimulator({}, async (sim) => {
      const token = await getToken(sim);
      sim.faults.inject({ kind: "token-expired" });
      const first = await postJson(sim, DLP, DLP_BODY, bearer(token));
      assert.equal(first.status, 401);
      assert.equal(jsonOf<{ fail: Array<{ code: string }> }>(first).fail[0]?.code, "token_expired");
      assert.equal((await postJson(sim, DLP, DLP_BODY, bearer(token))).status, 401);
      assert.equal((await postJson(sim, DLP, DLP_BODY, bearer(await getToken(sim)))).status, 200);
    });
  });

  it("duplicate-page: serves the previous page again on JSON endpoints", async () => {
    await withSimulator({}, async (sim) => {
      const headers = bearer(await getToken(sim));
      const page1 = await postJson(sim, DLP, DLP_BODY, headers);
      sim.faults.inject({ kind: "duplicate-page" });
      const next = jsonOf<{ meta: { pagination: { next: string } } }>(page1).meta.pagination.next;
      const again = await postJson(
        sim,
        DLP,
        { ...DLP_BODY, meta: { pagination: { pageSize: 10, pageToken: next } } },
        headers,
      );
      assert.deepEqual(again.body, page1.body);
      const page2 = await postJson(
        sim,
        DLP,
        { ...DLP_BODY, meta: { pagination: { pageSize: 10, pageToken: next } } },
        headers,
      );
      assert.notDeepEqual(page2.body, page1.body);
    });
  });

  it("duplicate-page: repeats the previous listing's files on the SIEM batch endpoint", async () => {
    await withSimulator({}, async (sim) => {
      const token = await getToken(sim);
      const page1 = jsonOf<BatchListing>(await listBatch(sim, "cg", { type: "av", pageSize: "2" }, token));
      sim.faults.inject({ kind: "duplicate-page", match: { family: "siem-batch-cg" } });
      const again = jsonOf<BatchListing>(
        await listBatch(sim, "cg", { type: "av", pageSize: "2", nextPage: page1["@nextPage"] }, token),
      );
      assert.deepEqual(again.value, page1.value);
      assert.equal(sim.requests.at(-1)?.fault, "duplicate-page");
    });
  });

  it("rate-limit: forces a 429 with the given reset", async () => {
    await withSimulator({}, async (sim) => {
      const headers = bearer(await getToken(sim));
      sim.faults.inject({ kind: "rate-limit", resetMs: 4321, match: { family: "dlp" } });
      const limited = await postJson(sim, DLP, {}, headers);
      assert.equal(limited.status, 429);
      assert.equal(limited.headers["x-ratelimit-reset"], "4321");
      assert.equal((await postJson(sim, DLP, {}, headers)).status, 200);
    });
  });

  it("clear removes every rule", async () => {
    await withSimulator({}, async (sim) => {
      sim.faults.inject({ kind: "http-status", status: 500, times: Number.POSITIVE_INFINITY });
      sim.faults.clear();
      assert.equal(typeof (await getToken(sim)), "string");
      assert.equal(sim.clock.now(), NOW);
    });
  });
});
