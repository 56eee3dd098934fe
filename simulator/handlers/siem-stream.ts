/**
 * `GET /siem/v1/events/{cg,ci}`: the SIEM event stream — the events of the batch files, inline, as soon as
 * they are published. What the research documents: `dateRangeStartsAt`/`dateRangeEndsAt` at millisecond
 * precision (`YYYY-MM-DDTHH:MM:SS.mmmZ`), a start older than 24 hours is a 400, `types` (plural) filters,
 * events come in `value[]` with `@nextPage` and `isCaughtUp`, and a next page can repeat events of the page
 * before it. What it does not document, the simulator makes an option (`SimulatorOptions.siemStream`): the
 * order (by event time, or by arrival with late events among newer ones) and the quota.
 *
 * Events are the batch files' records minus the file-only `_offset`/`_partition` fields, so batch and
 * stream describe one ground truth and can be reconciled by EventId.
 */
import type { SiemProduct } from "../core/batch-files";
import { SIEM_PRODUCTS } from "../core/batch-files";
import { isInteger } from "../core/signed-token";
import { DAY_MS, MINUTE_MS } from "../core/time-format";
import type { EventSkeleton, EventUniverse, Stream } from "../core/universe";
import type { LogRecord } from "../feeds/types";
import type { ApiRequest, Handler, SimContext, SimResponse } from "../http/context";
import { json, restError } from "../http/responses";

export const STREAM_RETENTION_MS = DAY_MS;
export const MAX_STREAM_PAGE_SIZE = 100;
const MS_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** Chunk of the ordering axis scanned at a time, so a page never materialises the whole 24 hours. */
const SCAN_CHUNK_MS = 15 * MINUTE_MS;
/** Fields that only the batch files carry (their Kafka position). */
export const BATCH_ONLY_FIELDS = ["_offset", "_partition"] as const;

/** Position in the stream's order: (ordering time, type index, event slot, index). */
type Position = [number, number, number, number];

interface StreamCursor {
  product: SiemProduct;
  types: string[];
  start: number;
  /** null: open-ended (up to "now" at every request). */
  end: number | null;
  /** Last event served. */
  pos: Position;
  /** Position before the last page (its events are what a next page may repeat). */
  prev: Position;
}

interface Found {
  pos: Position;
  stream: Stream;
  sk: EventSkeleton;
}

const BEFORE_ALL: Position = [-Infinity, 0, 0, 0];

export function siemStreamHandler(product: SiemProduct): Handler {
  return (request, sim) => {
    const now = request.now;
    const pageSizeText = request.query.get("pageSize");
    const pageSize = pageSizeText === null ? MAX_STREAM_PAGE_SIZE : Number(pageSizeText);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_STREAM_PAGE_SIZE) {
      return restError(400, "invalid_page_size", `pageSize must be between 1 and ${MAX_STREAM_PAGE_SIZE}.`);
    }
    const types = parseTypes(product, request.query.get("types"));
    if (typeof types === "string") return restError(400, "invalid_types", types);
    const nextPage = request.query.get("nextPage");
    let cursor: StreamCursor;
    let isNext = false;
    if (nextPage) {
      const decoded = decodeCursor(sim.signer.decode("siem-stream", nextPage));
      if (!decoded || decoded.product !== product || decoded.types.join(",") !== types.join(",")) {
        return restError(400, "invalid_next_page", "nextPage is invalid or belongs to another type list.");
      }
      cursor = decoded;
      isNext = true;
    } else {
      const range = parseRange(request);
      if ("message" in range) return restError(400, "invalid_date_range", range.message);
      cursor = { product, types, start: range.start, end: range.end, pos: BEFORE_ALL, prev: BEFORE_ALL };
    }
    if (cursor.start < now - STREAM_RETENTION_MS) {
      return restError(
        400,
        "date_range_out_of_retention",
        "dateRangeStartsAt must be within the last 24 hours.",
      );
    }
    // A server may serve fewer than asked: `maxPageSize` caps stream pages as it caps JSON ones.
    return servePage(request, sim, cursor, Math.min(pageSize, sim.options.maxPageSize), isNext);
  };
}

function servePage(
  request: ApiRequest,
  sim: SimContext,
  cursor: StreamCursor,
  pageSize: number,
  isNext: boolean,
): SimResponse {
  const { repeatsPerPage } = sim.options.siemStream;
  const fault = isNext
    ? sim.faults.take(["stream-repeat"], {
        family: familyOf(cursor.product),
        path: request.path,
        method: "GET",
      })
    : undefined;
  const repeatCount = !isNext ? 0 : fault ? (fault.count ?? pageSize) : repeatsPerPage;
  const repeats =
    repeatCount > 0
      ? scan(sim, cursor, cursor.prev, request.now, Number.POSITIVE_INFINITY, cursor.pos).slice(-repeatCount)
      : [];
  const want = Math.max(1, pageSize - repeats.length);
  const found = scan(sim, cursor, cursor.pos, request.now, want + 1);
  const fresh = found.slice(0, want);
  const last = fresh[fresh.length - 1];
  const next: StreamCursor = last ? { ...cursor, pos: last.pos, prev: cursor.pos } : cursor;
  const value = [...repeats, ...fresh].map((f) => streamRecord(sim.universe, f));
  return json(200, {
    value,
    "@nextPage": sim.signer.encode("siem-stream", { ...next }),
    pageSize,
    isCaughtUp: found.length <= want,
  });
}

