import { redactPresignedUrl } from "./batchFile";
import type { MimecastClient } from "./client";
import type { JsonEndpoint, SiemBatchKind } from "./endpoints";
import { SIEM_BATCH_FAMILY, SIEM_BATCH_MAX_PAGE_SIZE, SIEM_BATCH_PATH } from "./endpoints";
import { MimecastBadResponseError, MimecastTransientError } from "./errors";
import type { JsonEnvelope } from "./responses";
import { isRecord } from "./responses";

/** One page of a JSON endpoint, with what a consumer needs to resume after it. */
export interface JsonPage<T = Record<string, unknown>> {
  records: T[];
  /** Token that fetched this page (undefined for the first page): resume here to re-read it. */
  requestToken?: string;
  /** Token for the following page; undefined on the last page. Resume here once this page is safe. */
  nextToken?: string;
  pageNumber: number;
  totalCount?: number;
}

export interface PaginateJsonOptions {
  /** Filter object sent as `data[0]` on every page (Mimecast binds page tokens to the query). */
  filter?: Record<string, unknown>;
  pageSize?: number;
  /** Resume from a token saved earlier. */
  pageToken?: string;
  /** Safety bound: no endpoint legitimately pages forever. */
  maxPages?: number;
}

const DEFAULT_MAX_PAGES = 100_000;

/**
 * Pages through a JSON `/api/...` endpoint: `meta.pagination.pageToken` in, `meta.pagination.next` out,
 * the same `data` filter on every page. Responses whose token or records look wrong raise
 * `MimecastBadResponseError` instead of looping.
 */
export async function* paginateJson<T = Record<string, unknown>>(
  client: MimecastClient,
  endpoint: JsonEndpoint,
  options: PaginateJsonOptions = {},
): AsyncGenerator<JsonPage<T>> {
  const pageSize = Math.min(options.pageSize ?? endpoint.maxPageSize, endpoint.maxPageSize);
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  const seenTokens = new Set<string>();
  let token = options.pageToken;
  let replays = 0;
  for (let pageNumber = 1; pageNumber <= maxPages; pageNumber += 1) {
    const body = {
      meta: { pagination: { pageSize, ...(token ? { pageToken: token } : {}) } },
      ...(options.filter ? { data: [options.filter] } : {}),
    };
    const envelope = await client.postJson(endpoint.path, endpoint.family, body);
    const records = extractRecords<T>(endpoint, envelope);
    const next = envelope.meta?.pagination?.next;
    const nextToken = typeof next === "string" && next.length > 0 ? next : undefined;
    if (token !== undefined && nextToken === token && replays < MAX_PAGE_REPLAYS) {
      // The previous page again (its "next" is the token we just sent): ask once more rather than
      // ingest its records twice.
      replays += 1;
      pageNumber -= 1;
      continue;
    }
    if (nextToken !== undefined) {
      if (nextToken === token || seenTokens.has(nextToken)) {
        throw new MimecastBadResponseError(
          `${endpoint.path} returned page token ${abbreviate(nextToken)} again; stopping instead of looping`,
          endpoint.path,
          200,
        );
      }
      seenTokens.add(nextToken);
    }
    const totalCount = envelope.meta?.pagination?.totalCount;
    yield {
      records,
      ...(token ? { requestToken: token } : {}),
      ...(nextToken ? { nextToken } : {}),
      pageNumber,
      ...(typeof totalCount === "number" ? { totalCount } : {}),
    };
    if (!nextToken) return;
    token = nextToken;
  }
  throw new MimecastBadResponseError(
    `${endpoint.path} still had a next page after ${maxPages} pages; stopping`,
    endpoint.path,
    200,
  );
}

/** How often one request may come back as the previous page before that is an error. */
export const MAX_PAGE_REPLAYS = 3;

export function extractRecords<T>(endpoint: JsonEndpoint, envelope: JsonEnvelope): T[] {
  const data = envelope.data;
  if (data === undefined) return [];
  if (!Array.isArray(data)) {
    throw new MimecastBadResponseError(`${endpoint.path}: "data" is not an array`, endpoint.path, 200);
  }
  if (endpoint.recordsPath.in === "data") return data as T[];
  if (data.length === 0) return [];
  const first: unknown = data[0];
  const field = endpoint.recordsPath.field;
  if (!isRecord(first))
    throw new MimecastBadResponseError(`${endpoint.path}: data[0] is not an object`, endpoint.path, 200);
  const records = first[field];
  if (records === undefined) return [];
  if (!Array.isArray(records)) {
    throw new MimecastBadResponseError(
      `${endpoint.path}: data[0].${field} is not an array`,
      endpoint.path,
      200,
    );
  }
  return records as T[];
}

/** A presigned batch file listed by the SIEM batch endpoint. */
export interface BatchFileRef {
  url: string;
  /** ISO time after which the URL answers 403. */
  expiry: string;
  /** Compressed size in bytes. */
  size: number;
}

export interface SiemBatchPage {
  files: BatchFileRef[];
  /** Token that fetched this page (undefined for the first call of a range). */
  requestToken?: string;
  /** `@nextPage`: the per-type cursor to store once every file of this page is safely ingested. */
  nextPage?: string;
  isCaughtUp: boolean;
}

