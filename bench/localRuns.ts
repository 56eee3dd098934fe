/**
 * Benchmarks on the local host (the same supervisor, activities and checkpoint reducers as in Azure)
 * against the simulator on a manual clock: every sleep — rate-limit pauses, back-off, the supervisor's
 * timer to the next tick — advances simulated time instead of waiting, so days of history run in
 * seconds and every figure is a count or a ratio of simulated times.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { feedById } from "../src/feeds";
import { mapRecord } from "../src/feeds/mapping";
import { CONNECTOR_HEALTH_STREAM, streamFor } from "../src/ingest/streams";
import type { StoreFigures } from "../src/localhost/storeFigures";
import { FUNCTIONS, SUPERVISOR_INSTANCE_ID } from "../src/orchestrators/names";
import type { SupervisorInput } from "../src/orchestrators/supervisor";
import { validateRow } from "../src/sentinel/rowValidation";
import type { Sink, UploadOutcome } from "../src/sentinel/sink";
import type { SentinelRow, StreamSchema } from "../src/sentinel/streams";
import { createLogger } from "../src/shared/logger";
import type { FeedKey, RequestLogEntry, SimulatorOptions } from "../simulator/index";
import { manualClock } from "../simulator/index";
import { startEmbedded } from "../scripts/local/embedded";
import type { Embedded } from "../scripts/local/embedded";

export const MINUTE = 60_000;
/** The simulator's (and Mimecast's) SIEM batch files each cover a 15-minute publish slot. */
const BATCH_SLOT_MS = 15 * MINUTE;
export const DAY = 86_400_000;
/** A Monday noon-ish, as the tests use: every SIEM slot before it is published. */
export const SIM_START = Date.UTC(2024, 10, 18, 12, 7, 0);

/** Takes every valid row, remembering each EventId's acceptance time on the simulated clock. */
export class RecordingSink implements Sink {
  readonly acceptedAt = new Map<string, number>();
  readonly perStream = new Map<string, number>();
  duplicates = 0;
  constructor(private readonly now: () => number) {}
  upload(stream: StreamSchema, rows: readonly SentinelRow[]): Promise<UploadOutcome> {
    const at = this.now();
    const failedIndexes: number[] = [];
    rows.forEach((row, index) => {
      if (validateRow(row, stream).length > 0) {
        failedIndexes.push(index);
        return;
      }
      const id = `${stream.streamName}|${String(row["EventId"])}`;
      // Health rows describe the connector, not Mimecast events: only events count as duplicates.
      if (this.acceptedAt.has(id) && stream.streamName !== CONNECTOR_HEALTH_STREAM.streamName) {
        this.duplicates += 1;
      } else this.acceptedAt.set(id, at);
    });
    this.perStream.set(stream.streamName, (this.perStream.get(stream.streamName) ?? 0) + rows.length);
    const failed = failedIndexes.map((index) => ({
      firstIndex: index,
      count: 1,
      code: "schema-mismatch" as const,
      retryable: false,
      message: `row ${index} does not match ${stream.streamName}`,
    }));
    return Promise.resolve({
      accepted: rows.length - failedIndexes.length,
      failedIndexes,
      failed,
      ambiguous: 0,
    });
  }
}

type CursorTuple = [key: string, status: string, lagSeconds: number | null, events: number];

interface SleepingStatus {
  cycle: number;
  phase: "sleeping";
  finishedAt: number;
  cursors: CursorTuple[];
}

const isSleeping = (status: unknown): status is SleepingStatus =>
  typeof status === "object" && status !== null && (status as { phase?: unknown }).phase === "sleeping";

export interface LocalRun {
  embedded: Embedded;
  sink: RecordingSink;
  start: number;
  /** Cycle reports as the supervisor published them, in order. */
  cycles: SleepingStatus[];
  close(): Promise<void>;
}

export interface LocalRunOptions {
  feeds: string;
  startDate: number;
  simulator?: Partial<SimulatorOptions>;
  settings?: Record<string, string>;
  /** Ends the run (the supervisor is terminated) once this says so after a cycle. */
  until: (cycle: SleepingStatus, simNow: number) => boolean;
  maxCycles: number;
}

