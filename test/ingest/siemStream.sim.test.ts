/**
 * One SIEM type, batch and stream together (ingestSiemType), against the simulator under both stream
 * orders, driven minute by minute on the simulated clock as the supervisor would. The oracle is the
 * simulator's ground truth — every event published in the settled range, as the *batch files* carry it
 * (so a stream copy only counts if it gets the batch line's EventId) — and no EventId may arrive twice,
 * at any hand-over, in either direction, with repeated stream pages, 429s and a stream outage > 24 h.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { mapRecord } from "../../src/feeds/mapping";
import { siemCgFeed } from "../../src/feeds/siem";
import { ownerOf } from "../../src/ingest/siemOwner";
import type { SiemPath } from "../../src/ingest/siemOwner";
import { ingestSiemType } from "../../src/ingest/siemStream";
import { streamFor } from "../../src/ingest/streams";
import type { UnitOutcome } from "../../src/ingest/types";
import type { World } from "./unitHarness";
import { HOUR, NOW, eventIds, startWorld, tally } from "./unitHarness";

const MINUTE = 60_000;
const TYPE = "receipt";
const STREAM_FAMILY = "siem-stream-cg" as const;
/** Where history starts: the batch listing's first day. */
const FROM_DAY = "2024-11-18";
const DAY_START = Date.UTC(2024, 10, 18);
/** Mimecast publishes events up to this late (the simulator's default) — and the connector's bound. */
const LATE_MS = 2 * HOUR;

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

interface Driver {
  w: World;
  resume: unknown;
  /** Owner changes seen: [sim time, owner, why]. */
  owners: Array<[number, string, string]>;
  outcomes: Map<string, number>;
}

async function open(ordering: "event-time" | "arrival", eventsPerDay = 1_200): Promise<Driver> {
  world = await startWorld([siemCgFeed], {
    eventsPerDay: { "siem-cg:receipt": eventsPerDay },
    siemStream: { ordering, rateLimit: false },
  });
  // A type without a cursor starts on batch (history first).
  return { w: world, resume: undefined, owners: [[NOW, "batch", "new"]], outcomes: new Map() };
}

/** How one step runs the unit: executions per step (default: until it settles, at most 20) and its stream limits. */
interface StepLimits {
  runsPerStep?: number;
  maxStreamCalls?: number;
  pageSize?: number;
}

/** Runs the type's unit once per `stepMs` for `durationMs` of simulated time (each step until it settles). */
async function drive(
  d: Driver,
  path: SiemPath,
  durationMs: number,
  stepMs: number,
  limits: StepLimits = {},
): Promise<void> {
  const { w } = d;
  const end = w.sim.clock.now() + durationMs;
  while (w.sim.clock.now() < end) {
    for (let run = 0; run < (limits.runsPerStep ?? 20); run += 1) {
      w.clock.advance(Math.max(0, w.sim.clock.now() - w.clock.now()));
      const outcome: UnitOutcome<unknown> = await ingestSiemType({
        client: w.client,
        feed: siemCgFeed,
        type: TYPE,
        sink: w.sink,
        stream: streamFor(siemCgFeed),
        fromDay: FROM_DAY,
        ...(d.resume !== undefined ? { resume: d.resume } : {}),
        path,
        lateHorizonMs: LATE_MS,
        now: () => w.sim.clock.now(),
        ...(limits.maxStreamCalls !== undefined ? { maxStreamCalls: limits.maxStreamCalls } : {}),
        ...(limits.pageSize !== undefined ? { pageSize: limits.pageSize } : {}),
      });
      d.resume = outcome.resume;
      d.outcomes.set(outcome.kind, (d.outcomes.get(outcome.kind) ?? 0) + 1);
      const { owner, why } = ownerOf(d.resume);
      const last = d.owners[d.owners.length - 1];
      if (!last || last[1] !== owner) d.owners.push([w.sim.clock.now(), owner, why]);
      if (outcome.kind !== "partial") break;
    }
    w.sim.clock.advance(stepMs);
  }
}