/** The stream's form of an event: the batch line without the file-only fields. */
export function streamRecord(universe: EventUniverse, found: Pick<Found, "stream" | "sk">): LogRecord {
  const record: LogRecord = { ...universe.materialize(found.stream, found.sk).record };
  for (const field of BATCH_ONLY_FIELDS) delete record[field];
  return record;
}

/**
 * Up to `limit` visible events after `after` (and not after `through`), in stream order. Scans the
 * ordering axis chunk by chunk: in `arrival` order a chunk is [t, t+chunk) of publish times.
 */
function scan(
  sim: SimContext,
  cursor: StreamCursor,
  after: Position,
  now: number,
  limit: number,
  through?: Position,
): Found[] {
  const { universe } = sim;
  const arrival = sim.options.siemStream.ordering === "arrival";
  const end = Math.min(cursor.end ?? Number.POSITIVE_INFINITY, now + 1);
  const out: Found[] = [];
  const streams = cursor.types.map((type) => universe.stream(SIEM_PRODUCTS[cursor.product].feed, type));
  for (let from = Math.max(cursor.start, after[0]); from < end && out.length < limit; from += SCAN_CHUNK_MS) {
    const to = Math.min(from + SCAN_CHUNK_MS, end);
    const chunk: Found[] = [];
    streams.forEach((stream, typeIndex) => {
      const skeletons = arrival
        ? universe.byPublishTime(stream, from, to)
        : universe.byEventTime(stream, { from, to, visibleAt: now });
      for (const sk of skeletons) {
        if (sk.publishTime > now) continue;
        const pos: Position = [arrival ? sk.publishTime : sk.eventTime, typeIndex, sk.slot, sk.index];
        if (compare(pos, after) <= 0 || (through && compare(pos, through) > 0)) continue;
        chunk.push({ pos, stream, sk });
      }
    });
    chunk.sort((a, b) => compare(a.pos, b.pos));
    for (const f of chunk) {
      if (out.length >= limit) break;
      out.push(f);
    }
    if (through && from > through[0]) break;
  }
  return out;
}

function compare(a: Position, b: Position): number {
  for (let i = 0; i < 4; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

function familyOf(product: SiemProduct): "siem-stream-cg" | "siem-stream-ci" {
  return product === "cg" ? "siem-stream-cg" : "siem-stream-ci";
}

/** One type, a comma list, or none (every type of the product, as XSOAR sends it). */
function parseTypes(product: SiemProduct, raw: string | null): string[] | string {
  const known = SIEM_PRODUCTS[product].types;
  if (raw === null || raw.trim() === "") return [...known];
  const requested = raw.split(",").map((t) => t.trim());
  const unknown = requested.filter((t) => !known.includes(t));
  if (unknown.length > 0)
    return `Unknown types ${unknown.map((t) => `"${t}"`).join(", ")}. Valid types: ${known.join(", ")}.`;
  return known.filter((t) => requested.includes(t));
}

function parseRange(request: ApiRequest): { start: number; end: number | null } | { message: string } {
  const startText = request.query.get("dateRangeStartsAt");
  const endText = request.query.get("dateRangeEndsAt");
  const format = "formatted YYYY-MM-DDTHH:MM:SS.mmmZ";
  if (startText === null || !MS_TIME.test(startText))
    return { message: `dateRangeStartsAt is required, ${format}.` };
  if (endText !== null && !MS_TIME.test(endText)) return { message: `dateRangeEndsAt must be ${format}.` };
  const start = Date.parse(startText);
  const end = endText === null ? null : Date.parse(endText);
  if (Number.isNaN(start) || (end !== null && Number.isNaN(end))) return { message: "invalid date." };
  if (end !== null && end < start) return { message: "dateRangeEndsAt is before dateRangeStartsAt." };
  return { start, end };
}

function decodeCursor(payload: Record<string, unknown> | null): StreamCursor | null {
  if (!payload) return null;
  const { product, types, start, end, pos, prev } = payload;
  if (product !== "cg" && product !== "ci") return null;
  if (!Array.isArray(types) || !types.every((t): t is string => typeof t === "string")) return null;
  if (!isInteger(start) || !(end === null || isInteger(end))) return null;
  const position = (p: unknown): Position | null =>
    Array.isArray(p) && p.length === 4 && p.every((n) => n === null || typeof n === "number")
      ? // JSON turns -Infinity into null: that is "before everything".
        (p.map((n) => (n === null ? -Infinity : n)) as Position)
      : null;
  const at = position(pos);
  const before = position(prev);
  if (!at || !before) return null;
  return { product, types, start, end, pos: at, prev: before };
}
