/**
 * The simulator's SIEM event stream (`/siem/v1/events/{cg,ci}`) against the research facts and its own
 * ground truth: the batch files' events, without the file-only fields, in either order.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HttpResult } from "../helpers/sim-http";
import { bearer, getToken, jsonOf, request } from "../helpers/sim-http";
import { HOUR, NOW, withSimulator } from "../helpers/sim-fixtures";
import type { Simulator } from "../../simulator/index";

interface StreamPage {
  value: Array<Record<string, unknown>>;
  "@nextPage": string;
  isCaughtUp: boolean;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function get(sim: Simulator, token: string, query: Record<string, string>): Promise<HttpResult> {
  return request(`${sim.url}/siem/v1/events/cg?${new URLSearchParams(query).toString()}`, {
    headers: bearer(token),
  });
}

/** Every event of the range, following @nextPage until caught up (repeats included). */
async function readAll(sim: Simulator, token: string, query: Record<string, string>): Promise<StreamPage[]> {
  const pages: StreamPage[] = [];
  let next: string | undefined;
  for (let i = 0; i < 200; i += 1) {
    const result = await get(sim, token, next ? { ...query, nextPage: next } : query);
    assert.equal(result.status, 200, result.body.toString());
    const page = jsonOf<StreamPage>(result);
    pages.push(page);
    if (page.isCaughtUp) return pages;
    next = page["@nextPage"];
  }
  return assert.fail("the stream never caught up");
}

const key = (r: Record<string, unknown>): string => JSON.stringify(r);

describe("simulator SIEM event stream", () => {
  it("a start older than 24 hours is a 400; seconds without milliseconds too", async () => {
    await withSimulator({}, async (sim) => {
      const token = await getToken(sim);
      const old = await get(sim, token, { types: "receipt", dateRangeStartsAt: iso(NOW - 25 * HOUR) });
      assert.equal(old.status, 400);
      assert.match(old.body.toString(), /24 hours/);
      const coarse = await get(sim, token, { types: "receipt", dateRangeStartsAt: "2024-11-18T10:00:00Z" });
      assert.equal(coarse.status, 400);
    });
  });

  for (const ordering of ["event-time", "arrival"] as const) {
    it(`${ordering}: serves exactly the batch files' events of the range (minus _offset/_partition), with repeats only of earlier pages`, async () => {
      await withSimulator({ siemStream: { ordering }, lateFraction: 0.2 }, async (sim) => {
        const token = await getToken(sim);
        const from = NOW - 3 * HOUR;
        const to = NOW - HOUR;
        const pages = await readAll(sim, token, {
          types: "receipt",
          dateRangeStartsAt: iso(from),
          dateRangeEndsAt: iso(to),
          pageSize: "20",
        });
        const served = pages.flatMap((p) => p.value);
        assert.ok(served.every((r) => !("_offset" in r) && !("_partition" in r) && r["type"] === "receipt"));
        const basis = ordering === "arrival" ? "publish" : "event";
        const truth = [
          ...sim.groundTruth("siem-cg", { type: "receipt", from, to, basis, publishedBy: NOW }),
        ].map((e) => {
          const { _offset: _o, _partition: _p, ...rest } = e.record;
          return key(rest);
        });
        assert.ok(truth.length > 100);
        assert.deepEqual([...new Set(served.map(key))].sort(), [...truth].sort());
        // Repeats: each next page starts with the last two events of the page before it.
        assert.ok(served.length > truth.length, "pages repeat earlier events");
        let checked = 0;
        for (let i = 1; i < pages.length; i += 1) {
          if (pages[i - 1]!.value.length < 20) continue; // a full page ends with two events of its own
          const before = pages[i - 1]!.value.slice(-2).map(key);
          assert.deepEqual(pages[i]!.value.slice(0, 2).map(key), before);
          checked += 1;
        }
        assert.ok(checked > 3);
      });
    });
  }

  it("has its own quota, lower than batch's: the 121st call in a minute is a 429", async () => {
    await withSimulator({ rateLimit: { limit: 1000, windowMs: 60_000 } }, async (sim) => {
      const token = await getToken(sim);
      const query = { types: "journal", dateRangeStartsAt: iso(NOW - 60_000), pageSize: "1" };
      for (let i = 0; i < 120; i += 1) assert.equal((await get(sim, token, query)).status, 200);
      const limited = await get(sim, token, query);
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers["x-ratelimit-reset"]) > 0);
    });
  });

  it("the stream-repeat fault serves the whole previous page again", async () => {
    await withSimulator({}, async (sim) => {
      const token = await getToken(sim);
      const query = { types: "receipt", dateRangeStartsAt: iso(NOW - 2 * HOUR), pageSize: "10" };
      const first = jsonOf<StreamPage>(await get(sim, token, query));
      sim.faults.inject({ kind: "stream-repeat", match: { family: "siem-stream-cg" } });
      const second = jsonOf<StreamPage>(await get(sim, token, { ...query, nextPage: first["@nextPage"] }));
      assert.deepEqual(second.value.slice(0, first.value.length).map(key), first.value.map(key));
      assert.ok(second.value.length > first.value.length, "and still moves on by at least one event");
    });
  });
});
