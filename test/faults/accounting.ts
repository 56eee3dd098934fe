import { SETTINGS_SCHEMA } from "../../src/config";
/**
 * Exactly-once accounting of a fault run: what the simulator's ground truth says the covered range
 * holds, against the EventIds that landed in the sink. Duplicates are explained (rows of an ambiguous
 * Sentinel call, or rows of a unit a kill -9 interrupted) or they fail the run.
 */
import { createReadStream, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { FEEDS, feedById } from "../../src/feeds";
import { groundTruthEventId } from "../localhost/helpers";
import { DEAD_LETTER_TABLE } from "../../src/ingest/streams";
import type { InterruptedUnit, LocalState } from "../../src/localhost/store";
import { readStoreSnapshot } from "../../src/localhost/store";
import type { CheckpointState } from "../../src/planning/types";
import type { FeedKey, Simulator } from "../../simulator/index";
import { isOwnerCursor, settledPoint } from "../../src/ingest/siemOwner";
import { sweepAges } from "../../src/planning/sweeps";

const SLOT_MS = 15 * 60_000;
const DAY_MS = 86_400_000;
/** Records a SIEM unit may read past its deadline: the deadline is checked once per segment. */
export const SIEM_SEGMENT_RECORDS = 2_000;

/** Feeds with a ground truth (time windows and SIEM batch files); snapshots have none. */
export const COVERED_FEEDS = FEEDS.filter(
  (f) => f.source === "json" || f.source === "threat-intel" || f.source === "siem-batch",
).map((f) => f.id);
const DATA_TABLES = new Set(COVERED_FEEDS.map((id) => feedById(id)!.defaultTable));

/** EventIds seen in the sink: per data-table id counts, distinct dead-letters, rows without an id. */
export class Ledger {
  readonly ids = new Map<string, number>();
  readonly deadLetters = new Set<string>();
  rows = 0;
  deadLetterRows = 0;
  withoutEventId = 0;
  /** Partial lines a kill left in a local-sink file (never counted as rows). */
  torn = 0;

  add(table: string, eventId: unknown): void {
    if (table === DEAD_LETTER_TABLE) {
      this.deadLetterRows += 1;
      if (typeof eventId === "string") this.deadLetters.add(eventId);
      return;
    }
    if (!DATA_TABLES.has(table)) return;
    this.rows += 1;
    if (typeof eventId !== "string" || eventId === "") {
      this.withoutEventId += 1;
      return;
    }
    this.ids.set(eventId, (this.ids.get(eventId) ?? 0) + 1);
  }

  /** Reads a local sink's NDJSON tables line by line (they can be large); torn lines are counted. */
  async readLocalTables(dir: string): Promise<void> {
    if (!existsSync(dir)) return;
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ndjson"))) {
      const table = file.replace(/\.ndjson$/, "");
      if (table !== DEAD_LETTER_TABLE && !DATA_TABLES.has(table)) continue;
      const lines = createInterface({ input: createReadStream(join(dir, file)), crlfDelay: Infinity });
      for await (const line of lines) {
        if (line === "") continue;
        let row: { EventId?: unknown };
        try {
          row = JSON.parse(line) as { EventId?: unknown };
        } catch {
          this.torn += 1;
          continue;
        }
        this.add(table, row.EventId);
      }
    }
  }
}

interface Meta {
  feed: string;
  type?: string;
  /** Event time (windows) or publish time (SIEM). */
  at: number;
  /** Inside the range the run must have delivered (start … watermark / last caught-up slot). */
  inScope: boolean;
  /** A time-window event published more than the lag after it happened (see `lateMissed`). */
  late: boolean;
}

/** The late horizon a run uses unless it sets MIMECAST_LATE_HORIZON_SECONDS: its last sweep comes then. */
const DEFAULT_LATE_HORIZON_MS =
  Number((SETTINGS_SCHEMA.properties.MIMECAST_LATE_HORIZON_SECONDS as { default: number }).default) * 1000;
/** A live window's length plus one cycle: how long after its end-of-window a sweep may still be due. */
const SWEEP_SLACK_MS = 15 * 60_000;

