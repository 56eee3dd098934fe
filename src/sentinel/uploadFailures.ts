import { isAggregateLogsUploadError } from "@azure/monitor-ingestion";
import { isRestError } from "@azure/core-rest-pipeline";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { boundedPauseMs } from "../shared/pause";
import type { FailedChunk, FailureCode } from "./sink";

/** What a failed request was, for messages: which stream and DCR, and which rows. */
export interface ChunkContext {
  streamName: string;
  ruleId: string;
  endpoint: string;
  audience: string;
  firstIndex: number;
  count: number;
  /** Why the request's signal fired, when it did: the caller aborted, or the chunk's deadline passed. */
  abortReason?: "caller" | "timeout";
  timeoutMs: number;
}

/** Connection errors that happen before a byte is sent: the rows certainly did not land. */
const NOT_DELIVERED_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENOENT"]);
/** @azure/identity's errors: no token, so no request. */
const CREDENTIAL_ERRORS = new Set([
  "CredentialUnavailableError",
  "AuthenticationError",
  "AuthenticationRequiredError",
]);

/**
 * Turns what `LogsIngestionClient.upload` threw for one chunk into a FailedChunk. The SDK wraps each
 * chunk's error in an `AggregateLogsUploadError` whose own message is useless ("undefined\n}"); the
 * answer is in `errors[0].cause`, a RestError with the status after the pipeline's retries.
 */
export function describeUploadFailure(thrown: unknown, context: ChunkContext): FailedChunk {
  const cause = isAggregateLogsUploadError(thrown) ? (thrown.errors[0]?.cause ?? thrown) : thrown;
  const base = { firstIndex: context.firstIndex, count: context.count };
  const what = `${context.streamName}: ${context.count} records (rows ${context.firstIndex}–${context.firstIndex + context.count - 1})`;

  if (isRestError(cause) && cause.statusCode !== undefined) {
    const status = cause.statusCode;
    const { code, retryable, hint } = classifyStatus(status, context);
    const headers = cause.response?.headers;
    const asked =
      retryAfterOf(headers?.get(ORIGINAL_RETRY_AFTER_MS), undefined) ??
      retryAfterOf(headers?.get("retry-after-ms"), headers?.get("retry-after"));
    // A pause the service asks for is advice: bounded (1 s..1 h), so nothing downstream waits for ever.
    const retryAfterMs = asked === undefined ? undefined : boundedPauseMs(asked);
    return {
      ...base,
      status,
      code,
      retryable,
      message: `${what} failed with HTTP ${status}${hint ? `: ${hint}` : ""} (service said: ${cause.message})`,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }
  const name = cause instanceof Error ? cause.name : "";
  const detail = cause instanceof Error ? cause.message : String(cause);
  if (name === "AbortError" || context.abortReason !== undefined) {
    const why =
      context.abortReason === "timeout"
        ? `no answer within ${context.timeoutMs} ms`
        : context.abortReason === "caller"
          ? "the upload was aborted while the request was in flight"
          : `the request was aborted (${detail})`;
    return { ...base, code: "ambiguous", retryable: true, message: `${what}: outcome unknown, ${why}` };
  }
  if (isRestError(cause)) {
    if (cause.code !== undefined && NOT_DELIVERED_CODES.has(cause.code)) {
      return {
        ...base,
        code: "network",
        retryable: true,
        message: `${what} not delivered: ${cause.code} ${detail}`,
      };
    }
    // Reset or timed-out connections may have delivered the body before failing.
    return {
      ...base,
      code: "ambiguous",
      retryable: true,
      message: `${what}: outcome unknown, ${cause.code ?? ""} ${detail}`,
    };
  }
  if (CREDENTIAL_ERRORS.has(name)) {
    return {
      ...base,
      code: "credential",
      retryable: true,
      message: `${what} not sent: no token for ${context.audience}/.default — is the Function App's managed identity enabled (and AZURE_CLIENT_ID right for a user-assigned one)? (${name}: ${detail})`,
    };
  }
  return {
    ...base,
    code: "unexpected",
    retryable: true,
    message: `${what} failed: ${name || "error"}: ${detail}`,
  };
}

function classifyStatus(
  status: number,
  context: ChunkContext,
): { code: FailureCode; retryable: boolean; hint?: string } {
  if (status === 400) return { code: "bad-request", retryable: false };
  if (status === 401 || status === 403) {
    return {
      code: "forbidden",
      retryable: true,
      hint: `the identity probably lacks the "Monitoring Metrics Publisher" role on DCR ${context.ruleId}, or the token audience ${context.audience} is not this cloud's (role assignments can take minutes to apply)`,
    };
  }
  if (status === 404) {
    return {
      code: "not-found",
      retryable: true,
      hint: `DCR ${context.ruleId} or its stream ${context.streamName} was not found at ${context.endpoint} (check the DCR immutable id, the stream declaration and the endpoint's region)`,
    };
  }
  if (status === 413)
    return { code: "payload-too-large", retryable: false, hint: "request above the service's size limit" };
  if (status === 429)
    return { code: "throttled", retryable: true, hint: "throttled after the pipeline's retries" };
  if (status >= 500)
    return { code: "server-error", retryable: true, hint: "still failing after the pipeline's retries" };
  return { code: "http-error", retryable: false };
}

/** Where `longRetryAfterPolicy` keeps the pause it took away from the SDK's retry policy. */
const ORIGINAL_RETRY_AFTER_MS = "x-mimecast-sentinel-retry-after-ms";

/**
 * Longest Retry-After the SDK's pipeline may sleep through inside one chunk. Longer ones (a 429 with
 * `Retry-After: 3600`) would sit out the chunk deadline and come back "ambiguous"; instead the 429 fails
 * at once with its pause kept, and the unit reports it as a bounded rate-limit value.
 */
export const MAX_INLINE_RETRY_AFTER_MS = 30_000;

/**
 * A per-retry pipeline policy: on a 429/503 whose Retry-After exceeds `maxInlineMs`, hide the header
 * from the retry policy (so it does not sleep, and a 429 is not retried) and keep its value aside.
 */
export function longRetryAfterPolicy(maxInlineMs = MAX_INLINE_RETRY_AFTER_MS): PipelinePolicy {
  return {
    name: "mimecastSentinelLongRetryAfter",
    async sendRequest(request, next) {
      const response = await next(request);
      if (response.status !== 429 && response.status !== 503) return response;
      const h = response.headers;
      const ms =
        retryAfterOf(h.get("retry-after-ms") ?? h.get("x-ms-retry-after-ms"), h.get("retry-after")) ??
        retryAfterDate(h.get("retry-after"));
      if (ms === undefined || ms <= maxInlineMs) return response;
      h.set(ORIGINAL_RETRY_AFTER_MS, String(ms));
      for (const name of ["retry-after", "retry-after-ms", "x-ms-retry-after-ms"]) h.delete(name);
      return response;
    },
  };
}

function retryAfterDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

function retryAfterOf(milliseconds: string | undefined, seconds: string | undefined): number | undefined {
  const ms = Number(milliseconds);
  if (milliseconds !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
  const s = Number(seconds);
  if (seconds !== undefined && Number.isFinite(s) && s >= 0) return s * 1000;
  return undefined;
}
