/**
 * Threat (detection) events: `GET /threats/v1/events` and `GET /threats/v1/events/{id}/details`.
 *
 * Mimecast's catalogue lists no parameters for the list endpoint; the names used here come from peer code
 * (research §5, low confidence): `timestampRangeStartsAt` / `timestampRangeEndsAt` (ISO-8601 with a
 * zone), `pageSize` ≤ 100. The page token's name is unverified, so the client accepts the shapes the
 * API 2.0 REST endpoints use (`value[]` + `@nextPage`, like `/siem/v1`) and the JSON envelope's
 * (`data[]` + `meta.pagination.next`), and sends the token back as `pageToken`.
 */
import type { MimecastClient } from "./client";
import {
  THREAT_EVENT_DETAILS_FAMILY,
  THREAT_EVENTS_FAMILY,
  THREAT_EVENTS_MAX_PAGE_SIZE,
  THREAT_EVENTS_PATH,
  threatEventDetailsPath,
} from "./endpoints";
import { MimecastBadResponseError, isMimecastError } from "./errors";
import type { JsonPage } from "./pagination";
import { MAX_PAGE_REPLAYS } from "./pagination";
import { isRecord } from "./responses";

type Rec = Record<string, unknown>;

export interface ThreatEventPageOptions {
  pageToken?: string;
  pageSize?: number;
  maxPages?: number;
}

const DEFAULT_MAX_PAGES = 100_000;

/**
 * Pages through the threat events of one range (`timestampRangeStartsAt` / `timestampRangeEndsAt`, as the
 * feed formats them); a token seen twice is an error, never a loop.
 */
export async function* paginateThreatEvents(
  client: MimecastClient,
  range: Readonly<Record<string, string>>,
  options: ThreatEventPageOptions = {},
): AsyncGenerator<JsonPage> {
  const pageSize = Math.min(options.pageSize ?? THREAT_EVENTS_MAX_PAGE_SIZE, THREAT_EVENTS_MAX_PAGE_SIZE);
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  const seen = new Set<string>();
  let token = options.pageToken;
  let replays = 0;
  for (let pageNumber = 1; pageNumber <= maxPages; pageNumber += 1) {
    const body = await client.getJson(THREAT_EVENTS_PATH, THREAT_EVENTS_FAMILY, {
      ...range,
      pageSize: String(pageSize),
      ...(token ? { pageToken: token } : {}),
    });
    const { records, nextToken } = readThreatEventPage(body);
    if (token !== undefined && nextToken === token && replays < MAX_PAGE_REPLAYS) {
      // The previous page again (its next token is the one we sent): ask once more, never ingest it twice.
      replays += 1;
      pageNumber -= 1;
      continue;
    }
    if (nextToken !== undefined) {
      if (nextToken === token || seen.has(nextToken)) {
        throw new MimecastBadResponseError(
          `${THREAT_EVENTS_PATH} returned a page token it had returned before; stopping instead of looping`,
          THREAT_EVENTS_PATH,
          200,
        );
      }
      seen.add(nextToken);
    }
    yield {
      records,
      ...(token ? { requestToken: token } : {}),
      ...(nextToken ? { nextToken } : {}),
      pageNumber,
    };
    if (!nextToken) return;
    token = nextToken;
  }
  throw new MimecastBadResponseError(
    `${THREAT_EVENTS_PATH} still had a next page after ${maxPages} pages; stopping`,
    THREAT_EVENTS_PATH,
    200,
  );
}

/** Records and next token of one list response, in either of the shapes described above. */
export function readThreatEventPage(body: unknown): { records: Rec[]; nextToken?: string } {
  if (!isRecord(body)) {
    throw new MimecastBadResponseError(
      `${THREAT_EVENTS_PATH}: the body is not a JSON object`,
      THREAT_EVENTS_PATH,
      200,
    );
  }
  const list = body["value"] ?? body["data"] ?? body["events"] ?? [];
  if (!Array.isArray(list) || !list.every(isRecord)) {
    throw new MimecastBadResponseError(
      `${THREAT_EVENTS_PATH}: the events are not an array of objects`,
      THREAT_EVENTS_PATH,
      200,
    );
  }
  const meta = body["meta"];
  const pagination = isRecord(meta) ? meta["pagination"] : undefined;
  const next = body["@nextPage"] ?? (isRecord(pagination) ? pagination["next"] : undefined);
  return { records: list, ...(typeof next === "string" && next.length > 0 ? { nextToken: next } : {}) };
}

/** Fields only the details endpoint has (the list carries the verdict, not the message). */
export const THREAT_EVENT_DETAIL_FIELDS = [
  "subject",
  "recipients",
  "attachments",
  "urls",
  "threats",
] as const;

/** Set on a threat event whose details could not be read for good (the event itself still lands). */
export const DETAILS_UNAVAILABLE_FIELD = "detailsUnavailable";

/**
 * Adds what `/threats/v1/events/{id}/details` knows to a list record: the fields the list lacks, never
 * overwriting one it has. A record without a usable id, or whose details answer with a permanent error
 * (e.g. 404: the detection aged out between the list and the details call), is kept with the reason in
 * `detailsUnavailable` — one missing detail never blocks the feed. Rate limits and transient faults
 * propagate, so the unit stops at a resume point and the details are asked for again.
 */
export async function withThreatEventDetails(client: MimecastClient, record: Rec): Promise<Rec> {
  const id = record["id"];
  if (typeof id !== "string" || !/^[A-Za-z0-9_-]+$/.test(id)) {
    return { ...record, [DETAILS_UNAVAILABLE_FIELD]: "the event has no usable id" };
  }
  if (THREAT_EVENT_DETAIL_FIELDS.every((field) => record[field] !== undefined)) return record;
  // The details endpoint serves email detections only (`source` must be EMAIL); a URL detection is complete.
  const source = typeof record["source"] === "string" ? record["source"].toUpperCase() : "EMAIL";
  if (source !== "EMAIL") return record;
  const path = threatEventDetailsPath(id);
  let body: unknown;
  try {
    body = await client.getJson(path, THREAT_EVENT_DETAILS_FAMILY, {
      source,
      pageSize: "100",
    });
  } catch (error) {
    if (isMimecastError(error) && (error.kind === "permanent" || error.kind === "bad-response")) {
      return { ...record, [DETAILS_UNAVAILABLE_FIELD]: error.message };
    }
    throw error;
  }
  const details = detailsOf(body);
  const merged: Rec = { ...record };
  for (const [key, value] of Object.entries(details)) if (merged[key] === undefined) merged[key] = value;
  return merged;
}

function detailsOf(body: unknown): Rec {
  if (!isRecord(body)) return {};
  const data = body["data"] ?? body["value"];
  if (Array.isArray(data)) return isRecord(data[0]) ? data[0] : {};
  return isRecord(data) ? data : body;
}
