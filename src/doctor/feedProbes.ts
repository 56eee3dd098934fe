import type {
  FeedSpec,
  JsonWindowFeedSpec,
  SiemBatchFeedSpec,
  SnapshotFeedSpec,
  ThreatIntelFeedSpec,
} from "../feeds/types";
import { formatDay, formatMimecastTime } from "../feeds/time";
import type { MimecastClient } from "../mimecast/client";
import type { JsonEndpoint } from "../mimecast/endpoints";
import { extractRecords, listSiemBatch } from "../mimecast/pagination";
import { isRecord } from "../mimecast/responses";
import { fetchSiemLogsV1 } from "../mimecast/siemV1";
import { fetchThreatIntelFeed } from "../mimecast/threatIntel";
import { feedFailure } from "./mimecastFailures";
import type { DoctorCheck } from "./types";
import { fetchStreamPage } from "../ingest/siemStream";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Short enough to be the smallest request each endpoint takes, long enough to usually hold something. */
const PROBE_WINDOW_MS = HOUR_MS;

export const feedCheckName = (feed: FeedSpec): string => `feed ${feed.id}`;

/**
 * The smallest request of a feed's endpoint (page size 1, a recent window): "ok" when the API answers,
 * else which role permission or product is missing (403), or whether SIEM data looks switched off.
 */
export async function probeFeed(
  client: MimecastClient,
  feed: FeedSpec,
  now: number,
): Promise<{ check: DoctorCheck; error?: unknown }> {
  const name = feedCheckName(feed);
  try {
    const found = await probe(client, feed, now);
    return { check: { name, ...found } };
  } catch (error) {
    // The raw error goes back too: with API 1.0 keys the first probe doubles as the signed auth call.
    return { check: { name, ...feedFailure(error, feed) }, error };
  }
}

type Finding = Omit<DoctorCheck, "name">;

function probe(client: MimecastClient, feed: FeedSpec, now: number): Promise<Finding> {
  switch (feed.source) {
    case "json":
      return probeJsonWindow(client, feed, now);
    case "siem-batch":
      return probeSiemBatch(client, feed, now);
    case "snapshot":
      return probeSnapshot(client, feed);
    case "threat-intel":
      return probeThreatIntel(client, feed, now);
    case "siem-v1":
      return probeSiemV1(client);
  }
}

/** One page of size 1; returns its records. */
async function firstPage(
  client: MimecastClient,
  endpoint: JsonEndpoint,
  filter: Record<string, unknown> | undefined,
): Promise<unknown[]> {
  const envelope = await client.postJson(endpoint.path, endpoint.family, {
    meta: { pagination: { pageSize: 1 } },
    ...(filter ? { data: [filter] } : {}),
  });
  return extractRecords<unknown>(endpoint, envelope);
}

/** The first page of a feed's own pager (REST endpoints such as `/threats/v1/events`). */
async function firstPagerPage(pages: AsyncIterable<{ records: unknown[] }>): Promise<unknown[]> {
  for await (const page of pages) return page.records;
  return [];
}

async function probeJsonWindow(
  client: MimecastClient,
  feed: JsonWindowFeedSpec,
  now: number,
): Promise<Finding> {
  const window = { from: now - PROBE_WINDOW_MS, to: now };
  const records = feed.pages
    ? await firstPagerPage(feed.pages(client, window, { pageSize: 1 }))
    : await firstPage(client, feed.endpoint, feed.filter(window));
  const first = records[0];
  if (feed.enrich && isRecord(first)) {
    // The details endpoint is a second permission: ask it once for the record the list gave.
    const enriched = await feed.enrich(client, first);
    const unavailable = enriched["detailsUnavailable"];
    if (typeof unavailable === "string") {
      return {
        status: "warn",
        detail: `${feed.endpoint.path} answered, but the details of its records did not: ${unavailable}`,
        fix: `rows land without their details; give the API application "${feed.permission}" on the details endpoint too`,
      };
    }
  }
  return {
    status: "ok",
    detail: `${feed.endpoint.path} answered (${records.length > 0 ? "records" : "no records"} in the last hour)`,
  };
}

