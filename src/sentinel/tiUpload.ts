import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createEmptyPipeline,
  createHttpHeaders,
  createPipelineRequest,
} from "@azure/core-rest-pipeline";
import type { HttpClient, Pipeline, PipelineResponse } from "@azure/core-rest-pipeline";
import type { TokenCredential } from "@azure/identity";
import type { Clock } from "../shared/clock";
import { systemClock } from "../shared/clock";

/**
 * Microsoft Sentinel "upload API" for STIX objects (preview; Microsoft Learn "Import threat intelligence
 * to Microsoft Sentinel with the upload API"):
 * `POST {endpoint}/workspaces/{workspaceId}/threat-intelligence-stix-objects:upload?api-version=2024-02-01-preview`,
 * body `{"sourcesystem": "...", "stixobjects": [≤ 100 STIX 2.1 objects]}`, bearer token for
 * `https://management.azure.com/.default` (the identity needs Microsoft Sentinel Contributor on the
 * workspace), 100 requests per minute. The answer is 200 with `{"errors":[{"recordIndex","errorMessages"}]}`
 * for the objects it refused (400 when it refused them all). Objects are upserted by STIX id, so
 * re-sending a batch is harmless. What it accepts lands in the `ThreatIntelIndicators` table (indicators)
 * and `ThreatIntelObjects` (other STIX objects), with `SourceSystem` = `sourcesystem`; the legacy
 * `ThreatIntelligenceIndicator` table got no new data after 31 August 2025 (retired 31 May 2026), so
 * content must query the new tables (docs/content.md).
 */
export const TI_UPLOAD_ENDPOINT = "https://api.ti.sentinel.azure.com";
export const TI_UPLOAD_SCOPE = "https://management.azure.com/.default";
export const TI_UPLOAD_API_VERSION = "2024-02-01-preview";
export const TI_MAX_OBJECTS_PER_REQUEST = 100;
export const TI_REQUESTS_PER_MINUTE = 100;

export interface TiUploadOptions {
  /** Log Analytics workspace id (GUID) of the Sentinel workspace. */
  workspaceId: string;
  /** Managed identity in production (`createAzureCredential`). */
  credential: TokenCredential;
  /** Shown as the indicators' source in Sentinel (the `SourceSystem` column of ThreatIntelIndicators). */
  sourceSystem?: string;
  endpoint?: string;
  scope?: string;
  apiVersion?: string;
  /** Tests pass an in-process client. */
  httpClient?: HttpClient;
  clock?: Clock;
  /** Attempts per batch for 429, 5xx and network errors (default 5). */
  maxAttempts?: number;
  requestsPerMinute?: number;
  timeoutMs?: number;
}

/** An object the service refused, by index into the `objects` passed to `upload`. */
export interface TiRejection {
  index: number;
  reason: string;
}

export interface TiUploadResult {
  /** Objects whose fate is known (accepted or rejected): always a prefix of the input. */
  done: number;
  accepted: number;
  rejected: TiRejection[];
  /** Why the batch starting at `done` could not be sent; absent when everything is done. */
  failure?: {
    message: string;
    retryable: boolean;
    status?: number;
    retryAfterMs?: number;
  };
}

/** A sink for STIX objects; `ingestThreatIntel` needs only this. */
export interface TiUpload {
  upload(objects: readonly Record<string, unknown>[], signal?: AbortSignal): Promise<TiUploadResult>;
}

const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 60_000;

/**
 * Sends STIX objects in sequential batches of ≤ 100, paced to the request quota, retrying 429 (after its
 * Retry-After), 5xx and network errors, and stopping at the first batch that still fails — so what is
 * done is always a prefix and the caller can resume exactly there.
 */
export class TiUploader implements TiUpload {
  private readonly pipeline: Pipeline;
  private readonly httpClient: HttpClient;
  private readonly url: string;
  private readonly sourceSystem: string;
  private readonly clock: Clock;
  private readonly maxAttempts: number;
  private readonly minIntervalMs: number;
  private readonly timeoutMs: number;
  private lastRequestAt: number | undefined;

  constructor(options: TiUploadOptions) {
    const endpoint = (options.endpoint ?? TI_UPLOAD_ENDPOINT).replace(/\/+$/, "");
    if (!endpoint.startsWith("https://"))
      throw new Error(`TI upload endpoint must be https, got ${endpoint}`);
    if (!/^[0-9a-fA-F-]{1,64}$/.test(options.workspaceId)) {
      throw new Error(`workspaceId must be the workspace GUID, got ${JSON.stringify(options.workspaceId)}`);
    }
    const apiVersion = options.apiVersion ?? TI_UPLOAD_API_VERSION;
    this.url = `${endpoint}/workspaces/${options.workspaceId}/threat-intelligence-stix-objects:upload?api-version=${encodeURIComponent(apiVersion)}`;
    this.sourceSystem = options.sourceSystem ?? "Mimecast";
    this.clock = options.clock ?? systemClock;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.minIntervalMs = 60_000 / Math.max(1, options.requestsPerMinute ?? TI_REQUESTS_PER_MINUTE);
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.httpClient = options.httpClient ?? createDefaultHttpClient();
    this.pipeline = createEmptyPipeline();
    this.pipeline.addPolicy(
      bearerTokenAuthenticationPolicy({
        credential: options.credential,
        scopes: options.scope ?? TI_UPLOAD_SCOPE,
      }),
    );
  }

