import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { EntityId } from "durable-functions";
import type { CheckpointChannel } from "../../src/activities/checkpointChannel";
import type { LeaseTiming } from "../../src/activities/runLease";
import { ingestWithProgress } from "../../src/activities/unitProgress";
import { applyCheckpointOperation } from "../../src/entities/checkpoint";
import { zeroCounts } from "../../src/ingest/types";
import type { CheckpointState, UnitResult, WorkUnit } from "../../src/planning/types";
import { UNIT_RUNNERS } from "../../src/runtime/runUnit";
import type { Runtime } from "../../src/runtime/runtime";
import { RateLimiter } from "../../src/mimecast/rateLimiter";
import { FakeClock, systemClock } from "../../src/shared/clock";
import type { Logger } from "../../src/shared/logger";
import { silentLogger } from "../../src/shared/logger";

/**
 * Two copies of one activity running at the same time (Durable replays an orchestration episode that
 * crashed between sending its work items and committing its history, so the work item exists twice).
 * The checkpoint entity is reached through a channel that applies signals later, in order, as Durable
 * does; the oracle is the runner's own log of the segments it "sent" to Sentinel.
 */
const SEGMENTS = 6;
const ROWS = 10;
const T0 = Date.UTC(2024, 10, 1);
/** Which copy sent which segment, in sending order. */
const sent: { copy: number; segment: number }[] = [];
/** Per invocation (in start order): what that copy does. */
let behaviours: Behaviour[] = [];
let invocations = 0;

interface Behaviour {
  /** Stops after sending this segment: dies (throws) or hangs until `release` is called. */
  stopAfter?: number;
  stop?: "die" | "hang";
  release?: () => void;
  released?: Promise<void>;
}

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

UNIT_RUNNERS["test-concurrent"] = async (_runtime, _feed, unit, limits) => {
  const copy = invocations++;
  const behaviour = behaviours[copy] ?? {};
  let counts = zeroCounts();
  const first = (unit.resume as { segment?: number } | undefined)?.segment ?? 0;
  for (let segment = first; segment < SEGMENTS; segment += 1) {
    await tick(3); // a Sentinel call takes a while: the other copy runs meanwhile
    sent.push({ copy, segment });
    if (behaviour.stopAfter === segment) {
      if (behaviour.stop === "hang") await behaviour.released;
      throw new Error("worker died");
    }
    counts = { ...counts, ingested: counts.ingested + ROWS };
    await limits.onSegmentAccepted?.({ segment: segment + 1 }, counts);
  }
  const result: UnitResult = { kind: "completed", counts, resume: { segment: SEGMENTS } };
  return result;
};
after(() => delete UNIT_RUNNERS["test-concurrent"]);

/** A checkpoint entity whose signals are applied a few milliseconds later, one at a time, in order. */
function asyncEntities(delayMs = 2) {
  const store = new Map<string, unknown>();
  const id = (e: EntityId): string => `${e.name.toLowerCase()}@${e.key}`;
  let queue = Promise.resolve();
  const channel: CheckpointChannel = {
    readEntityState: <T>(e: EntityId) => {
      const state = store.get(id(e)) as T | undefined;
      return Promise.resolve(
        state === undefined ? { entityExists: false } : { entityExists: true, entityState: state },
      );
    },
    signalEntity: (e: EntityId, op?: string, content?: unknown) => {
      const input = JSON.parse(JSON.stringify(content ?? null)) as unknown;
      queue = queue
        .then(() => tick(delayMs))
        .then(() => {
          if (!id(e).startsWith("mimecastcheckpoint")) return;
          const current = store.get(id(e)) as CheckpointState | undefined;
          const next = applyCheckpointOperation(e.key, current, op ?? "", input).state;
          if (next === undefined) store.delete(id(e));
          else store.set(id(e), JSON.parse(JSON.stringify(next)) as CheckpointState);
        });
      return Promise.resolve();
    },
  };
  const settled = (): Promise<void> => queue;
  return { store, channel, settled };
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    ...silentLogger,
    warnings,
    warn: (message: string, fields?: Record<string, unknown>) =>
      void warnings.push(`${message} ${JSON.stringify(fields ?? {})}`),
  };
}

function runtimeWith(logger: Logger): Runtime {
  const limiter = new RateLimiter(new FakeClock(T0));
  return {
    feed: (feedId: string) => ({ id: feedId, source: "test-concurrent" }),
    clock: { now: () => T0 },
    logger,
    client: { rateLimiter: () => Promise.resolve(limiter) },
  } as unknown as Runtime;
}

const unit: WorkUnit = {
  kind: "time-window",
  key: "dlp",
  feedId: "dlp",
  from: T0,
  to: T0 + 3_600_000,
  origin: T0,
  run: { at: T0, n: 0 },
};

const FAST: LeaseTiming = { firstPollMs: 1, maxPollMs: 5, claimVisibleMs: 5_000, staleMs: 60_000 };

function reset(next: Behaviour[]): void {
  sent.length = 0;
  invocations = 0;
  behaviours = next;
}

const segmentsSent = (): number[] => sent.map((s) => s.segment).sort((a, b) => a - b);

