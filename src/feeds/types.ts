import type { FeedId } from "../config/feedIds";
import type { MimecastClient } from "../mimecast/client";
import type { JsonEndpoint, SiemBatchKind } from "../mimecast/endpoints";
import type { JsonPage } from "../mimecast/pagination";
import { ROW_FLAG_COLUMNS } from "../sentinel/limits";
import type { StreamColumn, StreamColumnType } from "../sentinel/streams";

/**
 * A feed is declared as data plus pure functions, one file per feed under `src/feeds/` (like an Airbyte
 * stream). The orchestrator and activities only ever see `FeedSpec`; adding a feed touches its file and
 * one registry line.
 */

/** A declared table column and where its value comes from in the Mimecast record. */
export interface ColumnSpec extends StreamColumn {
  /** Record field (dotted path allowed) the value is read from; defaults to `name`. */
  from?: string;
  /** Optional value conversion (e.g. `type` → legacy `Logtype` label). Must be pure. */
  convert?: (value: unknown, record: Readonly<Record<string, unknown>>) => unknown;
  description?: string;
}

/** How a feed walks through time. */
export type WindowSpec =
  /** JSON endpoint queried with a [from, to) time filter, newest data `lag` behind now. */
  | { kind: "time-window"; maxWindowMs: number }
  /** SIEM batch listing: day-granular ranges and one `@nextPage` cursor per type. */
  | { kind: "siem-day"; batchKind: SiemBatchKind; types: readonly string[] }
  /** Full snapshot on a cadence; every run is tagged with a SnapshotId. */
  | { kind: "snapshot"; cadenceMs: number }
  /** Token chain (API 1.0 SIEM files, threat-intel files): the token is the cursor. */
  | { kind: "token-chain" };

export interface FeedSpecBase {
  id: FeedId;
  title: string;
  /** What the Mimecast API application's role needs (doctor output, README). */
  permission: string;
  /** Default destination table (a setting may rename it) — compatible with the Mimecast 3.1 solution. */
  defaultTable: string;
  window: WindowSpec;
  /** The API will not serve data older than this (e.g. audit 60 days, SIEM 7 days). */
  retentionDays: number;
  /** Event-time field name, for docs; `eventTime()` does the parsing. */
  timeField: string;
  /** Epoch ms of the event's own time, or undefined when unreadable (→ dead-letter). */
  eventTime(record: Readonly<Record<string, unknown>>): number | undefined;
  /** The EventId rule: the record's own id where it has one, else a fingerprint (see eventId.ts). */
  /**
   * `line`: the text the record was parsed from, when it came as one (a SIEM batch line); a feed may
   * take its canonical form from it instead of serialising the record again. Same id either way.
   */
  eventId(record: Readonly<Record<string, unknown>>, line?: string): string;
  /** Feed-specific declared columns (common columns are added by the mapper). */
  columns: readonly ColumnSpec[];
  /** JSON schema every record must pass (ajv); failures go to the dead-letter table. */
  recordSchema: Record<string, unknown>;
}

/** JSON `/api/...` endpoint paged with `pageToken` inside a time window. */
export interface JsonWindowFeedSpec extends FeedSpecBase {
  source: "json";
  endpoint: JsonEndpoint;
  window: { kind: "time-window"; maxWindowMs: number };
  /** The `data[0]` filter for a window (epoch ms, `to` exclusive). */
  filter(window: { from: number; to: number }): Record<string, unknown>;
  /**
   * Pages of a window for an endpoint that is not a POST `/api/...` envelope (e.g. `GET /threats/v1/events`);
   * absent: `paginateJson` over `endpoint` with `filter`. Same contract: stable tokens, no loops.
   */
  pages?: JsonWindowPager;
  /**
   * Completes one record from a second endpoint before it is mapped (e.g. an incident's or a threat
   * event's details). Throws only what the client throws; the unit turns that into a resume point.
   */
  enrich?: (client: MimecastClient, record: Record<string, unknown>) => Promise<Record<string, unknown>>;
}

export type JsonWindowPager = (
  client: MimecastClient,
  window: { from: number; to: number },
  options: { pageToken?: string; pageSize?: number },
) => AsyncIterable<JsonPage>;

/** SIEM batch files (`/siem/v1/batch/events/{cg|ci}`), one cursor per type. */
export interface SiemBatchFeedSpec extends FeedSpecBase {
  source: "siem-batch";
  window: { kind: "siem-day"; batchKind: SiemBatchKind; types: readonly string[] };
}

/**
 * Awareness-training snapshots ("the state today", not events): every run pages the whole endpoint and
 * tags each row with SnapshotId/SnapshotTime. With `parent`, the snapshot is one paged query per parent
 * record (phishing campaigns → each campaign's user data).
 */
export interface SnapshotFeedSpec extends FeedSpecBase {
  source: "snapshot";
  endpoint: JsonEndpoint;
  window: { kind: "snapshot"; cadenceMs: number };
  /** `data[0]` filter (per parent id when `parent` is set). */
  filter(parentId?: string): Record<string, unknown> | undefined;
  /** Fields naming a record inside one snapshot: EventId = fingerprint(SnapshotId + these values). */
  keyFields: readonly string[];
  parent?: {
    endpoint: JsonEndpoint;
    /** Parent field holding the id passed to `filter`. */
    idField: string;
    /** Row field ← parent field, copied onto every child record (e.g. campaignId ← id). */
    inherit: Readonly<Record<string, string>>;
  };
}

/** Mimecast threat-intel STIX files (`malware_customer` / `malware_grid`), one row per indicator. */
export interface ThreatIntelFeedSpec extends FeedSpecBase {
  source: "threat-intel";
  feedType: "malware_customer" | "malware_grid";
  /** Windows of indicator time; inside one, the file token chain is followed to its end. */
  window: { kind: "time-window"; maxWindowMs: number };
}

/** API 1.0 SIEM files (`get-siem-logs`): records normalised to the CG shape before mapping. */
export interface SiemV1FeedSpec extends FeedSpecBase {
  source: "siem-v1";
  window: { kind: "token-chain" };
  /** A 1.0 record (log type from its file name) in SIEM CG 2.0 field names; see siemV1.ts. */
  normalise(record: Readonly<Record<string, unknown>>, fileName: string): Record<string, unknown>;
}

export type FeedSpec =
  JsonWindowFeedSpec | SiemBatchFeedSpec | SnapshotFeedSpec | ThreatIntelFeedSpec | SiemV1FeedSpec;

export type { StreamColumnType };

/** Columns every feed table carries, before the feed's own columns. */
export const COMMON_COLUMNS: readonly StreamColumn[] = [
  { name: "TimeGenerated", type: "datetime" },
  { name: "EventTime", type: "datetime" },
  { name: "EventId", type: "string" },
  { name: "AdditionalFields", type: "dynamic" },
  ...ROW_FLAG_COLUMNS,
];