export interface SiemBatchQuery {
  kind: SiemBatchKind;
  type: string;
  /** YYYY-MM-DD (the endpoint is day-granular). */
  from: string;
  /** Last day (inclusive); omitted = open-ended, so a tailing cursor never runs out of range. */
  to?: string;
  pageSize?: number;
  nextPage?: string;
}

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** One call to `GET /siem/v1/batch/events/{cg|ci}`. */
export async function listSiemBatch(client: MimecastClient, query: SiemBatchQuery): Promise<SiemBatchPage> {
  for (let replays = 0; ; replays += 1) {
    const page = await listSiemBatchOnce(client, query);
    // A listing whose @nextPage is the cursor we sent, with files, is the previous page served again:
    // its files are already in. Ask again (bounded) instead of ingesting them twice.
    const replayed =
      query.nextPage !== undefined && page.nextPage === query.nextPage && page.files.length > 0;
    if (!replayed) return page;
    if (replays >= MAX_PAGE_REPLAYS) {
      throw new MimecastTransientError(
        `${SIEM_BATCH_PATH[query.kind]} kept serving the previous listing page; will retry later`,
        SIEM_BATCH_PATH[query.kind],
        200,
      );
    }
  }
}

async function listSiemBatchOnce(client: MimecastClient, query: SiemBatchQuery): Promise<SiemBatchPage> {
  const path = SIEM_BATCH_PATH[query.kind];
  if (!DAY_PATTERN.test(query.from) || (query.to !== undefined && !DAY_PATTERN.test(query.to))) {
    throw new MimecastBadResponseError(
      `SIEM batch date range must be YYYY-MM-DD (got ${query.from}..${query.to ?? ""})`,
      path,
    );
  }
  const pageSize = Math.min(query.pageSize ?? SIEM_BATCH_MAX_PAGE_SIZE, SIEM_BATCH_MAX_PAGE_SIZE);
  const body = await client.getJson(path, SIEM_BATCH_FAMILY[query.kind], {
    type: query.type,
    dateRangeStartsAt: query.from,
    dateRangeEndsAt: query.to,
    pageSize,
    nextPage: query.nextPage,
  });
  if (!isRecord(body) || !Array.isArray(body["value"])) {
    throw new MimecastBadResponseError(`${path}: response has no "value" array`, path, 200);
  }
  const files = uniqueFiles(body["value"].map((item: unknown, i: number) => toFileRef(path, item, i)));
  const next = body["@nextPage"];
  const nextPage = typeof next === "string" && next.length > 0 ? next : undefined;
  const isCaughtUp = body["isCaughtUp"] === true;
  if (!isCaughtUp && files.length > 0 && nextPage === undefined) {
    throw new MimecastBadResponseError(`${path}: a non-final page came without "@nextPage"`, path, 200);
  }
  return {
    files,
    ...(query.nextPage ? { requestToken: query.nextPage } : {}),
    ...(nextPage ? { nextPage } : {}),
    isCaughtUp,
  };
}

/**
 * Mimecast pads listing pages with repeats of one file URL (rapid7 PR #3295): a file is the object
 * path of its presigned URL (the signature may differ), and each is listed — and read — once.
 */
function uniqueFiles(files: BatchFileRef[]): BatchFileRef[] {
  const seen = new Set<string>();
  return files.filter((file) => {
    const key = redactPresignedUrl(file.url);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function toFileRef(path: string, item: unknown, index: number): BatchFileRef {
  if (!isRecord(item) || typeof item["url"] !== "string") {
    throw new MimecastBadResponseError(`${path}: value[${index}] has no url`, path, 200);
  }
  return {
    url: item["url"],
    expiry: typeof item["expiry"] === "string" ? item["expiry"] : "",
    size: typeof item["size"] === "number" ? item["size"] : Number(item["size"] ?? 0),
  };
}

/**
 * Pages through one SIEM type's batch listing until `isCaughtUp` (or an empty page). Each yielded page
 * carries the `@nextPage` cursor to persist after its files are ingested.
 */
export async function* paginateSiemBatch(
  client: MimecastClient,
  query: SiemBatchQuery,
  maxPages = DEFAULT_MAX_PAGES,
): AsyncGenerator<SiemBatchPage> {
  let nextPage = query.nextPage;
  const seen = new Set<string>();
  for (let i = 0; i < maxPages; i += 1) {
    const page = await listSiemBatch(client, { ...query, ...(nextPage ? { nextPage } : {}) });
    if (page.files.length > 0 && page.nextPage !== undefined && !page.isCaughtUp) {
      if (page.nextPage === nextPage || seen.has(page.nextPage)) {
        throw new MimecastBadResponseError(
          `${SIEM_BATCH_PATH[query.kind]} returned cursor ${abbreviate(page.nextPage)} again; stopping instead of looping`,
          SIEM_BATCH_PATH[query.kind],
          200,
        );
      }
      seen.add(page.nextPage);
    }
    yield page;
    if (page.isCaughtUp || page.files.length === 0 || page.nextPage === undefined) return;
    nextPage = page.nextPage;
  }
  throw new MimecastBadResponseError(
    `${SIEM_BATCH_PATH[query.kind]} was not caught up after ${maxPages} pages; stopping`,
    SIEM_BATCH_PATH[query.kind],
    200,
  );
}

function abbreviate(token: string): string {
  return token.length > 16 ? `${token.slice(0, 12)}…` : token;
}