/**
 * Every event published from DAY_START until `settledBy` is in Sentinel exactly once; nothing is there
 * twice at all; nothing is there that the simulator never published.
 */
function assertExactlyOnce(d: Driver, settledBy: number): void {
  const ids = eventIds(d.w.fake.acceptedRows(streamFor(siemCgFeed).streamName));
  const twice = [...tally(ids).entries()].filter(([, n]) => n > 1);
  assert.deepEqual(twice, [], `${twice.length} EventIds in Sentinel twice`);
  const idOf = (record: Record<string, unknown>): string => {
    const mapped = mapRecord(siemCgFeed, record);
    assert.equal(mapped.kind, "row");
    return mapped.kind === "row" ? mapped.eventId : "";
  };
  const truth = (to: number): string[] =>
    [...d.w.sim.groundTruth("siem-cg", { type: TYPE, from: DAY_START, to, basis: "publish" })].map((e) =>
      idOf(e.record),
    );
  const got = new Set(ids);
  const expected = truth(settledBy);
  assert.ok(expected.length > 500, "the run covers enough events to mean something");
  const missing = expected.filter((id) => !got.has(id));
  assert.deepEqual(missing.length, 0, `${missing.length} of ${expected.length} published events missing`);
  const published = new Set(truth(d.w.sim.clock.now() + 1));
  const unknown = ids.filter((id) => !published.has(id));
  assert.deepEqual(unknown.length, 0, `${unknown.length} rows the simulator never published`);
}

const directions = (d: Driver): string[] => d.owners.map(([, owner]) => owner);

