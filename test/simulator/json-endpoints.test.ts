import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FeedKey } from "../../simulator/index";
import { formatMimecastTime } from "../../simulator/index";
import { bearer, getToken, jsonOf, pageAll, postJson } from "../helpers/sim-http";
import { DAY, HOUR, NOW, withSimulator } from "../helpers/sim-fixtures";

interface WindowedFeed {
  path: string;
  feed: FeedKey;
  recordsKey: string | null;
  fromField: string;
  toField: string;
}

const WINDOWED: readonly WindowedFeed[] = [
  { path: "/api/dlp/get-logs", feed: "dlp", recordsKey: "dlpLogs", fromField: "from", toField: "to" },
  {
    path: "/api/ttp/url/get-logs",
    feed: "ttp-url",
    recordsKey: "clickLogs",
    fromField: "from",
    toField: "to",
  },
  {
    path: "/api/ttp/attachment/get-logs",
    feed: "ttp-attachment",
    recordsKey: "attachmentLogs",
    fromField: "from",
    toField: "to",
  },
  {
    path: "/api/ttp/impersonation/get-logs",
    feed: "ttp-impersonation",
    recordsKey: "impersonationLogs",
    fromField: "from",
    toField: "to",
  },
  {
    path: "/api/audit/get-audit-events",
    feed: "audit",
    recordsKey: null,
    fromField: "startDateTime",
    toField: "endDateTime",
  },
  {
    path: "/api/gateway/get-held-release-logs",
    feed: "message-release",
    recordsKey: "heldReleaseLogs",
    fromField: "start",
    toField: "end",
  },
  {
    path: "/api/archive/get-archive-search-logs",
    feed: "archive-search",
    recordsKey: "logs",
    fromField: "start",
    toField: "end",
  },
];

const window = (
  spec: WindowedFeed,
  from: number,
  to: number,
  extra: Record<string, unknown> = {},
): Record<string, unknown> => ({
  [spec.fromField]: formatMimecastTime(from),
  [spec.toField]: formatMimecastTime(to),
  ...extra,
});

type Envelope = {
  meta: { pagination: { next?: string; totalCount: number; pageSize: number } };
  data: unknown[];
  fail: Array<{ errors: Array<{ code: string }> }>;
};

