/**
 * The fault oracle: what the simulator published against the rows that reached Sentinel, matched by
 * content (inverseMapping.ts), with no help from the connector under test — not its mapping, not its
 * EventIds, not its watermarks or in-flight journal. docs/faults.md ("The oracle") states the rules.
 */
import { createReadStream, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { SETTINGS_SCHEMA } from "../../src/config";
import { FEEDS } from "../../src/feeds";
import type { FeedKey, Simulator } from "../../simulator/index";
import { contentKey, rowKey, TABLES } from "./inverseMapping";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** SIEM batch files cover 15-minute publish slots and appear when their slot ends (docs/simulator.md). */
const SLOT_MS = 15 * MINUTE_MS;
/**
 * Slack behind the last Mimecast request of the run before an event must have arrived: one supervisor
 * cycle (5 min, MIMECAST_SCHEDULE's default) — the last cycle may have read a cursor up to a cycle
 * before the run's last request — plus a SIEM slot for a file to appear.
 */
export const END_SLACK_MS = 5 * MINUTE_MS + SLOT_MS;
/** How long after the late horizon a late event's last sweep may still be ahead (a window plus a cycle). */
const SWEEP_SLACK_MS = 20 * MINUTE_MS;
/**
 * Rows one kill may re-send per cursor when no request log says better: one segment of its in-flight
 * unit (SIEM segments are 2 000 records, JSON pages at most 500).
 */
export const KILL_RESEND_PER_CURSOR = 2_000;
const DEAD_LETTER_TABLE = "MimecastDeadLetter_CL";
/**
 * The SIEM stream's late-event contract (docs/ingestion.md, "SIEM: batch and stream"): the stream reads
 * each 15-minute event-time bucket at the live edge, then again at these fractions of the late horizon
 * after the bucket's end; a late event arrives with the first re-read after its publication. Stated
 * here from the docs, not imported, so a connector that stops re-reading fails the oracle.
 */
const STREAM_BUCKET_MS = 15 * MINUTE_MS;
const STREAM_REREAD_FRACTIONS = [1 / 12, 1 / 4, 1];

/** When the stream's first re-read after a late event's publication happens (undefined: none does). */
export function streamRereadAt(
  eventTime: number,
  publishTime: number,
  horizonMs: number,
): number | undefined {
  const bucketEnd = Math.floor(eventTime / STREAM_BUCKET_MS) * STREAM_BUCKET_MS + STREAM_BUCKET_MS;
  return STREAM_REREAD_FRACTIONS.map((f) => bucketEnd + Math.round(horizonMs * f)).find(
    (at) => at >= publishTime,
  );
}

const settingDefault = (name: "MIMECAST_LAG_SECONDS" | "MIMECAST_LATE_HORIZON_SECONDS"): number =>
  Number((SETTINGS_SCHEMA.properties[name] as { default: number }).default) * 1000;

/** Tables the oracle reads, by the feed whose ground truth fills them. */
const WINDOW_FEEDS = FEEDS.filter((f) => f.source === "json" || f.source === "threat-intel");
const SIEM_FEEDS = FEEDS.filter((f) => f.source === "siem-batch");

interface KeyCount {
  rows: number;
  /** Ambiguous Sentinel calls (stored, then timed out) that carried this content. */
  ambiguousCalls: number;
  /** The first EventId the content arrived with (it must never change). */
  eventId: string;
  /** Generation (process lifetime of a kill run) of its first row. */
  generation: number;
}

/** What reached Sentinel, by content: rows per content key, dead-letters by raw text. */
export class RowLedger {
  readonly keys = new Map<string, KeyCount>();
  /** EventId → content key of its first row (distinct content must never share an EventId). */
  private readonly owners = new Map<string, string>();
  readonly deadLetterRaw = new Set<string>();
  deadLetterRows = 0;
  rows = 0;
  withoutEventId = 0;
  unstableEventIds = 0;
  sharedEventIds = 0;
  /** Rows of a later generation whose content an earlier one had already delivered, per kill and cursor. */
  readonly resentByGeneration = new Map<number, Map<string, number>>();
  /** Rows repeated within one generation beyond what ambiguous calls allow. */
  repeatedInGeneration = 0;
  torn = 0;
  readonly samples: string[] = [];

  /** One row as Sentinel stored it; `ambiguous`: the call it came in was answered with a timeout. */
  add(table: string, row: Readonly<Record<string, unknown>>, ambiguous = false, generation = 0): void {
    if (table === DEAD_LETTER_TABLE) {
      this.deadLetterRows += 1;
      if (typeof row["RawData"] === "string") this.deadLetterRaw.add(row["RawData"]);
      return;
    }
    const key = rowKey(table, row);
    if (key === undefined) return;
    this.rows += 1;
    const eventId = typeof row["EventId"] === "string" ? row["EventId"] : "";
    if (eventId === "") this.withoutEventId += 1;
    const seen = this.keys.get(key);
    if (!seen) {
      this.keys.set(key, { rows: 1, ambiguousCalls: ambiguous ? 1 : 0, eventId, generation });
      const owner = this.owners.get(eventId);
      if (owner === undefined) this.owners.set(eventId, key);
      else if (eventId !== "") this.sharedEventIds += 1;
      return;
    }
    seen.rows += 1;
    if (ambiguous) seen.ambiguousCalls += 1;
    if (seen.eventId !== eventId) {
      this.unstableEventIds += 1;
      if (this.samples.length < 3)
        this.samples.push(`${table}: one record as ${seen.eventId} and ${eventId}`);
    }
    if (generation > seen.generation) {
      const cursor = `${table}${typeof row["type"] === "string" ? `~${row["type"]}` : ""}${typeof row["type_"] === "string" ? `~${row["type_"]}` : ""}${typeof row["Logtype"] === "string" ? `~${row["Logtype"]}` : ""}`;
      const byCursor = this.resentByGeneration.get(generation) ?? new Map<string, number>();
      byCursor.set(cursor, (byCursor.get(cursor) ?? 0) + 1);
      this.resentByGeneration.set(generation, byCursor);
    }
  }

  /**
   * Reads a local sink's NDJSON tables; `generations[t]` lists, per table file, the line counts at which
   * each restarted process began (rows after the i-th boundary are of generation i + 1).
   */
  async readLocalTables(dir: string, generations?: ReadonlyMap<string, readonly number[]>): Promise<void> {
    if (!existsSync(dir)) return;
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ndjson"))) {
      const table = file.replace(/\.ndjson$/, "");
      if (table !== DEAD_LETTER_TABLE && TABLES[table] === undefined) continue;
      const bounds = generations?.get(file) ?? [];
      let line = 0;
      const lines = createInterface({ input: createReadStream(join(dir, file)), crlfDelay: Infinity });
      for await (const text of lines) {
        line += 1;
        if (text === "") continue;
        let row: Record<string, unknown>;
        try {
          row = JSON.parse(text) as Record<string, unknown>;
        } catch {
          this.torn += 1;
          continue;
        }
        this.add(table, row, false, bounds.filter((b) => b < line).length);
      }
    }
  }
}