/** Runs the supervisor on the local host until `until` holds (or `maxCycles`). */
export async function runLocal(options: LocalRunOptions): Promise<LocalRun> {
  const dataDir = mkdtempSync(join(os.tmpdir(), "mimecast-bench-"));
  const clock = manualClock(SIM_START);
  const sink = new RecordingSink(() => clock.now());
  const cycles: SleepingStatus[] = [];
  let done = false;
  const control: { stop?: () => void } = {};
  const embedded = await startEmbedded({
    dataDir,
    seed: 7,
    simClock: clock,
    simulator: { maxRequestLog: 1_000_000, ...options.simulator },
    sink,
    logger: createLogger({ level: "error" }),
    settings: {
      MIMECAST_FEEDS: options.feeds,
      MIMECAST_START_DATE: new Date(options.startDate).toISOString(),
      MIMECAST_LOG_LEVEL: "error",
      ...options.settings,
    },
    onStatus: (_id, status) => {
      if (done || !isSleeping(status)) return;
      cycles.push(status);
      if (options.until(status, clock.now())) {
        done = true;
        control.stop?.();
      }
    },
  });
  const { host } = embedded;
  control.stop = () => void host.terminate(SUPERVISOR_INSTANCE_ID, "benchmark finished");
  const input: SupervisorInput = { cycle: 0, maxCycles: options.maxCycles };
  await host.startNew(FUNCTIONS.supervisor, { instanceId: SUPERVISOR_INSTANCE_ID, input });
  await host.idle();
  return {
    embedded,
    sink,
    start: SIM_START,
    cycles,
    close: async () => {
      await embedded.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Calls to the Mimecast API (not the presigned-file host) per family, 429s included. */
export function apiCalls(
  requests: readonly RequestLogEntry[],
): Map<string, { ok: number; throttled: number }> {
  const byFamily = new Map<string, { ok: number; throttled: number }>();
  for (const r of requests) {
    if (r.host !== "api") continue;
    const entry = byFamily.get(r.family) ?? { ok: 0, throttled: 0 };
    if (r.status === 429) entry.throttled += 1;
    else entry.ok += 1;
    byFamily.set(r.family, entry);
  }
  return byFamily;
}

/** The most 429s any family got inside one fixed rate-limit window of the simulator. */
export function max429PerWindow(requests: readonly RequestLogEntry[], windowMs: number): number {
  const counts = new Map<string, number>();
  for (const r of requests) {
    if (r.host !== "api" || r.status !== 429) continue;
    const key = `${r.family}|${Math.floor(r.at / windowMs)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return Math.max(0, ...counts.values());
}

const caughtUp = (cycle: SleepingStatus): boolean =>
  cycle.cursors.every(([, status]) => status === "ok" || status === "idle");

export interface BackfillResult {
  feeds: string;
  quota: { limit: number; windowMs: number };
  events: number;
  simulatedMs: number;
  floorMs: number;
  ratio: number;
  calls: Map<string, { ok: number; throttled: number }>;
  busiestFamily: string;
  max429PerWindow: number;
  cycles: number;
  duplicates: number;
  efficiency: EfficiencyLine[];
  /** What the engine's store measured of the run (largest history and payloads, storeFigures.ts). */
  store: StoreFigures;
}

/**
 * Backfill from an empty checkpoint under a configured quota until every cursor is caught up.
 * Floor: the calls the run needed (every non-429 API call) ÷ the quota, per family (each family has
 * its own quota, so the busiest one sets the floor).
 */
export async function measureBackfill(options: {
  feeds: string;
  days: number;
  quota: { limit: number; windowMs: number };
  eventsPerDay?: SimulatorOptions["eventsPerDay"];
}): Promise<BackfillResult> {
  const run = await runLocal({
    feeds: options.feeds,
    startDate: SIM_START - options.days * DAY,
    simulator: {
      rateLimit: { limit: options.quota.limit, windowMs: options.quota.windowMs },
      ...(options.eventsPerDay !== undefined ? { eventsPerDay: options.eventsPerDay } : {}),
    },
    until: caughtUp,
    maxCycles: 500,
  });
  try {
    const last = run.cycles.at(-1);
    if (!last || !caughtUp(last)) throw new Error(`backfill of ${options.feeds} did not catch up`);
    const requests = run.embedded.sim.requests;
    const calls = apiCalls(requests);
    let busiest = "";
    let most = 0;
    for (const [family, c] of calls) {
      if (c.ok > most) {
        most = c.ok;
        busiest = family;
      }
    }
    const floorMs = (most / options.quota.limit) * options.quota.windowMs;
    const simulatedMs = last.finishedAt - run.start;
    return {
      feeds: options.feeds,
      quota: options.quota,
      events: run.sink.acceptedAt.size,
      simulatedMs,
      floorMs,
      ratio: simulatedMs / floorMs,
      calls,
      busiestFamily: busiest,
      max429PerWindow: max429PerWindow(requests, options.quota.windowMs),
      cycles: run.cycles.length,
      duplicates: run.sink.duplicates,
      efficiency: apiEfficiency(requests, run.sink.perStream, options.feeds.split(",")),
      store: run.embedded.host.storeFigures(),
    };
  } finally {
    await run.close();
  }
}

/** Calls per 10,000 events per feed, from a run's request log and the rows each feed's table got. */
export interface EfficiencyLine {
  feed: string;
  family: string;
  events: number;
  calls: number;
  /** Presigned-file downloads (SIEM batch files are not API calls, but they are requests). */
  fileDownloads: number;
  per10k: number;
}

export function apiEfficiency(
  requests: readonly RequestLogEntry[],
  perStream: ReadonlyMap<string, number>,
  feeds: readonly string[],
): EfficiencyLine[] {
  const calls = apiCalls(requests);
  const downloads = requests.filter((r) => r.host === "file" && r.status === 200).length;
  return feeds.map((feedId) => {
    const feed = feedById(feedId);
    if (!feed) throw new Error(`unknown feed ${feedId}`);
    const family = feed.source === "siem-batch" ? `siem-batch-${feedId === "siem-ci" ? "ci" : "cg"}` : feedId;
    const events = perStream.get(streamFor(feed).streamName) ?? 0;
    const used = calls.get(family)?.ok ?? 0;
    return {
      feed: feedId,
      family,
      events,
      calls: used,
      fileDownloads: feed.source === "siem-batch" ? downloads : 0,
      per10k: events > 0 ? (used / events) * 10_000 : NaN,
    };
  });
}

export interface FreshnessResult {
  lagSeconds: number;
  feeds: string;
  /** Per feed kind: delays (ms) from publish to acceptance of events published in the measured span. */
  byFeed: {
    feed: string;
    events: number;
    notDelivered: number;
    p50Ms: number;
    p95Ms: number;
    /** SIEM only: from the end of the 15-minute batch slot (when the file is listed) to acceptance. */
    fromFileP95Ms?: number;
  }[];
  p50Ms: number;
  p95Ms: number;
  /** SIEM event-stream calls of the run and its simulated span (the stream has its own, lower quota). */
  streamCalls: number;
  spanMs: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/**
 * Continuous mode on a one-minute schedule: after a short catch-up, every event the simulator publishes
 * in the measured span is looked up in the sink; its delay is the acceptance time minus its publish
 * time, both on the simulated clock (processing itself takes no simulated time: throughput is measured
 * on its own above).
 */
export async function measureFreshness(options: {
  feeds: readonly string[];
  lagSeconds: number;
  warmupMs: number;
  measureMs: number;
  drainMs: number;
  eventsPerDay?: SimulatorOptions["eventsPerDay"];
  settings?: Record<string, string>;
}): Promise<FreshnessResult> {
  const total = options.warmupMs + options.measureMs + options.drainMs;
  const run = await runLocal({
    feeds: options.feeds.join(","),
    startDate: SIM_START - 60 * MINUTE,
    simulator: {
      rateLimit: false,
      ...(options.eventsPerDay !== undefined ? { eventsPerDay: options.eventsPerDay } : {}),
    },
    settings: {
      MIMECAST_SCHEDULE: "0 * * * * *",
      MIMECAST_LAG_SECONDS: String(options.lagSeconds),
      ...options.settings,
    },
    until: (_cycle, now) => now >= SIM_START + total,
    maxCycles: Math.ceil(total / MINUTE) + 30,
  });
  try {
    const from = SIM_START + options.warmupMs;
    const to = from + options.measureMs;
    const all: number[] = [];
    const byFeed = options.feeds.map((feedId) => {
      const feed = feedById(feedId);
      if (!feed) throw new Error(`unknown feed ${feedId}`);
      const stream = streamFor(feed).streamName;
      const delays: number[] = [];
      const fromFile: number[] = [];
      let notDelivered = 0;
      for (const event of run.embedded.sim.groundTruth(feedId as FeedKey, { from, to, basis: "publish" })) {
        const mapped = mapRecord(feed, event.record);
        if (mapped.kind !== "row")
          throw new Error(`ground truth of ${feedId} does not map: ${mapped.reason}`);
        const at = run.sink.acceptedAt.get(`${stream}|${mapped.eventId}`);
        if (at === undefined) notDelivered += 1;
        else {
          delays.push(at - event.publishTime);
          fromFile.push(at - Math.ceil(event.publishTime / BATCH_SLOT_MS) * BATCH_SLOT_MS);
        }
      }
      delays.sort((a, b) => a - b);
      all.push(...delays);
      return {
        feed: feedId,
        events: delays.length + notDelivered,
        notDelivered,
        p50Ms: percentile(delays, 50),
        p95Ms: percentile(delays, 95),
        ...(feed.source === "siem-batch"
          ? {
              fromFileP95Ms: percentile(
                [...fromFile].sort((a, b) => a - b),
                95,
              ),
            }
          : {}),
      };
    });
    all.sort((a, b) => a - b);
    const streamCalls = run.embedded.sim.requests.filter((r) => r.family.startsWith("siem-stream")).length;
    return {
      streamCalls,
      spanMs: total,
      lagSeconds: options.lagSeconds,
      feeds: options.feeds.join(","),
      byFeed,
      p50Ms: percentile(all, 50),
      p95Ms: percentile(all, 95),
    };
  } finally {
    await run.close();
  }
}

export interface StreamRateStep {
  perTypePerDay: number;
  types: number;
  /** Events published in the measured span ÷ its length: the offered rate, measured from the ground truth. */
  offeredPerSec: number;
  /** Of those, accepted within the run ÷ the span. */
  deliveredPerSec: number;
  p95Ms: number;
  notDelivered: number;
  /** Stream calls per minute of the run, against the simulator's stream quota. */
  streamCallsPerMin: number;
  /**
   * p95 ≤ 2 min (only the stream can: a batch file is listed 15 min after its slot) and ≥ 99 % delivered
   * within the run (late events wait for the stream's re-read of their bucket, 10 min or more later).
   */
  keptUp: boolean;
}

/**
 * The largest rate the SIEM stream sustains for one application, measured: Cloud Gateway's 10 types on
 * the stream alone (MIMECAST_SIEM_PATH=stream, so nothing falls back to batch), the simulator's stream
 * quota on, at rising per-type rates. Each step runs 40 simulated minutes, shorter than the 2.5 hours the
 * reconciliation digest covers, so the digest's bound (MAX_STREAM_DIGEST per type) is applied on top by
 * the caller.
 */
export async function measureStreamRate(perTypePerDay: readonly number[]): Promise<StreamRateStep[]> {
  const types = 10;
  const span = { warmupMs: 10 * MINUTE, measureMs: 20 * MINUTE, drainMs: 10 * MINUTE };
  const steps: StreamRateStep[] = [];
  for (const rate of perTypePerDay) {
    const run = await measureFreshness({
      feeds: ["siem-cg"],
      lagSeconds: 60,
      ...span,
      eventsPerDay: { "siem-cg": rate },
      settings: { MIMECAST_SIEM_PATH: "stream" },
    });
    const f = run.byFeed[0]!;
    const seconds = span.measureMs / 1000;
    steps.push({
      perTypePerDay: rate,
      types,
      offeredPerSec: f.events / seconds,
      deliveredPerSec: (f.events - f.notDelivered) / seconds,
      p95Ms: f.p95Ms,
      notDelivered: f.notDelivered,
      streamCallsPerMin: run.streamCalls / (run.spanMs / MINUTE),
      keptUp: f.notDelivered <= 0.01 * f.events && f.p95Ms <= 2 * MINUTE,
    });
  }
  return steps;
}
