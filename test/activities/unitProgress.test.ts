import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { EntityId } from "durable-functions";
import type { CheckpointChannel } from "../../src/activities/checkpointChannel";
import { channelFrom, CHECKPOINT_CHANNEL } from "../../src/activities/checkpointChannel";
import { sharedLimitsFor } from "../../src/activities/sharedLimits";
import { ingestWithProgress } from "../../src/activities/unitProgress";
import { applyCheckpointOperation } from "../../src/entities/checkpoint";
import { applyDigestOperation } from "../../src/entities/digest";
import { applyRateLimitOperation } from "../../src/entities/rateLimit";
import { zeroCounts } from "../../src/ingest/types";
import type { UnitResult, WorkUnit } from "../../src/planning/types";
import { UNIT_RUNNERS } from "../../src/runtime/runUnit";
import type { Runtime } from "../../src/runtime/runtime";
import { RateLimiter } from "../../src/mimecast/rateLimiter";
import { FakeClock } from "../../src/shared/clock";
import { globalRedactor, silentLogger } from "../../src/shared/logger";

/**
 * The ingest activity's checkpoints inside a unit, with the real entity reducers behind a channel:
 * a crash (or a hard terminate, or Durable executing the activity again after a host recycle)
 * repeats at most the one segment that was in flight. The oracle is the runner's own log of what it
 * "sent", independent of any checkpoint.
 */
const SEGMENTS = 6;
const ROWS = 10;
const T0 = Date.UTC(2024, 10, 1);
const sent: number[] = [];
let crashAfterSending: number | undefined;
let digestOut: string | undefined;
let reasonOut: string | undefined;

UNIT_RUNNERS["test-segments"] = async (_runtime, _feed, unit, limits) => {
  let counts = zeroCounts();
  const first = (unit.resume as { segment?: number } | undefined)?.segment ?? 0;
  for (let segment = first; segment < SEGMENTS; segment += 1) {
    sent.push(segment);
    if (crashAfterSending === segment) throw new Error("host recycled (kill -9)");
    counts = { ...counts, ingested: counts.ingested + ROWS };
    await limits.onSegmentAccepted?.({ segment: segment + 1 }, counts);
  }
  const result: UnitResult = reasonOut
    ? { kind: "partial", counts, resume: { segment: SEGMENTS }, reason: reasonOut }
    : { kind: "completed", counts, resume: {} };
  return digestOut !== undefined ? { ...result, digest: digestOut } : result;
};
after(() => delete UNIT_RUNNERS["test-segments"]);

/** Entity storage behind the channel, applying the registered reducers (JSON round trip). */
function entities() {
  const store = new Map<string, unknown>();
  const id = (e: EntityId): string => `${e.name.toLowerCase()}@${e.key}`;
  const channel: CheckpointChannel & { signals: string[] } = {
    signals: [],
    readEntityState: <T>(e: EntityId) => {
      const state = store.get(id(e)) as T | undefined;
      return Promise.resolve(
        state === undefined ? { entityExists: false } : { entityExists: true, entityState: state },
      );
    },
    signalEntity: (e: EntityId, op?: string, content?: unknown) => {
      channel.signals.push(`${id(e)} ${op}`);
      const input = JSON.parse(JSON.stringify(content ?? null)) as unknown;
      const current = store.get(id(e));
      const next = id(e).startsWith("mimecastdigest")
        ? applyDigestOperation(current as string | undefined, op ?? "", input).state
        : id(e).startsWith("mimecastratelimit")
          ? applyRateLimitOperation(current as never, op ?? "", input)
          : applyCheckpointOperation(e.key, current as never, op ?? "", input).state;
      if (next === undefined) store.delete(id(e));
      else store.set(id(e), next);
      return Promise.resolve();
    },
  };
  return { store, channel };
}

const limiter = new RateLimiter(new FakeClock(T0));
const runtime = {
  feed: (id: string) => ({ id, source: "test-segments" }),
  clock: { now: () => T0 },
  logger: silentLogger,
  client: { rateLimiter: () => Promise.resolve(limiter) },
} as unknown as Runtime;

const unit: WorkUnit = {
  kind: "time-window",
  key: "dlp",
  feedId: "dlp",
  from: T0,
  to: T0 + 3_600_000,
  origin: T0,
  run: { at: T0, n: 0 },
};

