/**
 * Plain node:http calls for simulator tests: no connection pooling (servers close cleanly), raw bytes and
 * headers exactly as sent. Deliberately independent of the connector's own client.
 */
import { createHmac, randomUUID } from "node:crypto";
import http from "node:http";
import zlib from "node:zlib";
import type { Simulator } from "../../simulator/index";

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
}

export function request(url: string, options: HttpOptions = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: options.method ?? "GET", headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (options.timeoutMs !== undefined) {
      req.setTimeout(options.timeoutMs, () => req.destroy(new Error("client timeout")));
    }
    req.end(options.body);
  });
}

export const jsonOf = <T = Record<string, unknown>>(result: HttpResult): T =>
  JSON.parse(result.body.toString("utf8")) as T;

export async function getToken(sim: Simulator, credentials = sim.credentials.oauth!): Promise<string> {
  const result = await request(`${sim.url}/oauth/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
      grant_type: "client_credentials",
    }).toString(),
  });
  if (result.status !== 200)
    throw new Error(`token request failed: ${result.status} ${result.body.toString()}`);
  return jsonOf<{ access_token: string }>(result).access_token;
}

export function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

export function postJson(
  sim: Simulator,
  path: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<HttpResult> {
  return request(`${sim.url}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

/** API 1.0 signature headers, computed here with node:crypto independently of the simulator's own code. */
export function signV1(
  credentials: NonNullable<Simulator["credentials"]["hmac"]>,
  path: string,
  date: string,
  requestId = randomUUID(),
): Record<string, string> {
  const signature = createHmac("sha1", Buffer.from(credentials.secretKey, "base64"))
    .update(`${date}:${requestId}:${path}:${credentials.appKey}`)
    .digest("base64");
  return {
    Authorization: `MC ${credentials.accessKey}:${signature}`,
    "x-mc-date": date,
    "x-mc-req-id": requestId,
    "x-mc-app-id": credentials.appId,
  };
}

/** `Tue, 24 Nov 2015 12:50:11 UTC` for an epoch-ms instant. */
export function mcDate(ms: number): string {
  return new Date(ms).toUTCString().replace("GMT", "UTC");
}

export function gunzipLines(body: Buffer): string[] {
  return zlib
    .gunzipSync(body)
    .toString("utf8")
    .split("\n")
    .filter((line) => line !== "");
}

export interface JsonPageResult {
  records: Array<Record<string, unknown>>;
  pages: number;
  responses: Array<Record<string, unknown>>;
}

/**
 * Follows `meta.pagination.next` with the same filter body, as a correct client must, and collects records
 * from `data[0][recordsKey]` (or `data[]` when recordsKey is null). Bounded by `maxPages`.
 */
export async function pageAll(
  sim: Simulator,
  path: string,
  filter: Record<string, unknown> | undefined,
  recordsKey: string | null,
  headers: Record<string, string>,
  pageSize = 50,
  maxPages = 1000,
): Promise<JsonPageResult> {
  const records: Array<Record<string, unknown>> = [];
  const responses: Array<Record<string, unknown>> = [];
  let pageToken: string | undefined;
  for (let page = 1; page <= maxPages; page++) {
    const pagination: Record<string, unknown> = { pageSize };
    if (pageToken) pagination.pageToken = pageToken;
    const body = filter === undefined ? { meta: { pagination } } : { meta: { pagination }, data: [filter] };
    const result = await postJson(sim, path, body, headers);
    if (result.status !== 200) throw new Error(`${path} → ${result.status} ${result.body.toString()}`);
    const json = jsonOf<{ meta: { pagination: { next?: string } }; data: unknown[]; fail: unknown[] }>(
      result,
    );
    responses.push(json);
    if (json.fail.length > 0) throw new Error(`${path} failed: ${JSON.stringify(json.fail)}`);
    const pageRecords =
      recordsKey === null ? json.data : ((json.data[0] as Record<string, unknown[]>)[recordsKey] ?? []);
    records.push(...(pageRecords as Array<Record<string, unknown>>));
    pageToken = json.meta.pagination.next;
    if (!pageToken) return { records, pages: page, responses };
  }
  throw new Error(`${path}: more than ${maxPages} pages`);
}

export interface BatchFileEntry {
  url: string;
  expiry: string;
  size: number;
}

export interface BatchListing {
  value: BatchFileEntry[];
  "@nextPage": string;
  isCaughtUp: boolean;
}

export async function listBatch(
  sim: Simulator,
  product: "cg" | "ci",
  query: Record<string, string>,
  token: string,
): Promise<HttpResult> {
  return request(`${sim.url}/siem/v1/batch/events/${product}?${new URLSearchParams(query).toString()}`, {
    headers: bearer(token),
  });
}

/** Pages a SIEM batch listing until `isCaughtUp`, bounded by `maxPages`. */
export async function listAllBatchFiles(
  sim: Simulator,
  product: "cg" | "ci",
  query: Record<string, string>,
  token: string,
  maxPages = 500,
): Promise<{ files: BatchFileEntry[]; pages: number; lastNextPage: string }> {
  const files: BatchFileEntry[] = [];
  let nextPage: string | undefined;
  for (let page = 1; page <= maxPages; page++) {
    const result = await listBatch(sim, product, nextPage ? { ...query, nextPage } : query, token);
    if (result.status !== 200) throw new Error(`listing → ${result.status} ${result.body.toString()}`);
    const listing = jsonOf<BatchListing>(result);
    files.push(...listing.value);
    nextPage = listing["@nextPage"];
    if (listing.isCaughtUp) return { files, pages: page, lastNextPage: nextPage };
  }
  throw new Error(`listing: more than ${maxPages} pages`);
}