export interface OracleInput {
  sim: Simulator;
  /** MIMECAST_START_DATE of the run. */
  startMs: number;
  /** Simulated time of the run's last Mimecast request (the simulator's own request log). */
  endMs: number;
  ledger: RowLedger;
  /** Lines the simulator replaced with garbage (`sim.faults.malformedLines()`). */
  malformed?: readonly { file: string; lineNumber: number; text: string; originalLine: string }[];
  lagMs?: number;
  lateHorizonMs?: number;
  /**
   * SIEM types may be on the stream (MIMECAST_SIEM_PATH is not `batch`): a late SIEM event is due only
   * once the stream's re-read after its publication is a sweep's slack behind the end; before that it
   * is pending. On `batch` every event of a listed file is due.
   */
  siemMayStream?: boolean;
  /**
   * Kill runs: the largest request (rows) each table received, from Sentinel's side (the request log).
   * A kill may re-send at most one request per cursor (progress is checkpointed after every request).
   */
  largestRequests?: ReadonlyMap<string, number>;
  /** The feed ids the run enabled (its own MIMECAST_FEEDS); default every feed the oracle knows. */
  feeds?: readonly string[];
}

export interface OracleReport {
  /** Published events the run had to deliver. */
  expected: number;
  ingested: number;
  missing: number;
  /** Late events whose last sweep may still be ahead (neither required nor forbidden). */
  pending: number;
  /** Rows past the scope (published near the end): allowed. */
  beyond: number;
  /** Extra copies no rule allows: must be 0. */
  duplicated: number;
  /** Extra copies of content that travelled in an ambiguous call (at most one per such call). */
  ambiguous: number;
  /** Extra copies a restarted process re-sent (kill runs), and the largest per kill and cursor. */
  crashResent: number;
  maxResentPerKill: number;
  /** Rows whose content no published record has. */
  unknown: number;
  deadLettered: number;
  /** Garbage lines whose record never arrived as a row: each must be a dead-letter. */
  malformedLost: number;
  /** Entries of the simulator's malformed-line log, and the distinct file positions among them. */
  malformedLogged: number;
  malformedPositions: number;
  violations: string[];
}

/** Published events, by content key: how many (the simulator can publish one record twice) and when. */
interface Truth {
  count: number;
  /** Must have arrived by the end of the run. */
  due: boolean;
  pending: boolean;
  what: string;
}