describe("ingest activity: per-segment progress through the checkpoint channel", () => {
  it("a unit killed mid-way and executed again repeats only the segment in flight, and counts once", async () => {
    sent.length = 0;
    digestOut = undefined;
    reasonOut = undefined;
    const { store, channel } = entities();
    crashAfterSending = 3;
    await assert.rejects(ingestWithProgress(runtime, unit, 60_000, channel), /host recycled/);
    crashAfterSending = undefined;
    // Durable delivers the same activity input again.
    const result = await ingestWithProgress(runtime, unit, 60_000, channel);
    assert.deepEqual(sent, [0, 1, 2, 3, 3, 4, 5], "segment 3 twice (in flight at the kill), nothing else");
    assert.equal(result.counts.ingested, SEGMENTS * ROWS, "the rerun counts on from the recorded progress");
    await channel.signalEntity({ name: "mimecastCheckpoint", key: "dlp" }, "record", {
      unit,
      result,
      at: T0,
    });
    const state = store.get("mimecastcheckpoint@dlp") as { watermark: number; totals: { ingested: number } };
    assert.equal(state.watermark, unit.to);
    assert.equal(state.totals.ingested, SEGMENTS * ROWS, "no row counted twice");
  });

  it("a fresh dispatch of the window (after a hard terminate) starts from the last recorded segment", async () => {
    sent.length = 0;
    const { store, channel } = entities();
    crashAfterSending = 2;
    await assert.rejects(ingestWithProgress(runtime, unit, 60_000, channel));
    crashAfterSending = undefined;
    const open = (store.get("mimecastcheckpoint@dlp") as { open: { resume: unknown }[] }).open;
    assert.deepEqual(open[0]?.resume, { segment: 2 }, "the planner would resume the window here");
    const next: WorkUnit = { ...unit, resume: open[0]?.resume, run: { at: T0 + 60_000, n: 0 } };
    await ingestWithProgress(runtime, next, 60_000, channel);
    assert.deepEqual(sent, [0, 1, 2, 2, 3, 4, 5]);
  });

  it("a first pass stores its digest in the digest entity itself, and the result does not carry it", async () => {
    const { store, channel } = entities();
    digestOut = "AAAAAQ==";
    const result = await ingestWithProgress(runtime, { ...unit, collectDigest: true }, 60_000, channel);
    digestOut = undefined;
    assert.equal(result.digest, undefined);
    assert.equal(store.get(`mimecastdigest@dlp@${T0}`), "AAAAAQ==");
  });

  it("a first pass that sent nothing stores no digest: no signal, no digest entity", async () => {
    const { store, channel } = entities();
    digestOut = ""; // what an eventless window's first pass reports (encodeDigest of no hashes)
    const result = await ingestWithProgress(runtime, { ...unit, collectDigest: true }, 60_000, channel);
    digestOut = undefined;
    assert.equal(result.digest, undefined);
    assert.deepEqual(
      channel.signals.filter((s) => s.startsWith("mimecastdigest")),
      [],
    );
    assert.equal(store.has(`mimecastdigest@dlp@${T0}`), false);
  });

  it("without a channel the unit runs as before and its digest goes back in the result", async () => {
    digestOut = "AAAAAQ==";
    const result = await ingestWithProgress(runtime, unit, 60_000, undefined);
    digestOut = undefined;
    assert.equal(result.digest, "AAAAAQ==");
  });

  it("a reason quoting a registered secret (also JSON-escaped) leaves the activity redacted", async () => {
    const secret = 'pa"ss\\word-0123456789';
    globalRedactor.register(secret);
    reasonOut = `token endpoint said: ${secret}`;
    const result = await ingestWithProgress(runtime, unit, 60_000, entities().channel);
    reasonOut = undefined;
    assert.equal(result.kind, "partial");
    assert.ok(result.kind === "partial" && !result.reason.includes(secret));
  });

  it("a pause one instance learns reaches the shared entity; another instance's limiter adopts it", async () => {
    const { store, channel } = entities();
    // This process's limiter is connected once, to the task hub of its first invocation.
    const mine = new RateLimiter(new FakeClock(T0));
    const own = { ...runtime, client: { rateLimiter: () => Promise.resolve(mine) } } as unknown as Runtime;
    await ingestWithProgress(own, unit, 60_000, channel);
    mine.observe("dlp", 429, { "x-ratelimit-reset": "30000" });
    await Promise.resolve();
    assert.deepEqual(store.get("mimecastratelimit@application"), { pauses: { "": T0 + 30_000 } });
    const other = new RateLimiter(new FakeClock(T0));
    await sharedLimitsFor(other, channel).refresh(T0);
    assert.equal(other.pausedUntil("audit"), T0 + 30_000, "the whole application waits");
  });

  it("a local engine supplies the channel as the extra input named CHECKPOINT_CHANNEL", () => {
    const { channel } = entities();
    const context = {
      extraInputs: { get: (name: string) => (name === CHECKPOINT_CHANNEL ? channel : undefined) },
    };
    assert.equal(channelFrom(context as never), channel);
    assert.equal(channelFrom(undefined), undefined);
  });
});
