/**
 * `GET /threats/v1/events` (a `[timestampRangeStartsAt, timestampRangeEndsAt)` window on event time,
 * oldest first, `pageSize` ≤ 100, a signed `pageToken` pinning the query and its "as of" instant), its
 * `/threats/v1/events/{id}/details`, and `POST /api/ttp/remediation/get-incident`.
 *
 * Mimecast documents neither the list's parameters nor its page token (research §5, unverified); the
 * simulator answers in the shape peer code reads: `data[]`, `total`, and `meta.pagination.next`.
 * The list leaves out what only the details endpoint returns (subject, recipients, files, URLs).
 */
import { isInteger } from "../core/signed-token";
import type { EventPosition } from "../core/universe";
import { THREAT_EVENT_DETAIL_FIELDS, parseSimId } from "../feeds/newer-log-records";
import type { FeedKey, LogRecord } from "../feeds/types";
import type { Handler, SimContext } from "../http/context";
import { isEnvelopeError, readEnvelope } from "../http/json-request";
import { functionFail, json, restError } from "../http/responses";
import { withoutFields } from "./windowed-logs";

export const THREAT_EVENTS_MAX_PAGE_SIZE = 100;
/** Detections are kept 90 days (the stats endpoints' documented limit; assumed for events). */
export const THREAT_EVENTS_RETENTION_MS = 90 * 86_400_000;

interface ThreatCursor {
  f: number;
  t: number;
  /** "As of": events published later are not paged by this query. */
  a: number;
  s: number;
  i: number;
}

export const threatEventsHandler: Handler = (request, sim) => {
  const pageSizeText = request.query.get("pageSize");
  const pageSize = pageSizeText === null ? THREAT_EVENTS_MAX_PAGE_SIZE : Number(pageSizeText);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > THREAT_EVENTS_MAX_PAGE_SIZE) {
    return restError(
      400,
      "invalid_page_size",
      `pageSize must be an integer between 1 and ${THREAT_EVENTS_MAX_PAGE_SIZE}.`,
    );
  }
  const rawFrom = request.query.get("timestampRangeStartsAt");
  const rawTo = request.query.get("timestampRangeEndsAt");
  if (rawFrom === null) return restError(400, "missing_parameter", "timestampRangeStartsAt is required.");
  const from = parseZonedIso(rawFrom);
  const to = rawTo === null ? request.now : parseZonedIso(rawTo);
  if (from === undefined || to === undefined) {
    return restError(
      400,
      "invalid_timestamp",
      "Timestamps must be ISO-8601 with a time zone, e.g. 2026-04-01T10:00:00.000Z.",
    );
  }
  if (to < from)
    return restError(400, "invalid_range", "timestampRangeEndsAt is before timestampRangeStartsAt.");
  if (from < request.now - THREAT_EVENTS_RETENTION_MS) {
    return restError(400, "range_too_old", "Threat events are only available for the last 90 days.");
  }

  const token = request.query.get("pageToken");
  let cursor: ThreatCursor | undefined;
  if (token) {
    cursor = decodeCursor(sim.signer.decode("threat-events", token));
    if (!cursor || cursor.f !== from || cursor.t !== to) {
      return restError(400, "invalid_page_token", "pageToken is invalid or belongs to another query.");
    }
  }
  const asOf = cursor?.a ?? request.now;
  const after: EventPosition | undefined = cursor ? { slot: cursor.s, index: cursor.i } : undefined;
  const stream = sim.universe.stream("threat-events");
  const records: LogRecord[] = [];
  let last: EventPosition | undefined;
  let more = false;
  for (const sk of sim.universe.byEventTime(stream, { from, to, after, visibleAt: asOf })) {
    if (records.length === pageSize) {
      more = true;
      break;
    }
    const record = sim.universe.materialize(stream, sk).record;
    // Email detections come thin (their details are a second call); URL detections have no details.
    records.push(record["source"] === "email" ? withoutFields(record, THREAT_EVENT_DETAIL_FIELDS) : record);
    last = sk;
  }
  const next =
    more && last
      ? sim.signer.encode("threat-events", { f: from, t: to, a: asOf, s: last.slot, i: last.index })
      : undefined;
  return json(200, {
    meta: { status: 200, pagination: { pageSize: records.length, ...(next ? { next } : {}) } },
    data: records,
    total: records.length,
  });
};

export const threatEventDetailsHandler: Handler = (request, sim) => {
  const id = request.path.split("/")[4] ?? "";
  const source = request.query.get("source") ?? "EMAIL";
  if (source !== "EMAIL") return restError(400, "invalid_source", "source must be EMAIL.");
  const found = rebuild(sim, "threat-events", "te", id, request.now);
  if (!found) return restError(404, "not_found", `No detection with id ${id}.`);
  const details: LogRecord = { id };
  for (const field of THREAT_EVENT_DETAIL_FIELDS) details[field] = found[field];
  return json(200, { meta: { status: 200 }, data: [details] });
};

export const getIncidentHandler: Handler = (request, sim) => {
  const envelope = readEnvelope(request);
  if (isEnvelopeError(envelope)) return functionFail(envelope);
  if (envelope.items.length < 1 || envelope.items.length > 25) {
    return functionFail({ code: "err_validation_data_count", message: "data must contain 1 to 25 items." });
  }
  const incidents: LogRecord[] = [];
  for (const item of envelope.items) {
    const id = item["id"];
    const found =
      typeof id === "string" ? rebuild(sim, "remediation-incidents", "rem", id, request.now) : undefined;
    if (!found) {
      return functionFail(
        { code: "err_incident_not_found", message: `No remediation incident ${String(id)}.` },
        item,
      );
    }
    incidents.push(found);
  }
  return json(200, { meta: { status: 200 }, data: incidents, fail: [] });
};

/** The full record behind a position-encoding id, when it exists and is published by `now`. */
function rebuild(
  sim: SimContext,
  feed: FeedKey,
  prefix: string,
  id: string,
  now: number,
): LogRecord | undefined {
  const position = parseSimId(prefix, id);
  if (!position) return undefined;
  const stream = sim.universe.stream(feed);
  const count = sim.universe.count(stream, position.slot);
  if (position.index >= count) return undefined;
  const skeleton = sim.universe.skeleton(stream, position.slot, position.index, count);
  if (skeleton.publishTime > now) return undefined;
  return sim.universe.materialize(stream, skeleton).record;
}

/** ISO-8601 with a mandatory zone (`Z` or `±hh:mm`); undefined otherwise. */
function parseZonedIso(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})$/.test(text))
    return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

function decodeCursor(payload: Record<string, unknown> | null): ThreatCursor | undefined {
  if (!payload) return undefined;
  const { f, t, a, s, i } = payload;
  if (!isInteger(f) || !isInteger(t) || !isInteger(a) || !isInteger(s) || !isInteger(i)) return undefined;
  return { f, t, a, s, i };
}
