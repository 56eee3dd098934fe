/**
 * The time-windowed JSON log endpoints (DLP, TTP ×3, audit, held release, archive search). They share one
 * behaviour: a `[from, to)` window on event time, newest first unless `oldestFirst`, only events already
 * published, and page tokens that pin the query and the "as of" instant so paging is stable.
 */
import { hashString } from "../core/random";
import { isInteger } from "../core/signed-token";
import { DAY_MS, parseMimecastTime, startOfUtcDay } from "../core/time-format";
import type { EventPosition, EventUniverse } from "../core/universe";
import { REMEDIATION_DETAIL_FIELDS } from "../feeds/newer-log-records";
import type { FeedKey, LogRecord } from "../feeds/types";
import type { Handler } from "../http/context";
import { canonicalJson, isEnvelopeError, pageSizeOf, readEnvelope } from "../http/json-request";
import type { MimecastError } from "../http/responses";
import { functionFail, json } from "../http/responses";

export interface WindowedLogSpec {
  feed: FeedKey;
  fromField: string;
  toField: string;
  /** Key under `data[0]` holding the records; `null` when records are `data[]` itself (audit). */
  recordsKey: string | null;
  /** Audit requires both bounds and exactly one `data` item; the others default to "today so far". */
  strict: boolean;
  /** Oldest start accepted (audit: 60 days), with the error Mimecast returns beyond it. */
  maxLookback?: { ms: number; error: MimecastError };
  /** Extra fields next to the records in `data[0]` (impersonation's `resultCount`). */
  withRecords?: (records: LogRecord[]) => Record<string, unknown>;
  /** Fields the list leaves out (a details endpoint serves them). */
  omit?: readonly string[];
}

const impersonationCount = (records: LogRecord[]): Record<string, unknown> => ({
  resultCount: records.length,
});

export const WINDOWED_LOG_ENDPOINTS: Readonly<Record<string, WindowedLogSpec>> = {
  "/api/dlp/get-logs": {
    feed: "dlp",
    fromField: "from",
    toField: "to",
    recordsKey: "dlpLogs",
    strict: false,
  },
  "/api/ttp/url/get-logs": {
    feed: "ttp-url",
    fromField: "from",
    toField: "to",
    recordsKey: "clickLogs",
    strict: false,
  },
  "/api/ttp/attachment/get-logs": {
    feed: "ttp-attachment",
    fromField: "from",
    toField: "to",
    recordsKey: "attachmentLogs",
    strict: false,
  },
  "/api/ttp/impersonation/get-logs": {
    feed: "ttp-impersonation",
    fromField: "from",
    toField: "to",
    recordsKey: "impersonationLogs",
    strict: false,
    withRecords: impersonationCount,
  },
  "/api/audit/get-audit-events": {
    feed: "audit",
    fromField: "startDateTime",
    toField: "endDateTime",
    recordsKey: null,
    strict: true,
    maxLookback: {
      ms: 60 * DAY_MS,
      error: {
        code: "err_audit_historical_lookup_restricted",
        message: "Historical lookup is restricted to the last 60 days.",
      },
    },
  },
  "/api/gateway/get-held-release-logs": {
    feed: "message-release",
    fromField: "start",
    toField: "end",
    recordsKey: "heldReleaseLogs",
    strict: false,
  },
  "/api/archive/get-archive-search-logs": {
    feed: "archive-search",
    fromField: "start",
    toField: "end",
    recordsKey: "logs",
    strict: false,
  },
  "/api/gateway/get-rejections": {
    feed: "rejections",
    fromField: "start",
    toField: "end",
    recordsKey: "rejections",
    strict: false,
  },
  "/api/archive/get-view-logs": {
    feed: "archive-view-logs",
    fromField: "start",
    toField: "end",
    recordsKey: null,
    strict: false,
  },
  "/api/ttp/remediation/find-incidents": {
    feed: "remediation-incidents",
    fromField: "start",
    toField: "end",
    recordsKey: "incidents",
    strict: false,
    omit: REMEDIATION_DETAIL_FIELDS,
  },
};

interface PageCursor {
  /** Hash of path + filter body: the query the token belongs to. */
  q: number;
  /** "As of" instant: only events published by then are paged, whatever the clock does meanwhile. */
  a: number;
  f: number;
  t: number;
  desc: boolean;
  /** Total matching records, fixed on the first page. */
  n: number;
  /** Position of the last record served. */
  s?: number;
  i?: number;
}

const INVALID_TOKEN: MimecastError = {
  code: "err_validation_page_token_invalid",
  message: "The page token is invalid or does not belong to this query.",
};