/** The lag a run uses unless it sets MIMECAST_LAG_SECONDS (late events beyond it await a sweep). */
const DEFAULT_LAG_MS =
  Number((SETTINGS_SCHEMA.properties.MIMECAST_LAG_SECONDS as { default: number }).default) * 1000;

export interface Accounting {
  expected: number;
  /** Rows in the data tables (duplicates included). */
  ingested: number;
  missing: number;
  /**
   * Missing time-window events that were published more than MIMECAST_LAG_SECONDS after their event
   * time: the window may have been read before they were visible, and windows are not re-read. A
   * property of the planner (not of a fault); reported, not counted as missing.
   */
  lateMissed: number;
  /** Duplicate rows nothing explains: must be 0. */
  duplicated: number;
  /** Duplicate rows of ambiguous Sentinel calls. */
  ambiguous: number;
  /** Duplicate rows inside units a kill interrupted. */
  crashResent: number;
  deadLettered: number;
  injectedMalformed: number;
  /** Rows delivered past the covered range (later windows already done): informational. */
  beyond: number;
  /** Ids that are in no ground truth at all: must be 0. */
  unknown: number;
  withoutEventId: number;
  torn: number;
  interrupted: number;
  /** Largest re-sent count of one interrupted unit, and the bound it is held to. */
  maxResentPerUnit: number;
  violations: string[];
}

export interface AccountingInput {
  sim: Simulator;
  /** MIMECAST_START_DATE of the run (epoch ms). */
  startMs: number;
  /** Last instant the simulator reached (bounds the ground-truth scan). */
  endMs: number;
  state: LocalState;
  ledger: Ledger;
  /** EventIds that were in Sentinel calls whose outcome was unknown (timeout after receive). */
  ambiguousIds?: ReadonlySet<string>;
  /** Raw original lines the simulator replaced with garbage (`sim.faults.malformedLines()`). */
  malformedOriginals?: readonly string[];
  /** Largest number of records one SIEM unit fetched in the run (bounds what a kill re-sends). */
  maxSiemUnitFetched?: number;
  /** MIMECAST_LAG_SECONDS of the run, in ms (default: the setting's default). */
  lagMs?: number;
}

export function checkpointsOf(state: LocalState): Map<string, CheckpointState> {
  const byKey = new Map<string, CheckpointState>();
  for (const [id, value] of Object.entries(state.entities)) {
    const key = id.replace(/^@[^@]*@/, "");
    byKey.set(key, value as CheckpointState);
  }
  return byKey;
}

/** The local engine's store as plain values (only while no host runs on `dataDir`). */
export function readState(dataDir: string): LocalState {
  return readStoreSnapshot(dataDir);
}