describe("ingest activity: two copies of one run at the same time send each segment once", () => {
  it("both copies start together: one sends every segment, the other returns the same result", async () => {
    reset([]);
    const { channel, settled } = asyncEntities();
    const runtime = runtimeWith(silentLogger);
    const lease = { wall: systemClock, timing: FAST };
    const [a, b] = await Promise.all([
      ingestWithProgress(runtime, unit, 60_000, channel, lease),
      ingestWithProgress(runtime, unit, 60_000, channel, lease),
    ]);
    await settled();
    assert.deepEqual(segmentsSent(), [0, 1, 2, 3, 4, 5], "each segment sent once");
    assert.equal(new Set(sent.map((s) => s.copy)).size, 1, "by one copy");
    assert.deepEqual(a, b, "the follower returns the leader's result");
    assert.equal(a.kind, "completed");
    assert.equal(a.counts.ingested, SEGMENTS * ROWS);
  });

  it("the leader dies: a copy waiting on it leads at once from the leader's last recorded segment", async () => {
    reset([{ stopAfter: 2, stop: "die" }]);
    const { channel, settled } = asyncEntities();
    const logger = recordingLogger();
    const runtime = runtimeWith(logger);
    const lease = { wall: systemClock, timing: FAST };
    const leader = ingestWithProgress(runtime, unit, 60_000, channel, lease);
    await tick(1);
    const follower = ingestWithProgress(runtime, unit, 60_000, channel, lease);
    await assert.rejects(leader, /worker died/);
    const result = await follower;
    await settled();
    // Segment 2 was in flight when the leader died (sent, not recorded): it is the only repeat.
    assert.deepEqual(segmentsSent(), [0, 1, 2, 2, 3, 4, 5]);
    assert.equal(result.kind, "completed");
    assert.equal(result.counts.ingested, SEGMENTS * ROWS, "counted on from the leader's progress");
    assert.deepEqual(
      logger.warnings.filter((w) => w.startsWith("leading a run")),
      [],
      "the follower took the given-up claim, it did not wait for the leader to go stale",
    );
  });

  it("a leader that stops moving without a word is taken over once it is stale", async () => {
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    reset([{ stopAfter: 1, stop: "hang", released }]);
    const { channel, settled } = asyncEntities();
    const runtime = runtimeWith(silentLogger);
    const lease = { wall: systemClock, timing: { ...FAST, staleMs: 80 } };
    const leader = ingestWithProgress(runtime, unit, 60_000, channel, lease);
    await tick(1);
    const follower = await ingestWithProgress(runtime, unit, 60_000, channel, lease);
    release(); // the "dead" worker's process finally goes away
    await assert.rejects(leader);
    await settled();
    assert.deepEqual(segmentsSent(), [0, 1, 1, 2, 3, 4, 5], "only the segment in flight twice");
    assert.equal(follower.kind, "completed");
  });

  it("a copy redelivered after its host process was killed takes the dead copy's claim at once, not after staleMs", async () => {
    // The local engine after a kill -9: the previous process's executions are known to be gone (their
    // claims can never be released), so the redelivered copy must not stand idle for staleMs.
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    reset([{ stopAfter: 1, stop: "hang", released }]);
    const { channel, settled } = asyncEntities();
    const dead: CheckpointChannel = { ...channel, newExecutorId: () => "old-process:copy" };
    const restarted: CheckpointChannel = {
      ...channel,
      newExecutorId: () => "new-process:copy",
      isExecutorGone: (executor) => !executor.startsWith("new-process:"),
    };
    const logger = recordingLogger();
    const runtime = runtimeWith(logger);
    const leader = ingestWithProgress(runtime, unit, 60_000, dead, { wall: systemClock, timing: FAST });
    // Until it hangs in segment 1 ("killed") with its claim and segment 0 recorded — a condition, not a
    // fixed delay, so a loaded machine cannot start the restarted copy first.
    for (let waited = 0; segmentsSent().length < 2 && waited < 10_000; waited += 5) await tick(5);
    await settled();
    // Simulated wall time: every poll advances it by its sleep (so waiting staleMs costs no real time).
    let wallNow = T0;
    const wall = { now: () => wallNow, sleep: (ms: number) => ((wallNow += ms), tick(1)) };
    const timing: LeaseTiming = { ...FAST, maxPollMs: 1_000 };
    const result = await ingestWithProgress(runtime, unit, 60_000, restarted, { wall, timing });
    await settled();
    assert.equal(result.kind, "completed");
    assert.ok(wallNow - T0 < timing.staleMs, `took over after ${wallNow - T0} ms, not at once`);
    assert.deepEqual(segmentsSent(), [0, 1, 1, 2, 3, 4, 5], "only the segment in flight twice");
    assert.equal(result.counts.ingested, SEGMENTS * ROWS, "counted on from the dead copy's progress");
    assert.ok(logger.warnings.some((w) => w.startsWith("leading a run") && w.includes("took-over")));
    release();
    await assert.rejects(leader);
  });

  it("a copy that starts after the run's result is recorded sends nothing", async () => {
    reset([]);
    const { channel, settled, store } = asyncEntities();
    const runtime = runtimeWith(silentLogger);
    const lease = { wall: systemClock, timing: FAST };
    const first = await ingestWithProgress(runtime, unit, 60_000, channel, lease);
    await channel.signalEntity({ name: "mimecastCheckpoint", key: "dlp" }, "record", {
      unit,
      result: first,
      at: T0,
    });
    await settled();
    const late = await ingestWithProgress(runtime, unit, 60_000, channel, lease);
    await settled();
    assert.deepEqual(segmentsSent(), [0, 1, 2, 3, 4, 5]);
    assert.equal(late.counts.ingested, 0);
    const state = store.get("mimecastcheckpoint@dlp") as CheckpointState;
    assert.equal(state.watermark, unit.to);
    assert.equal(state.totals.ingested, SEGMENTS * ROWS);
    assert.equal(state.claims, undefined, "a recorded run leaves no claim behind");
  });
});