  async upload(objects: readonly Record<string, unknown>[], signal?: AbortSignal): Promise<TiUploadResult> {
    const result: TiUploadResult = { done: 0, accepted: 0, rejected: [] };
    for (let start = 0; start < objects.length; start += TI_MAX_OBJECTS_PER_REQUEST) {
      const batch = objects.slice(start, start + TI_MAX_OBJECTS_PER_REQUEST);
      const outcome = await this.sendBatch(batch, signal);
      if (outcome.kind === "failed") return { ...result, failure: outcome.failure };
      for (const rejection of outcome.rejected) {
        result.rejected.push({ index: start + rejection.index, reason: rejection.reason });
      }
      result.accepted += batch.length - outcome.rejected.length;
      result.done = start + batch.length;
    }
    return result;
  }

  private async sendBatch(
    batch: readonly Record<string, unknown>[],
    signal?: AbortSignal,
  ): Promise<
    | { kind: "done"; rejected: TiRejection[] }
    | { kind: "failed"; failure: NonNullable<TiUploadResult["failure"]> }
  > {
    const body = JSON.stringify({ sourcesystem: this.sourceSystem, stixobjects: batch });
    let last: NonNullable<TiUploadResult["failure"]> = { message: "not sent", retryable: true };
    for (let attempt = 1; attempt <= this.maxAttempts; attempt += 1) {
      if (signal?.aborted)
        return { kind: "failed", failure: { message: "aborted before sending", retryable: true } };
      await this.pace(signal);
      let response: PipelineResponse;
      try {
        response = await this.pipeline.sendRequest(
          this.httpClient,
          createPipelineRequest({
            url: this.url,
            method: "POST",
            headers: createHttpHeaders({ "content-type": "application/json", accept: "application/json" }),
            body,
            timeout: this.timeoutMs,
            ...(signal ? { abortSignal: signal } : {}),
          }),
        );
      } catch (error) {
        // Network error, timeout or no token: the batch may or may not have landed; upserts make a resend safe.
        last = { message: `TI upload request failed: ${messageOf(error)}`, retryable: true };
        if (signal?.aborted) return { kind: "failed", failure: last };
        await this.clock.sleep(backoff(attempt), signal).catch(() => undefined);
        continue;
      }
      const status = response.status;
      if (status === 200 || status === 400) {
        const rejected = perObjectErrors(response.bodyAsText ?? undefined, batch.length);
        if (status === 200) return { kind: "done", rejected };
        if (rejected !== undefined && rejected.length > 0) {
          // All refused: whatever the service did not name was refused with the request.
          const named = new Set(rejected.map((r) => r.index));
          const rest = batch
            .map((_, index) => index)
            .filter((index) => !named.has(index))
            .map((index) => ({ index, reason: "rejected with the whole request (HTTP 400)" }));
          return { kind: "done", rejected: [...rejected, ...rest].sort((a, b) => a.index - b.index) };
        }
        return {
          kind: "failed",
          failure: {
            status,
            retryable: false,
            message: `TI upload refused the request (HTTP 400): ${snippet(response.bodyAsText ?? undefined)}`,
          },
        };
      }
      const retryAfterMs = retryAfterOf(response, this.clock.now());
      last = {
        status,
        retryable: true,
        message: `TI upload answered HTTP ${status} for ${batch.length} objects: ${snippet(response.bodyAsText ?? undefined)}`,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      };
      if (status === 429 || status === 408 || status >= 500) {
        if (attempt < this.maxAttempts) {
          await this.clock.sleep(retryAfterMs ?? backoff(attempt), signal).catch(() => undefined);
        }
        continue;
      }
      // 401/403/404 and the like: configuration (role, workspace id) an operator can fix; retry later.
      return { kind: "failed", failure: last };
    }
    return { kind: "failed", failure: last };
  }

  /** Spreads requests so one uploader stays under the per-minute quota. */
  private async pace(signal?: AbortSignal): Promise<void> {
    const now = this.clock.now();
    if (this.lastRequestAt !== undefined) {
      const wait = this.lastRequestAt + this.minIntervalMs - now;
      if (wait > 0) await this.clock.sleep(wait, signal).catch(() => undefined);
    }
    this.lastRequestAt = this.clock.now();
  }
}

/** `{"errors":[{"recordIndex":n,"errorMessages":[…]}]}` → rejections (recordIndex: 0-based in the batch). */
export function perObjectErrors(text: string | undefined, batchSize: number): TiRejection[] {
  if (!text || text.trim() === "") return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  const errors = isObject(parsed) ? parsed["errors"] : undefined;
  if (!Array.isArray(errors)) return [];
  const out = new Map<number, string>();
  for (const entry of errors) {
    if (!isObject(entry)) continue;
    const index = entry["recordIndex"];
    if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= batchSize) continue;
    const messages = Array.isArray(entry["errorMessages"]) ? entry["errorMessages"].map(String) : [];
    out.set(index, messages.join("; ") || "rejected by the TI upload API");
  }
  return [...out.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, reason]) => ({ index, reason: `ti-upload: ${reason}` }));
}

/** Retry-After in ms: `retry-after-ms` / `x-ms-retry-after-ms`, else `Retry-After` seconds or HTTP date. */
function retryAfterOf(response: PipelineResponse, now: number): number | undefined {
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const value = response.headers.get(name);
    if (value !== undefined && /^\d+$/.test(value.trim())) return Number(value);
  }
  const header = response.headers.get("retry-after");
  if (header === undefined) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header) * 1000;
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

function backoff(attempt: number): number {
  return Math.min(RETRY_BASE_MS * 2 ** (attempt - 1), RETRY_MAX_MS);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function snippet(text: string | undefined): string {
  const t = (text ?? "").replace(/\s+/g, " ").trim();
  return t.length > 300 ? `${t.slice(0, 300)}…` : t || "(empty body)";
}