export function oracle(input: OracleInput): OracleReport {
  const lagMs = input.lagMs ?? settingDefault("MIMECAST_LAG_SECONDS");
  const horizonMs = input.lateHorizonMs ?? settingDefault("MIMECAST_LATE_HORIZON_SECONDS");
  const enabled = (feed: { id: string }): boolean =>
    input.feeds === undefined || input.feeds.includes(feed.id);
  const windowFeeds = WINDOW_FEEDS.filter(enabled);
  const siemFeeds = SIEM_FEEDS.filter(enabled);
  const truth = new Map<string, Truth>();
  const perCursorDue = new Map<string, number>();
  const note = (key: string, due: boolean, pending: boolean, what: string, cursor: string): void => {
    const t = truth.get(key);
    if (t) {
      t.count += 1;
      t.due ||= due;
      t.pending &&= pending;
    } else truth.set(key, { count: 1, due, pending, what });
    if (due) perCursorDue.set(cursor, (perCursorDue.get(cursor) ?? 0) + 1);
  };

  // Time-window feeds: every event from the start date whose time the last cycle's `now − lag` had
  // passed (threat intel waits out the late horizon too). A late one is only due once a sweep after its
  // publication has run: its window's last sweep comes a horizon after the window's end.
  for (const feed of windowFeeds) {
    const table = feed.defaultTable;
    const wait = feed.source === "threat-intel" ? Math.max(lagMs, horizonMs) : lagMs;
    const dueBefore = input.endMs - wait - END_SLACK_MS;
    for (const event of input.sim.groundTruth(feed.id as FeedKey, {
      from: input.startMs,
      to: input.endMs,
      publishedBy: input.endMs,
    })) {
      const record =
        feed.source === "threat-intel"
          ? (event.record as unknown as { indicator: Record<string, unknown> }).indicator
          : event.record;
      const late = event.publishTime > event.eventTime + lagMs;
      const pending = late && event.publishTime > input.endMs - horizonMs - SWEEP_SLACK_MS;
      const what = `${feed.id} ${new Date(event.eventTime).toISOString()}`;
      note(contentKey(table, record), event.eventTime < dueBefore && !pending, pending, what, feed.id);
    }
  }
  // SIEM: every file whose publish slot had ended a cycle before the end, from the start date's day.
  const siemDueBefore = Math.floor((input.endMs - END_SLACK_MS) / SLOT_MS) * SLOT_MS;
  for (const feed of siemFeeds) {
    if (feed.window.kind !== "siem-day") continue;
    for (const type of feed.window.types) {
      for (const event of input.sim.groundTruth(feed.id as FeedKey, {
        from: Math.floor(input.startMs / DAY_MS) * DAY_MS,
        to: input.endMs,
        basis: "publish",
        type,
      })) {
        const what = `${feed.id}~${type} published ${new Date(event.publishTime).toISOString()} (event ${new Date(event.eventTime).toISOString()})`;
        const listed = event.publishTime < siemDueBefore;
        const reread =
          input.siemMayStream === true && event.publishTime > event.eventTime
            ? streamRereadAt(event.eventTime, event.publishTime, horizonMs)
            : undefined;
        const pending =
          listed &&
          input.siemMayStream === true &&
          event.publishTime > event.eventTime &&
          (reread === undefined || reread > input.endMs - SWEEP_SLACK_MS);
        note(
          contentKey(feed.defaultTable, event.record),
          listed && !pending,
          pending,
          what,
          `${feed.id}~${type}`,
        );
      }
    }
  }

  const violations: string[] = [];
  // Each cursor had something to deliver, or the run proves nothing about it.
  for (const cursor of [
    ...windowFeeds.map((f) => f.id),
    ...siemFeeds.flatMap((f) =>
      f.window.kind === "siem-day" ? f.window.types.map((t) => `${f.id}~${t}`) : [],
    ),
  ])
    if ((perCursorDue.get(cursor) ?? 0) === 0) violations.push(`${cursor}: no published event was due`);

  // Garbage lines: the record behind each must arrive as a row (a re-download served it good) or its
  // garbage must be a dead-letter; no dead-letter may hold anything but injected garbage.
  const garbageOf = new Map<string, Set<string>>();
  for (const m of input.malformed ?? []) {
    const texts = garbageOf.get(m.originalLine) ?? new Set<string>();
    // The simulator logs binary garbage as latin1; the connector reads the bytes as UTF-8.
    texts.add(Buffer.from(m.text, "latin1").toString("utf8"));
    garbageOf.set(m.originalLine, texts);
  }
  const injectedTexts = new Set([...garbageOf.values()].flatMap((s) => [...s]));
  const replaced = new Map<string, Set<string>>();
  for (const [original, texts] of garbageOf) {
    const record = JSON.parse(original) as Record<string, unknown>;
    replaced.set(contentKey(siemTableOf(record), record), texts);
  }

  let expected = 0;
  let missing = 0;
  let pending = 0;
  let malformedLost = 0;
  const missingSample: string[] = [];
  /** Missing events per feed (or feed~type): one feed's gap must not hide behind another's examples. */
  const missingBy = new Map<string, number>();
  for (const [key, t] of truth) {
    if (t.pending) pending += 1;
    if (!t.due) continue;
    expected += t.count;
    // Byte-identical records (the simulator can draw one twice) cannot be told apart: one row is enough.
    const got = input.ledger.keys.get(key)?.rows ?? 0;
    if (got >= 1) continue;
    const garbage = replaced.get(key);
    if (garbage) {
      malformedLost += 1;
      if ([...garbage].some((text) => input.ledger.deadLetterRaw.has(text))) continue;
      violations.push(`a garbage line replacing ${t.what} reached neither a row nor a dead-letter`);
      continue;
    }
    missing += t.count;
    if (missingSample.length < 3) missingSample.push(t.what);
    const source = t.what.split(" ")[0] ?? "";
    missingBy.set(source, (missingBy.get(source) ?? 0) + t.count);
  }
  if (missing > 0) {
    const by = [...missingBy].map(([source, n]) => `${source} ${n}`).join(", ");
    violations.push(`${missing} published events missing (${by}; e.g. ${missingSample.join("; ")})`);
  }
  const strayDeadLetters = [...input.ledger.deadLetterRaw].filter((raw) => !injectedTexts.has(raw));
  if (strayDeadLetters.length > 0)
    violations.push(
      `${strayDeadLetters.length} dead-letters hold no injected garbage (e.g. ${strayDeadLetters[0]!.slice(0, 120)})`,
    );

  let duplicated = 0;
  let ambiguous = 0;
  let unknown = 0;
  let beyond = 0;
  const dupSample: string[] = [];
  const resentTotal = [...input.ledger.resentByGeneration.values()].flatMap((m) => [...m.values()]);
  const crashResent = resentTotal.reduce((a, b) => a + b, 0);
  for (const [key, got] of input.ledger.keys) {
    const t = truth.get(key);
    if (!t) {
      unknown += got.rows;
      continue;
    }
    if (!t.due) beyond += 1;
    const extra = got.rows - t.count;
    if (extra <= 0) continue;
    const excused = Math.min(extra, got.ambiguousCalls);
    ambiguous += excused;
    duplicated += extra - excused;
    if (extra > excused && dupSample.length < 3) dupSample.push(`${t.what} ×${got.rows}`);
  }
  // Re-sent rows of a restarted process are extra copies too; they are bounded per kill and cursor.
  duplicated = Math.max(0, duplicated - crashResent);
  let maxResentPerKill = 0;
  for (const [generation, byCursor] of input.ledger.resentByGeneration)
    for (const [cursor, n] of byCursor) {
      maxResentPerKill = Math.max(maxResentPerKill, n);
      const table = cursor.split("~")[0]!;
      const bound = input.largestRequests?.get(table) ?? KILL_RESEND_PER_CURSOR;
      const what = input.largestRequests?.has(table) ? "one request" : "one segment";
      if (n > bound)
        violations.push(`kill ${generation}: ${n} rows of ${cursor} re-sent, above ${what} (${bound})`);
    }
  if (duplicated > 0) violations.push(`${duplicated} unexplained duplicates (e.g. ${dupSample.join("; ")})`);
  if (unknown > 0) violations.push(`${unknown} rows match no published record`);
  const ledger = input.ledger;
  if (ledger.withoutEventId > 0) violations.push(`${ledger.withoutEventId} rows without EventId`);
  if (ledger.unstableEventIds > 0)
    violations.push(`${ledger.unstableEventIds} re-sent rows changed EventId (${ledger.samples.join("; ")})`);
  if (ledger.sharedEventIds > 0)
    violations.push(`${ledger.sharedEventIds} distinct records share an EventId`);

  return {
    expected,
    ingested: ledger.rows,
    missing,
    pending,
    beyond,
    duplicated,
    ambiguous,
    crashResent,
    maxResentPerKill,
    unknown,
    deadLettered: ledger.deadLetterRaw.size,
    malformedLost,
    malformedLogged: input.malformed?.length ?? 0,
    malformedPositions: new Set((input.malformed ?? []).map((m) => `${m.file}#${m.lineNumber}`)).size,
    violations,
  };
}

/** The table of a served SIEM record: Cloud Integrated types are its own; the rest are Cloud Gateway. */
function siemTableOf(record: Readonly<Record<string, unknown>>): string {
  const ci = SIEM_FEEDS.find(
    (f) =>
      f.window.kind === "siem-day" && f.window.types.includes(String(record["type"])) && f.id === "siem-ci",
  );
  return ci ? ci.defaultTable : "Seg_Cg_CL";
}