async function probeSnapshot(client: MimecastClient, feed: SnapshotFeedSpec): Promise<Finding> {
  if (!feed.parent) {
    const records = await firstPage(client, feed.endpoint, feed.filter());
    return {
      status: "ok",
      detail: `${feed.endpoint.path} answered (${records.length > 0 ? "has data" : "empty"})`,
    };
  }
  // Parent then child: both endpoints must be allowed for a snapshot to complete.
  const parents = await firstPage(client, feed.parent.endpoint, undefined);
  const first = parents[0];
  const parentId: unknown = isRecord(first) ? first[feed.parent.idField] : undefined;
  if (typeof parentId !== "string" && typeof parentId !== "number") {
    return {
      status: "ok",
      detail: `${feed.parent.endpoint.path} answered (no record yet, so ${feed.endpoint.path} was not probed)`,
    };
  }
  await firstPage(client, feed.endpoint, feed.filter(String(parentId)));
  return { status: "ok", detail: `${feed.parent.endpoint.path} and ${feed.endpoint.path} answered` };
}

async function probeSiemBatch(
  client: MimecastClient,
  feed: SiemBatchFeedSpec,
  now: number,
): Promise<Finding> {
  const { batchKind, types } = feed.window;
  const type = types[0] ?? "";
  const page = await listSiemBatch(client, {
    kind: batchKind,
    type,
    from: formatDay(now - DAY_MS),
    to: formatDay(now),
    pageSize: 1,
  });
  if (page.files.length > 0) {
    const stream = await probeSiemStream(client, feed, type, now);
    if (stream) return stream;
    return {
      status: "ok",
      detail: `batch listing answered with files for type "${type}" in the last day; the event stream answered too`,
    };
  }
  return {
    status: "warn",
    detail: `no SIEM data: is Enhanced Logging enabled? (the batch listing answered, but lists no "${type}" file for the last day)`,
    fix:
      batchKind === "cg"
        ? "Enable Enhanced Logging (Administration → Account → Account Settings → Enhanced Logging: inbound, outbound and internal); files appear within about an hour"
        : "Check that the Cloud Integrated product is active and receives mail; a quiet tenant can also have no events in a day",
  };
}

/**
 * The event stream (`/siem/v1/events/...`) beside the batch listing: a warning, not a failure, when only
 * it fails — MIMECAST_SIEM_PATH=auto then keeps every type on batch (15 minutes behind instead of ~1).
 */
async function probeSiemStream(
  client: MimecastClient,
  feed: SiemBatchFeedSpec,
  type: string,
  now: number,
): Promise<Finding | undefined> {
  try {
    await fetchStreamPage(client, {
      kind: feed.window.batchKind,
      type,
      from: now - HOUR_MS,
      to: now,
      pageSize: 1,
    });
    return undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      status: "warn",
      detail: `the batch listing answered but the event stream did not (${message.slice(0, 200)}): SIEM stays on the 15-minute batch files`,
      fix: "Check the role's Threat and security events (SIEM) read permission for the stream, or set MIMECAST_SIEM_PATH=batch to silence this",
    };
  }
}

async function probeThreatIntel(
  client: MimecastClient,
  feed: ThreatIntelFeedSpec,
  now: number,
): Promise<Finding> {
  const result = await fetchThreatIntelFeed(client, {
    feedType: feed.feedType,
    fileType: "stix",
    start: formatMimecastTime(now - PROBE_WINDOW_MS),
    end: formatMimecastTime(now),
  });
  return {
    status: "ok",
    detail: `${feed.feedType} feed answered (${result.kind === "empty" ? "no indicators" : "indicators"} in the last hour)`,
  };
}

async function probeSiemV1(client: MimecastClient): Promise<Finding> {
  const result = await fetchSiemLogsV1(client, {});
  if (result.kind === "file") return { status: "ok", detail: `get-siem-logs served file ${result.fileName}` };
  return {
    status: "warn",
    detail: "no SIEM data: is Enhanced Logging enabled? (get-siem-logs answered, but has no file)",
    fix: "Enable Enhanced Logging (Administration → Account → Account Settings → Enhanced Logging: inbound, outbound and internal); files appear within about an hour",
  };
}