for (const ordering of ["event-time", "arrival"] as const) {
  describe(`SIEM type batch + stream, stream ordered by ${ordering}`, () => {
    it("auto: batch takes the history, the stream the live edge; repeated pages and re-reads are not sent twice", async () => {
      const d = await open(ordering);
      // Heavier repeats than the default two per page: a next page often starts with the whole page before it.
      d.w.sim.faults.inject({
        kind: "stream-repeat",
        match: { family: STREAM_FAMILY },
        probability: 0.5,
        times: Infinity,
      });
      await drive(d, "auto", 4 * HOUR, 2 * MINUTE);
      assert.deepEqual(directions(d), ["batch", "stream"]);
      // Settled: every event published up to the late horizon before now has had its last sweep.
      assertExactlyOnce(d, d.w.sim.clock.now() - LATE_MS - 20 * MINUTE);
    });

    it("auto: a stream outage longer than 24 h goes back to batch and then to the stream again, nothing lost or twice", async () => {
      const d = await open(ordering);
      await drive(d, "auto", 3 * HOUR, 2 * MINUTE);
      const outage = d.w.sim.faults.inject({
        kind: "http-status",
        status: 503,
        match: { family: STREAM_FAMILY },
        times: Infinity,
      });
      await drive(d, "auto", 25 * HOUR, 30 * MINUTE);
      outage.cancel();
      await drive(d, "auto", 4 * HOUR, 2 * MINUTE);
      assert.deepEqual(directions(d), ["batch", "stream", "batch", "stream"]);
      assertExactlyOnce(d, d.w.sim.clock.now() - LATE_MS - 20 * MINUTE);
    });

    it("stream: the stream keeps the type through a short outage and gives it to batch only past its 24 h", async () => {
      const d = await open(ordering);
      await drive(d, "stream", 3 * HOUR, 2 * MINUTE);
      const outage = d.w.sim.faults.inject({
        kind: "http-status",
        status: 503,
        match: { family: STREAM_FAMILY },
        times: Infinity,
      });
      await drive(d, "stream", 2 * HOUR, 15 * MINUTE);
      assert.deepEqual(directions(d), ["batch", "stream"], "a 2-hour outage is the stream's to catch up");
      await drive(d, "stream", 23 * HOUR, 30 * MINUTE);
      outage.cancel();
      await drive(d, "stream", 4 * HOUR, 2 * MINUTE);
      assert.deepEqual(directions(d), ["batch", "stream", "batch", "stream"]);
      assertExactlyOnce(d, d.w.sim.clock.now() - LATE_MS - 20 * MINUTE);
    });

    it("auto: stream 429s for 20 minutes hand the live edge to batch, which hands it back; nothing lost or twice", async () => {
      const d = await open(ordering);
      await drive(d, "auto", 3 * HOUR, 2 * MINUTE);
      const limited = d.w.sim.faults.inject({
        kind: "rate-limit",
        resetMs: 60_000,
        match: { family: STREAM_FAMILY },
        times: Infinity,
      });
      await drive(d, "auto", 20 * MINUTE, 2 * MINUTE);
      limited.cancel();
      await drive(d, "auto", 4 * HOUR, 2 * MINUTE);
      assert.ok((d.outcomes.get("rate-limited") ?? 0) > 0, "the stream was rate-limited");
      assert.deepEqual(directions(d), ["batch", "stream", "batch", "stream"]);
      assertExactlyOnce(d, d.w.sim.clock.now() - LATE_MS - 20 * MINUTE);
    });

    it("auto: a unit that runs only every 15 minutes keeps the live edge on the stream while each run reaches the head", async () => {
      const d = await open(ordering);
      await drive(d, "auto", 3 * HOUR, 2 * MINUTE);
      // A 15-minute schedule: each run starts 15 min behind, catches up within its calls, and is not behind.
      await drive(d, "auto", 3 * HOUR, 15 * MINUTE, { runsPerStep: 1 });
      assert.deepEqual(directions(d), ["batch", "stream"], d.owners.map(([, , why]) => why).join("; "));
      assertExactlyOnce(d, d.w.sim.clock.now() - LATE_MS - 20 * MINUTE);
    });

    it("auto: a stream that cannot keep up within its calls hands the live edge to batch; nothing lost or twice", async () => {
      const d = await open(ordering, 20_000);
      await drive(d, "auto", 3 * HOUR, 2 * MINUTE);
      // One execution per 2 minutes with 2 calls of 10 events: ~28 new events per step outrun it.
      await drive(d, "auto", 30 * MINUTE, 2 * MINUTE, { runsPerStep: 1, maxStreamCalls: 2, pageSize: 10 });
      const back = d.owners.find(([, owner], i) => i > 1 && owner === "batch");
      assert.ok(back, `handed back: ${d.owners.map(([, , why]) => why).join("; ")}`);
      assert.match(back[2], /not kept up since/);
      await drive(d, "auto", 3 * HOUR, 2 * MINUTE);
      assertExactlyOnce(d, d.w.sim.clock.now() - LATE_MS - 20 * MINUTE);
    });

    it("batch: a type the stream owns goes back to batch when the setting says batch", async () => {
      const d = await open(ordering);
      await drive(d, "auto", 3 * HOUR, 2 * MINUTE);
      await drive(d, "batch", 4 * HOUR, 5 * MINUTE);
      assert.deepEqual(directions(d), ["batch", "stream", "batch"]);
      assertExactlyOnce(d, d.w.sim.clock.now() - LATE_MS - 20 * MINUTE);
    });
  });
}