export function account(input: AccountingInput): Accounting {
  const violations: string[] = [];
  const checkpoints = checkpointsOf(input.state);
  const malformed = new Set(input.malformedOriginals ?? []);
  const lostToMalformed = new Set<string>();
  const index = new Map<string, Meta>();
  /** Ground-truth events that share an EventId with another (the simulator can draw the same id twice). */
  const sameId = new Map<string, number>();
  const dayStart = Math.floor(input.startMs / DAY_MS) * DAY_MS;
  const lagMs = input.lagMs ?? DEFAULT_LAG_MS;
  const lateHorizonMs = DEFAULT_LATE_HORIZON_MS;

  for (const feedId of COVERED_FEEDS) {
    const feed = feedById(feedId)!;
    const take = (
      query: Parameters<Simulator["groundTruth"]>[1],
      scopeEnd: number,
      type?: string,
      // Batch may have read (and dead-lettered) files beyond a stream-owned type's settled point.
      readEnd = scopeEnd,
    ): void => {
      for (const event of input.sim.groundTruth(feedId as FeedKey, query)) {
        const id = groundTruthEventId(feed, event);
        const at = query.basis === "publish" ? event.publishTime : event.eventTime;
        // A late event is only "pending" while a sweep of its window after its publication may still
        // be ahead. Its window's last sweep runs at windowEnd + horizon, and an event published after the
        // first read has publishTime > windowEnd; so one published more than horizon + slack before the
        // end of the run must have been delivered, and missing it is a violation like any other.
        const late =
          query.basis !== "publish" &&
          event.publishTime > event.eventTime + lagMs &&
          event.publishTime > input.endMs - lateHorizonMs - SWEEP_SLACK_MS;
        if (index.has(id)) sameId.set(id, (sameId.get(id) ?? 1) + 1);
        index.set(id, { feed: feedId, ...(type ? { type } : {}), at, inScope: at < scopeEnd, late });
        if (malformed.size > 0 && at < readEnd && malformed.has(JSON.stringify(event.record)))
          lostToMalformed.add(id);
      }
    };
    if (feed.source === "siem-batch") {
      for (const [key, state] of checkpoints) {
        if (!key.startsWith(`${feedId}~`)) continue;
        // Cursor keys spell "url protect" as "url-protect".
        const type = feed.window.types.find((t) => t.replace(/ /g, "-") === key.slice(feedId.length + 1));
        if (type === undefined) throw new Error(`no SIEM type for cursor ${key}`);
        if (state.lastRun?.outcome !== "completed") {
          violations.push(`${key}: last unit ${state.lastRun?.outcome ?? "never ran"}, not caught up`);
          continue;
        }
        // A caught-up listing at lastRun.at holds every file whose 15-minute slot had ended.
        const caughtUp = Math.floor(state.lastRun.at / SLOT_MS) * SLOT_MS;
        // A type the stream owns has delivered everything before its settled point; later events may
        // still await a sweep of the stream (src/ingest/siemOwner.ts).
        const cursor = state.cursor;
        const settled =
          isOwnerCursor(cursor) && cursor.owner === "stream" && cursor.stream
            ? settledPoint(cursor.stream, lateHorizonMs, sweepAges(lateHorizonMs).length)
            : Number.POSITIVE_INFINITY;
        const query = { from: dayStart, to: input.endMs, basis: "publish" as const, type };
        take(query, Math.min(caughtUp, settled), type, caughtUp);
      }
    } else {
      const watermark = checkpoints.get(feedId)?.watermark;
      if (watermark === undefined) {
        violations.push(`${feedId}: no watermark`);
        continue;
      }
      // Events not yet published when the run ended were visible to no one: not expected.
      take(
        { from: input.startMs, to: Math.max(input.endMs, watermark), publishedBy: input.endMs },
        watermark,
      );
    }
  }

  // Expected and missing.
  let expected = 0;
  let missing = 0;
  let lateMissed = 0;
  const missingSample: string[] = [];
  for (const [id, meta] of index) {
    if (!meta.inScope) continue;
    expected += 1;
    if (!input.ledger.ids.has(id) && !lostToMalformed.has(id)) {
      if (meta.late) {
        lateMissed += 1;
        continue;
      }
      missing += 1;
      if (missingSample.length < 3)
        missingSample.push(
          `${meta.feed}${meta.type ? `~${meta.type}` : ""} ${new Date(meta.at).toISOString()}`,
        );
    }
  }

  // Duplicates, explained or not.
  const interrupted = input.state.interrupted ?? [];
  const resentByUnit = new Map<InterruptedUnit, number>();
  let duplicated = 0;
  let ambiguous = 0;
  let crashResent = 0;
  let beyond = 0;
  let unknown = 0;
  const dupSample: string[] = [];
  for (const [id, count] of input.ledger.ids) {
    const meta = index.get(id);
    if (!meta) unknown += 1;
    else if (!meta.inScope) beyond += 1;
    const allowed = sameId.get(id) ?? 1;
    if (count <= allowed) continue;
    const extra = count - allowed;
    if (input.ambiguousIds?.has(id)) {
      ambiguous += extra;
      continue;
    }
    const unit = meta ? interrupted.find((u) => contains(u, meta)) : undefined;
    if (unit) {
      crashResent += extra;
      resentByUnit.set(unit, (resentByUnit.get(unit) ?? 0) + extra);
      continue;
    }
    duplicated += extra;
    if (dupSample.length < 3) dupSample.push(meta ? `${meta.feed} ${new Date(meta.at).toISOString()}` : id);
  }

  let maxResentPerUnit = 0;
  for (const [unit, resent] of resentByUnit) {
    maxResentPerUnit = Math.max(maxResentPerUnit, resent);
    // A SIEM cursor's duplicates are attributed to its first interrupted unit: every interrupted unit
    // of that cursor may have re-sent its own budget's worth.
    const sameCursor =
      unit.unit.kind === "siem-day" ? interrupted.filter((u) => u.unit.key === unit.unit.key).length : 1;
    const bound = sameCursor * resendBound(unit, index, input.maxSiemUnitFetched);
    if (resent > bound)
      violations.push(
        `interrupted unit ${describeUnit(unit)} re-sent ${resent} rows, above its bound ${bound}`,
      );
  }

  const deadLettered = input.ledger.deadLetters.size;
  // A malformed line in a download that a truncated-gzip or reset fault cut before it was never seen;
  // the retry re-downloaded the file and got the original record, which was ingested as a row. Only
  // lines that actually reached the connector malformed can be dead-lettered.
  // A line dead-lettered in one download can also come back good in a re-download that resumed before it
  // (dead-letters are stored before the rows around them): then it is both a dead-letter and a row. So
  // every injected line whose record never arrived as a row must be a dead-letter, and no more
  // dead-letters than injected lines may exist.
  const servedGood = [...lostToMalformed].filter((id) => input.ledger.ids.has(id)).length;
  const totalMalformed = input.malformedOriginals?.length ?? 0;
  const injectedMalformed = totalMalformed - servedGood;
  if (missing > 0) violations.push(`${missing} events missing (e.g. ${missingSample.join("; ")})`);
  if (duplicated > 0) violations.push(`${duplicated} unexplained duplicates (e.g. ${dupSample.join("; ")})`);
  if (deadLettered < injectedMalformed || deadLettered > totalMalformed)
    violations.push(
      `${deadLettered} dead-lettered, but ${injectedMalformed}–${totalMalformed} lines reached the connector malformed`,
    );
  if (unknown > 0) violations.push(`${unknown} ingested EventIds are in no ground truth`);
  if (input.ledger.withoutEventId > 0) violations.push(`${input.ledger.withoutEventId} rows without EventId`);

  return {
    expected,
    ingested: input.ledger.rows,
    missing,
    lateMissed,
    duplicated,
    ambiguous,
    crashResent,
    deadLettered,
    injectedMalformed,
    beyond,
    unknown,
    withoutEventId: input.ledger.withoutEventId,
    torn: input.ledger.torn,
    interrupted: interrupted.length,
    maxResentPerUnit,
    violations,
  };
}

function contains(interrupted: InterruptedUnit, meta: Meta): boolean {
  const unit = interrupted.unit;
  if (unit.feedId !== meta.feed) return false;
  if (unit.kind === "time-window") return meta.at >= unit.from && meta.at < unit.to;
  if (unit.kind === "siem-day") return unit.type === meta.type;
  return false;
}

/**
 * What one interrupted unit can have sent before the kill: a window's events, or a SIEM unit's
 * budget worth (the most any SIEM unit fetched in the run) plus the segment it may overrun by.
 */
function resendBound(interrupted: InterruptedUnit, index: Map<string, Meta>, maxSiem = 0): number {
  const unit = interrupted.unit;
  if (unit.kind === "time-window") {
    let n = 0;
    for (const meta of index.values()) if (contains(interrupted, meta)) n += 1;
    return n;
  }
  return maxSiem + SIEM_SEGMENT_RECORDS;
}

function describeUnit(interrupted: InterruptedUnit): string {
  const unit = interrupted.unit;
  return unit.kind === "time-window"
    ? `${unit.key} ${new Date(unit.from).toISOString()}..${new Date(unit.to).toISOString()}`
    : unit.key;
}
