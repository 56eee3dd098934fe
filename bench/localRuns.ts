/**
 * Benchmarks on the local host (the same supervisor, activities and checkpoint reducers as in Azure)
 * against the simulator on a manual clock: every sleep — rate-limit pauses, back-off, the supervisor's
 * timer to the next tick — advances simulated time instead of waiting, so days of history run in
 * seconds and every figure is a count or a ratio of simulated times.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { FUNCTIONS, SUPERVISOR_INSTANCE_ID } from "../src/orchestrators/names";
import type { SupervisorInput } from "../src/orchestrators/supervisor";
import { validateRow } from "../src/sentinel/rowValidation";
import type { Sink, UploadOutcome } from "../src/sentinel/sink";
import type { SentinelRow, StreamSchema } from "../src/sentinel/streams";
import { createLogger } from "../src/shared/logger";
import type { RequestLogEntry, SimulatorOptions } from "../simulator/index";
import { manualClock } from "../simulator/index";
import { startEmbedded } from "../scripts/local/embedded";
import type { Embedded } from "../scripts/local/embedded";

export const MINUTE = 60_000;
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
      if (this.acceptedAt.has(id)) this.duplicates += 1;
      else this.acceptedAt.set(id, at);
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
    };
  } finally {
    await run.close();
  }
}