describe("SIEM stream: a range with more pages than one run may call", () => {
  for (const ordering of ["event-time", "arrival"] as const) {
    it(`is read through across runs, each going on from @nextPage (stream ordered by ${ordering})`, async () => {
      const d = await open(ordering, 20_000);
      await drive(d, "stream", 3 * HOUR, 2 * MINUTE);
      assert.equal(ownerOf(d.resume).owner, "stream");
      const before = d.w.sim.clock.now();
      // Ten minutes of backlog (~140 events, 14 pages of 10) and one stream call per run: a run that read
      // each range from its start would fetch page 1 for ever.
      d.w.sim.clock.advance(10 * MINUTE);
      const logged = d.w.sim.requests.length;
      await drive(d, "stream", 30_000, 1_000, { runsPerStep: 1, maxStreamCalls: 1, pageSize: 10 });
      const streamCalls = d.w.sim.requests.slice(logged).filter((r) => r.path.startsWith("/siem/v1/events/"));
      assert.ok(
        streamCalls.filter((r) => r.query["nextPage"] !== undefined).length >= 10,
        "later runs carry the previous run's @nextPage",
      );
      const onTime = [
        ...d.w.sim.groundTruth("siem-cg", { type: TYPE, from: before, to: before + 9 * MINUTE }),
      ]
        .filter((e) => e.publishTime === e.eventTime)
        .map((e) => (mapRecord(siemCgFeed, e.record) as { eventId: string }).eventId);
      assert.ok(onTime.length > 100, "the backlog spans many pages");
      const got = new Set(eventIds(d.w.fake.acceptedRows(streamFor(siemCgFeed).streamName)));
      assert.deepEqual(
        onTime.filter((id) => !got.has(id)).length,
        0,
        "every on-time event of the backlog arrived",
      );
      const ids = eventIds(d.w.fake.acceptedRows(streamFor(siemCgFeed).streamName));
      assert.deepEqual(
        [...tally(ids).entries()].filter(([, n]) => n > 1),
        [],
        "nothing twice",
      );
    });
  }
});

describe("SIEM stream: a @nextPage the stream no longer takes", () => {
  it("is dropped for a read from the range's start; the type neither stalls nor sends anything twice", async () => {
    const d = await open("event-time", 20_000);
    await drive(d, "stream", 3 * HOUR, 2 * MINUTE);
    const before = d.w.sim.clock.now();
    d.w.sim.clock.advance(10 * MINUTE);
    await drive(d, "stream", 3_000, 1_000, { runsPerStep: 1, maxStreamCalls: 1, pageSize: 10 });
    const cursor = d.resume as { stream: { pending?: { token: string } } };
    assert.ok(cursor.stream.pending, "the cut-off read left its @nextPage in the cursor");
    cursor.stream.pending.token = "expired-token";
    const outcomes = new Map(d.outcomes);
    await drive(d, "stream", 2 * MINUTE, MINUTE);
    assert.equal(
      d.outcomes.get("failed") ?? 0,
      outcomes.get("failed") ?? 0,
      "no run failed on the bad token",
    );
    const onTime = [...d.w.sim.groundTruth("siem-cg", { type: TYPE, from: before, to: before + 9 * MINUTE })]
      .filter((e) => e.publishTime === e.eventTime)
      .map((e) => (mapRecord(siemCgFeed, e.record) as { eventId: string }).eventId);
    const ids = eventIds(d.w.fake.acceptedRows(streamFor(siemCgFeed).streamName));
    const got = new Set(ids);
    assert.deepEqual(onTime.filter((id) => !got.has(id)).length, 0);
    assert.deepEqual(
      [...tally(ids).entries()].filter(([, n]) => n > 1),
      [],
    );
  });
});

describe("SIEM stream timing", () => {
  it("the stream delivers on-time events within two minutes of their publication", async () => {
    const d = await open("event-time");
    await drive(d, "auto", 3 * HOUR, MINUTE);
    assert.equal(ownerOf(d.resume).owner, "stream");
    const now = d.w.sim.clock.now();
    const onTime = [
      ...d.w.sim.groundTruth("siem-cg", { type: TYPE, from: now - 30 * MINUTE, to: now - 2 * MINUTE }),
    ]
      .filter((e) => e.publishTime === e.eventTime)
      .map((e) => (mapRecord(siemCgFeed, e.record) as { eventId: string }).eventId);
    const got = new Set(eventIds(d.w.fake.acceptedRows(streamFor(siemCgFeed).streamName)));
    assert.ok(onTime.length > 20);
    assert.deepEqual(
      onTime.filter((id) => !got.has(id)),
      [],
    );
  });
});