export function windowedLogHandler(path: string, spec: WindowedLogSpec): Handler {
  return (request, sim) => {
    const envelope = readEnvelope(request);
    if (isEnvelopeError(envelope)) return functionFail(envelope);
    if (spec.strict && envelope.items.length !== 1) {
      return functionFail({
        code: "err_validation_data_count",
        message: "data must contain exactly 1 item.",
      });
    }
    const item = envelope.items[0] ?? {};
    const queryHash = hashString(`${path}\u0000${canonicalJson(item)}`);

    let cursor: PageCursor;
    if (envelope.pageToken !== undefined) {
      const decoded = decodeCursor(sim.signer.decode("page", envelope.pageToken));
      if (!decoded || decoded.q !== queryHash) return functionFail(INVALID_TOKEN, item);
      cursor = decoded;
    } else {
      const window = resolveWindow(spec, item, request.now);
      if ("code" in window) return functionFail(window, item);
      cursor = {
        q: queryHash,
        a: request.now,
        f: window.from,
        t: window.to,
        desc: item.oldestFirst !== true,
        n: 0,
      };
      cursor.n = countVisible(sim.universe, spec.feed, cursor);
    }

    const stream = sim.universe.stream(spec.feed);
    const after: EventPosition | undefined =
      cursor.s !== undefined && cursor.i !== undefined ? { slot: cursor.s, index: cursor.i } : undefined;
    const pageSize = Math.min(pageSizeOf(envelope), sim.options.maxPageSize);
    const records: LogRecord[] = [];
    let last: EventPosition | undefined;
    let more = false;
    const events = sim.universe.byEventTime(stream, {
      from: cursor.f,
      to: cursor.t,
      descending: cursor.desc,
      after,
      visibleAt: cursor.a,
    });
    for (const sk of events) {
      if (records.length === pageSize) {
        more = true;
        break;
      }
      records.push(withoutFields(sim.universe.materialize(stream, sk).record, spec.omit));
      last = sk;
    }

    const pagination: Record<string, unknown> = { pageSize: records.length, totalCount: cursor.n };
    if (more && last) pagination.next = sim.signer.encode("page", { ...cursor, s: last.slot, i: last.index });
    const data =
      spec.recordsKey === null ? records : [{ [spec.recordsKey]: records, ...spec.withRecords?.(records) }];
    return json(200, { meta: { status: 200, pagination }, data, fail: [] });
  };
}

function resolveWindow(
  spec: WindowedLogSpec,
  item: Record<string, unknown>,
  now: number,
): { from: number; to: number } | MimecastError {
  const rawFrom = item[spec.fromField];
  const rawTo = item[spec.toField];
  if (spec.strict && (rawFrom === undefined || rawTo === undefined)) {
    return {
      code: "err_validation_required_field_missing",
      message: `${spec.fromField} and ${spec.toField} are required.`,
    };
  }
  const from = rawFrom === undefined ? startOfUtcDay(now) : parseMimecastTime(rawFrom);
  const to = rawTo === undefined ? now : parseMimecastTime(rawTo);
  if (Number.isNaN(from) || Number.isNaN(to)) {
    return {
      code: "err_validation_invalid_date",
      message: "Dates must look like yyyy-MM-dd'T'HH:mm:ssZ, e.g. 2024-10-17T02:06:50+0000.",
    };
  }
  if (to < from)
    return {
      code: "err_validation_invalid_date_range",
      message: `${spec.toField} is before ${spec.fromField}.`,
    };
  if (spec.maxLookback && from < now - spec.maxLookback.ms) return spec.maxLookback.error;
  return { from, to };
}

function countVisible(universe: EventUniverse, feed: FeedKey, cursor: PageCursor): number {
  let n = 0;
  for (const _ of universe.byEventTime(universe.stream(feed), {
    from: cursor.f,
    to: cursor.t,
    visibleAt: cursor.a,
  }))
    n++;
  return n;
}

function decodeCursor(payload: Record<string, unknown> | null): PageCursor | null {
  if (!payload) return null;
  const { q, a, f, t, desc, n, s, i } = payload;
  if (
    !isInteger(q) ||
    !isInteger(a) ||
    !isInteger(f) ||
    !isInteger(t) ||
    !isInteger(n) ||
    typeof desc !== "boolean"
  )
    return null;
  if (!isInteger(s) || !isInteger(i)) return null;
  return { q, a, f, t, desc, n, s, i };
}

/** A copy of `record` without `fields` (the record itself when there are none). */
export function withoutFields(record: LogRecord, fields: readonly string[] | undefined): LogRecord {
  if (!fields || fields.length === 0) return record;
  const copy: LogRecord = { ...record };
  for (const field of fields) delete copy[field];
  return copy;
}
