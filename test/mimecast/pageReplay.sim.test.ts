import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MimecastClient } from "../../src/mimecast/client";
import { staticCredentials } from "../../src/mimecast/credentials";
import { ENDPOINTS } from "../../src/mimecast/endpoints";
import { listSiemBatch, paginateJson } from "../../src/mimecast/pagination";
import { formatMimecastTime } from "../../src/feeds/time";
import { FakeClock } from "../../src/shared/clock";
import { DAY, NOW, withSimulator } from "../helpers/sim-fixtures";

function clientFor(sim: Parameters<Parameters<typeof withSimulator>[1]>[0]): MimecastClient {
  return new MimecastClient({
    baseUrl: sim.url,
    credentials: staticCredentials(sim.credentials.oauth!),
    clock: new FakeClock(NOW),
    allowInsecureHttp: true,
    fileHostAllowlist: ["127.0.0.1"],
    budgets: {},
  });
}

describe("a page served twice (Mimecast repeats the previous page)", () => {
  it("JSON paging asks again instead of yielding the previous page's records a second time", async () => {
    await withSimulator({ eventsPerDay: 2000 }, async (sim) => {
      const client = clientFor(sim);
      const filter = { from: formatMimecastTime(NOW - DAY), to: formatMimecastTime(NOW) };
      const clean: string[] = [];
      for await (const page of paginateJson(client, ENDPOINTS.dlpLogs, { filter, pageSize: 100 })) {
        clean.push(...page.records.map((r) => JSON.stringify(r)));
      }
      sim.faults.inject({ kind: "duplicate-page", times: 2 });
      const replayed: string[] = [];
      for await (const page of paginateJson(client, ENDPOINTS.dlpLogs, { filter, pageSize: 100 })) {
        replayed.push(...page.records.map((r) => JSON.stringify(r)));
      }
      assert.ok(clean.length > 300);
      assert.equal(replayed.length, clean.length, "as many records as without the fault");
      assert.ok(
        replayed.every((r, i) => r === clean[i]),
        "the same records, in order, once each",
      );
      assert.equal(sim.requests.filter((r) => r.fault === "duplicate-page").length, 2);
    });
  });

  it("a SIEM listing that comes back as the previous page is asked again; its files are not listed twice", async () => {
    await withSimulator({}, async (sim) => {
      const client = clientFor(sim);
      const query = { kind: "cg" as const, type: "av", from: "2024-11-17", pageSize: 3 };
      const first = await listSiemBatch(client, query);
      sim.faults.inject({ kind: "duplicate-page", match: { family: "siem-batch-cg" } });
      const second = await listSiemBatch(client, {
        ...query,
        ...(first.nextPage ? { nextPage: first.nextPage } : {}),
      });
      assert.equal(sim.requests.filter((r) => r.fault === "duplicate-page").length, 1);
      const firstUrls = new Set(first.files.map((f) => new URL(f.url).pathname));
      assert.ok(second.files.length > 0);
      assert.ok(second.files.every((f) => !firstUrls.has(new URL(f.url).pathname)));
    });
  });
});
