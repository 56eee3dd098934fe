import type { FeedSpec } from "../feeds/types";
import { ingestJsonWindow } from "../ingest/jsonWindow";
import type { JsonWindowResume } from "../ingest/jsonWindow";
import { siemPathOf } from "../config/siemPaths";
import { ingestSiemType } from "../ingest/siemStream";
import { ingestSnapshot } from "../ingest/snapshot";
import type { SnapshotResume } from "../ingest/snapshot";
import { ingestThreatIntel } from "../ingest/threatIntel";
import type { ThreatIntelResume } from "../ingest/threatIntel";
import { ingestSiemV1 } from "../ingest/siemV1";
import type { SiemV1Resume } from "../ingest/siemV1";
import type { UnitJobBase } from "../ingest/segment";
import type { UnitOutcome } from "../ingest/types";
import { decodeDigest } from "../ingest/digest";
import type { UnitResult, WorkUnit } from "../planning/types";
import type { Runtime } from "./runtime";

/**
 * SIEM events may be published this late even with the JSON sweep turned off (MIMECAST_LATE_HORIZON_SECONDS
 * = 0): the stream's reconciliation always needs a bound, and Mimecast's batch files show up to 2 hours.
 */
const DEFAULT_LATE_HORIZON_MS = 2 * 60 * 60 * 1000;

/** Runs one planned unit of one feed kind. Resume points are our own earlier outputs (opaque here). */
export type UnitRunner = (
  runtime: Runtime,
  feed: FeedSpec,
  unit: WorkUnit,
  limits: UnitLimits,
) => Promise<UnitOutcome<unknown>>;

export interface UnitLimits {
  deadline: number;
  signal?: AbortSignal;
  /** Mid-unit checkpoint hook (see UnitJobBase.onSegmentAccepted). */
  onSegmentAccepted?: UnitJobBase["onSegmentAccepted"];
}

/** The limits every unit job takes as they are. */
const passOn = (limits: UnitLimits): Pick<UnitJobBase, "signal" | "onSegmentAccepted"> => ({
  ...(limits.signal ? { signal: limits.signal } : {}),
  ...(limits.onSegmentAccepted ? { onSegmentAccepted: limits.onSegmentAccepted } : {}),
});

/**
 * One runner per feed source kind. Adding a feed of an existing kind touches nothing here; a new kind
 * adds its runner — never the orchestrator.
 */
export const UNIT_RUNNERS: Record<string, UnitRunner> = {
  json: async (runtime, feed, unit, limits) => {
    if (feed.source !== "json" || unit.kind !== "time-window") throw mismatch(feed, unit);
    return ingestJsonWindow({
      client: runtime.client,
      feed,
      sink: runtime.sink,
      stream: runtime.streamFor(feed),
      window: { from: unit.from, to: unit.to },
      ...(unit.resume !== undefined ? { resume: unit.resume as JsonWindowResume } : {}),
      ...(unit.collectDigest === true ? { collectDigest: true } : {}),
      ...(unit.sweep === true ? { seen: decodeDigest(unit.seen) } : {}),
      deadline: limits.deadline,
      now: () => runtime.clock.now(),
      ...passOn(limits),
    });
  },
  "siem-batch": async (runtime, feed, unit, limits) => {
    if (feed.source !== "siem-batch" || unit.kind !== "siem-day") throw mismatch(feed, unit);
    // One unit per SIEM type whatever path owns it: the type's cursor holds the owner and the hand-over
    // point (src/ingest/siemOwner.ts), so a hand-over is one checkpoint write.
    return ingestSiemType({
      client: runtime.client,
      feed,
      type: unit.type,
      sink: runtime.sink,
      stream: runtime.streamFor(feed),
      fromDay: unit.fromDay,
      ...(unit.resume !== undefined ? { resume: unit.resume } : {}),
      path: siemPathOf(runtime.config.ingestion.siemPaths, feed.id, unit.type),
      lateHorizonMs: runtime.config.ingestion.lateHorizonMs || DEFAULT_LATE_HORIZON_MS,
      deadline: limits.deadline,
      now: () => runtime.clock.now(),
      ...passOn(limits),
    });
  },
  snapshot: async (runtime, feed, unit, limits) => {
    if (feed.source !== "snapshot" || unit.kind !== "snapshot") throw mismatch(feed, unit);
    return ingestSnapshot({
      client: runtime.client,
      feed,
      sink: runtime.sink,
      stream: runtime.streamFor(feed),
      snapshotTime: unit.snapshotTime,
      ...(unit.resume !== undefined ? { resume: unit.resume as SnapshotResume } : {}),
      deadline: limits.deadline,
      now: () => runtime.clock.now(),
      ...passOn(limits),
    });
  },
  "threat-intel": async (runtime, feed, unit, limits) => {
    if (feed.source !== "threat-intel" || unit.kind !== "time-window") throw mismatch(feed, unit);
    const tiUpload = runtime.tiUpload();
    return ingestThreatIntel({
      client: runtime.client,
      feed,
      sink: runtime.sink,
      stream: runtime.streamFor(feed),
      window: { from: unit.from, to: unit.to },
      ...(unit.resume !== undefined ? { resume: unit.resume as ThreatIntelResume } : {}),
      ...(tiUpload ? { tiUpload } : {}),
      deadline: limits.deadline,
      now: () => runtime.clock.now(),
      ...passOn(limits),
    });
  },
  "siem-v1": async (runtime, feed, unit, limits) => {
    if (feed.source !== "siem-v1" || unit.kind !== "token-chain") throw mismatch(feed, unit);
    return ingestSiemV1({
      client: runtime.client,
      feed,
      sink: runtime.sink,
      stream: runtime.streamFor(feed),
      ...(unit.resume !== undefined ? { resume: unit.resume as SiemV1Resume } : {}),
      deadline: limits.deadline,
      now: () => runtime.clock.now(),
      ...passOn(limits),
    });
  },
};

/**
 * Runs a unit within a time budget and returns its result as a value. Throws only what the ingestion
 * unit throws: a transient fault before anything was ingested (safe for Durable's retry policy).
 */
export async function runUnit(
  runtime: Runtime,
  unit: WorkUnit,
  budgetMs: number,
  signal?: AbortSignal,
  onSegmentAccepted?: UnitLimits["onSegmentAccepted"],
): Promise<UnitResult> {
  const feed = runtime.feed(unit.feedId);
  const runner = UNIT_RUNNERS[feed.source];
  if (!runner) throw new Error(`no unit runner for feed kind "${feed.source}" (feed ${feed.id})`);
  const outcome = await runner(runtime, feed, unit, {
    deadline: runtime.clock.now() + budgetMs,
    ...(signal ? { signal } : {}),
    ...(onSegmentAccepted ? { onSegmentAccepted } : {}),
  });
  return outcome;
}

function mismatch(feed: FeedSpec, unit: WorkUnit): Error {
  return new Error(`unit kind "${unit.kind}" does not fit feed ${feed.id} (${feed.source})`);
}