describe("simulator JSON log endpoints", () => {
  for (const spec of WINDOWED) {
    it(`${spec.feed}: following next to the end returns exactly the ground truth of the window, newest first`, async () => {
      await withSimulator({}, async (sim) => {
        const token = await getToken(sim);
        const { records, pages, responses } = await pageAll(
          sim,
          spec.path,
          window(spec, NOW - 2 * DAY, NOW),
          spec.recordsKey,
          bearer(token),
          97,
        );
        const truth = [...sim.groundTruth(spec.feed, { from: NOW - 2 * DAY, to: NOW, publishedBy: NOW })].map(
          (e) => e.record,
        );
        assert.ok(truth.length > 250, `${truth.length}`);
        assert.ok(pages > 2);
        assert.deepEqual(records, truth.reverse());
        assert.equal((responses[0] as Envelope).meta.pagination.totalCount, truth.length);
      });
    });
  }

  it("returns oldest first when oldestFirst is true", async () => {
    await withSimulator({}, async (sim) => {
      const spec = WINDOWED[0]!;
      const { records } = await pageAll(
        sim,
        spec.path,
        window(spec, NOW - DAY, NOW, { oldestFirst: true }),
        spec.recordsKey,
        bearer(await getToken(sim)),
        500,
      );
      const truth = [...sim.groundTruth(spec.feed, { from: NOW - DAY, to: NOW, publishedBy: NOW })].map(
        (e) => e.record,
      );
      assert.deepEqual(records, truth);
    });
  });

  it("treats from as inclusive and to as exclusive", async () => {
    await withSimulator({}, async (sim) => {
      const spec = WINDOWED[0]!;
      const token = await getToken(sim);
      const [first] = sim.groundTruth(spec.feed, { from: NOW - DAY, to: NOW, publishedBy: NOW });
      const at = Math.floor(first!.eventTime / 1000) * 1000;
      const fromThere = await pageAll(
        sim,
        spec.path,
        window(spec, at, at + 1000, { oldestFirst: true }),
        spec.recordsKey,
        bearer(token),
      );
      assert.ok(fromThere.records.some((r) => r.eventTime === first!.record.eventTime));
      const upToThere = await pageAll(
        sim,
        spec.path,
        window(spec, at - 1000, at),
        spec.recordsKey,
        bearer(token),
      );
      assert.ok(!upToThere.records.some((r) => r.eventTime === first!.record.eventTime));
    });
  });

  it("shows late events in a past window only after they are published", async () => {
    await withSimulator(
      { lateFraction: 0.3, maxLateMs: 2 * HOUR, eventsPerDay: { "ttp-url": 5000 } },
      async (sim) => {
        const spec = WINDOWED[1]!;
        const from = NOW - 2 * HOUR;
        const to = NOW - HOUR;
        const before = await pageAll(
          sim,
          spec.path,
          window(spec, from, to),
          spec.recordsKey,
          bearer(await getToken(sim)),
          500,
        );
        sim.clock.advance(2 * HOUR);
        const after = await pageAll(
          sim,
          spec.path,
          window(spec, from, to),
          spec.recordsKey,
          bearer(await getToken(sim)),
          500,
        );
        const truthNow = [...sim.groundTruth(spec.feed, { from, to })];
        assert.ok(after.records.length > before.records.length);
        assert.equal(
          after.records.length,
          truthNow.length,
          "every event of the window is published two hours later",
        );
        const lateKeys = truthNow.filter((e) => e.publishTime > NOW).length;
        assert.equal(after.records.length - before.records.length, lateKeys);
      },
    );
  });

  it("keeps paging stable while the clock moves: pages come from the first page's 'as of' instant", async () => {
    await withSimulator({ lateFraction: 0.3 }, async (sim) => {
      const spec = WINDOWED[0]!;
      const token = await getToken(sim);
      const filter = window(spec, NOW - 3 * HOUR, NOW);
      const first = jsonOf<Envelope>(
        await postJson(
          sim,
          spec.path,
          { meta: { pagination: { pageSize: 5 } }, data: [filter] },
          bearer(token),
        ),
      );
      sim.clock.advance(10 * 60_000);
      const second = jsonOf<Envelope>(
        await postJson(
          sim,
          spec.path,
          { meta: { pagination: { pageSize: 500, pageToken: first.meta.pagination.next } }, data: [filter] },
          bearer(token),
        ),
      );
      const served = [
        ...(first.data[0] as { dlpLogs: unknown[] }).dlpLogs,
        ...(second.data[0] as { dlpLogs: unknown[] }).dlpLogs,
      ];
      const truth = [...sim.groundTruth(spec.feed, { from: NOW - 3 * HOUR, to: NOW, publishedBy: NOW })]
        .map((e) => e.record)
        .reverse();
      assert.deepEqual(served, truth);
    });
  });

  it("binds a page token to its query: another filter body gets a fail entry in a 200", async () => {
    await withSimulator({}, async (sim) => {
      const spec = WINDOWED[0]!;
      const token = await getToken(sim);
      const first = jsonOf<Envelope>(
        await postJson(
          sim,
          spec.path,
          { meta: { pagination: { pageSize: 5 } }, data: [window(spec, NOW - DAY, NOW)] },
          bearer(token),
        ),
      );
      const other = await postJson(
        sim,
        spec.path,
        {
          meta: { pagination: { pageSize: 5, pageToken: first.meta.pagination.next } },
          data: [window(spec, NOW - 2 * DAY, NOW)],
        },
        bearer(token),
      );
      assert.equal(other.status, 200);
      assert.equal(jsonOf<Envelope>(other).fail[0]?.errors[0]?.code, "err_validation_page_token_invalid");
    });
  });

  it("caps pageSize at 500 and only returns next while more remain", async () => {
    await withSimulator({ eventsPerDay: { dlp: 2000 } }, async (sim) => {
      const spec = WINDOWED[0]!;
      const result = jsonOf<Envelope>(
        await postJson(
          sim,
          spec.path,
          { meta: { pagination: { pageSize: 5000 } }, data: [window(spec, NOW - DAY, NOW)] },
          bearer(await getToken(sim)),
        ),
      );
      assert.equal((result.data[0] as { dlpLogs: unknown[] }).dlpLogs.length, 500);
      assert.equal(result.meta.pagination.pageSize, 500);
      assert.equal(typeof result.meta.pagination.next, "string");
      const small = jsonOf<Envelope>(
        await postJson(
          sim,
          spec.path,
          { meta: { pagination: { pageSize: 500 } }, data: [window(spec, NOW - HOUR, NOW)] },
          bearer(await getToken(sim)),
        ),
      );
      assert.equal(small.meta.pagination.next, undefined);
    });
  });

  it("defaults the window to today so far", async () => {
    await withSimulator({}, async (sim) => {
      const spec = WINDOWED[0]!;
      const { records } = await pageAll(
        sim,
        spec.path,
        undefined,
        spec.recordsKey,
        bearer(await getToken(sim)),
        500,
      );
      const today = Date.UTC(2024, 10, 18);
      assert.equal(
        records.length,
        [...sim.groundTruth("dlp", { from: today, to: NOW, publishedBy: NOW })].length,
      );
    });
  });

  it("restricts audit lookups to the last 60 days with a fail entry", async () => {
    await withSimulator({}, async (sim) => {
      const audit = WINDOWED.find((s) => s.feed === "audit")!;
      const token = await getToken(sim);
      const ok = await postJson(
        sim,
        audit.path,
        { data: [window(audit, NOW - 59 * DAY, NOW - 58 * DAY)] },
        bearer(token),
      );
      assert.equal(jsonOf<Envelope>(ok).fail.length, 0);
      const tooOld = await postJson(
        sim,
        audit.path,
        { data: [window(audit, NOW - 61 * DAY, NOW - 58 * DAY)] },
        bearer(token),
      );
      assert.equal(tooOld.status, 200);
      assert.equal(
        jsonOf<Envelope>(tooOld).fail[0]?.errors[0]?.code,
        "err_audit_historical_lookup_restricted",
      );
      const missing = await postJson(
        sim,
        audit.path,
        { data: [{ startDateTime: formatMimecastTime(NOW - DAY) }] },
        bearer(token),
      );
      assert.equal(
        jsonOf<Envelope>(missing).fail[0]?.errors[0]?.code,
        "err_validation_required_field_missing",
      );
    });
  });

  it("accepts RFC 3339 times with Z as well as +0000", async () => {
    await withSimulator({}, async (sim) => {
      const spec = WINDOWED[0]!;
      const token = await getToken(sim);
      const a = await pageAll(
        sim,
        spec.path,
        { from: "2024-11-17T00:00:00Z", to: "2024-11-18T00:00:00.000Z" },
        spec.recordsKey,
        bearer(token),
        500,
      );
      const b = await pageAll(
        sim,
        spec.path,
        { from: "2024-11-17T00:00:00+0000", to: "2024-11-18T00:00:00+00:00" },
        spec.recordsKey,
        bearer(token),
        500,
      );
      assert.deepEqual(a.records, b.records);
      const bad = await postJson(sim, spec.path, { data: [{ from: "yesterday" }] }, bearer(token));
      assert.equal(jsonOf<Envelope>(bad).fail[0]?.errors[0]?.code, "err_validation_invalid_date");
    });
  });
});
