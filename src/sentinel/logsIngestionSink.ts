import { promisify } from "node:util";
import { gzip } from "node:zlib";
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineRequest,
  RestError,
} from "@azure/core-rest-pipeline";
import type { HttpClient, Pipeline, PipelineResponse } from "@azure/core-rest-pipeline";
import { KnownMonitorAudience, LogsIngestionClient } from "@azure/monitor-ingestion";
import type { LogsIngestionClientOptions } from "@azure/monitor-ingestion";
import type { TokenCredential } from "@azure/identity";
import type { Logger } from "../shared/logger";
import { chunkBody, packChunks } from "./chunking";
import type { Chunk, SizedRow } from "./chunking";
import { prepareRow } from "./limits";
import { outcomeFromFailures } from "./sink";
import type { FailedChunk, Sink, UploadOptions, UploadOutcome } from "./sink";
import type { SentinelRow, StreamSchema } from "./streams";
import { describeUploadFailure, longRetryAfterPolicy } from "./uploadFailures";

export interface LogsIngestionSinkOptions {
  /** Data collection endpoint URL, or the DCR's own `logsIngestion` endpoint. */
  endpoint: string;
  /** The DCR's immutable id (`dcr-…`), not its resource id. */
  ruleId: string;
  /** The Function App's managed identity (see `createAzureCredential`). */
  credential: TokenCredential;
  /** Token audience: https://monitor.azure.com (default), .us (Government), .cn (China). */
  audience?: string;
  /** Requests in flight at once per upload. Default 4. */
  concurrency?: number;
  /** Deadline per chunk, including the pipeline's retries; after it the chunk is `ambiguous`. */
  chunkTimeoutMs?: number;
  /** Passed to the SDK client (tests pass `httpClient` and short `retryOptions`). */
  clientOptions?: LogsIngestionClientOptions;
  logger: Logger;
}

const DEFAULT_CONCURRENCY = 4;
/** Long enough for the pipeline's 3 retries behind a typical Retry-After, short of an activity timeout. */
const DEFAULT_CHUNK_TIMEOUT_MS = 120_000;

/** The SDK's own body-gzipping policy: we send bodies gzipped already, so it must not run twice. */
const SDK_GZIP_POLICY = "GzippingPolicy";
/**
 * zlib level of request bodies: the fastest. The body only has to cross the network once, and level 1
 * takes a fraction of the default's CPU for JSON that still compresses several-fold; the 1 MB limit
 * applies to the JSON before gzip, so the level changes no limit. One zlib call per body: one
 * thread-pool round trip (a stream in 64 KB pieces cost a callback and a copy per piece).
 */
const GZIP_LEVEL = 1;
const gzipAsync = promisify(gzip);

/**
 * Sends rows to a DCR stream through the Logs Ingestion API. We chunk (≤ 1 MB) and send each chunk as
 * one request, so every row's fate is known (the SDK's aggregate error cannot say which chunks were
 * never attempted after an abort).
 *
 * The body of a chunk is the rows' JSON as `prepareRow` built it — each row serialised once, never
 * again by the SDK (`client.upload` stringified every row twice: to split chunks, then for the body) —
 * gzipped at level 1 in one zlib call per body. It still travels through the `LogsIngestionClient`'s
 * own pipeline (bearer token for `<audience>/.default`, retries of 429/503 with Retry-After and of 5xx,
 * user agent, api-version, request id), minus the SDK's gzip policy. What still fails is reported per
 * chunk. Logs carry the stream name and counts, never row contents.
 */
export class LogsIngestionSink implements Sink {
  readonly sendsPrepared = true;
  private readonly pipeline: Pipeline;
  private readonly httpClient: HttpClient;
  private readonly endpoint: string;
  private readonly ruleId: string;
  private readonly audience: string;
  private readonly concurrency: number;
  private readonly chunkTimeoutMs: number;
  private readonly logger: Logger;

  constructor(options: LogsIngestionSinkOptions) {
    this.endpoint = options.endpoint.replace(/\/+$/, "");
    if (!this.endpoint.startsWith("https://")) {
      // The SDK's bearer policy refuses plain http anyway, with a less helpful message.
      throw new Error(
        `Logs ingestion endpoint must be an https URL, got ${JSON.stringify(options.endpoint)}`,
      );
    }
    this.ruleId = options.ruleId;
    this.audience = (options.audience ?? KnownMonitorAudience.AzurePublicCloud).replace(/\/+$/, "");
    this.concurrency = positiveInteger(options.concurrency ?? DEFAULT_CONCURRENCY, "concurrency");
    this.chunkTimeoutMs = positiveInteger(
      options.chunkTimeoutMs ?? DEFAULT_CHUNK_TIMEOUT_MS,
      "chunkTimeoutMs",
    );
    this.logger = options.logger;
    const client = new LogsIngestionClient(this.endpoint, options.credential, {
      userAgentOptions: { userAgentPrefix: "mimecast-sentinel" },
      ...options.clientOptions,
      additionalPolicies: [
        { policy: longRetryAfterPolicy(), position: "perRetry" },
        ...(options.clientOptions?.additionalPolicies ?? []),
      ],
      audience: this.audience,
    });
    this.pipeline = client.pipeline;
    if (this.pipeline.removePolicy({ name: SDK_GZIP_POLICY }).length !== 1) {
      // An SDK without that policy (or with another name for it) would send our gzip gzipped again.
      throw new Error(`@azure/monitor-ingestion no longer has its ${SDK_GZIP_POLICY}; check the upgrade`);
    }
    this.httpClient = options.clientOptions?.httpClient ?? createDefaultHttpClient();
  }

  async upload(
    stream: StreamSchema,
    rows: readonly SentinelRow[],
    options: UploadOptions = {},
  ): Promise<UploadOutcome> {
    const failures: FailedChunk[] = [];
    const sendable: SizedRow[] = [];
    const truncated = { rows: 0, fields: new Set<string>() };
    // With `prepared` given, `rows` is never read (see Sink.sendsPrepared): the rows may be held as bytes only.
    for (let index = 0; index < rows.length; index += 1) {
      const prepared = options.prepared?.[index] ?? prepareRow(rows[index]!, stream);
      if (!prepared.ok) {
        failures.push({
          firstIndex: index,
          count: 1,
          code: "row-too-large",
          retryable: false,
          message: `${stream.streamName}: row ${index} rejected: ${prepared.reason}`,
        });
        continue;
      }
      if (prepared.truncatedFields.length > 0) {
        truncated.rows++;
        for (const field of prepared.truncatedFields) truncated.fields.add(field);
      }
      sendable.push({ index, prepared });
    }
    if (truncated.rows > 0) {
      this.logger.warn("sentinel: truncated fields above 64 KB", {
        stream: stream.streamName,
        rows: truncated.rows,
        fields: [...truncated.fields],
      });
    }

    const chunks = packChunks(sendable);
    const results = await runBounded(chunks, this.concurrency, (chunk) =>
      this.sendChunk(stream, chunk, options.signal),
    );
    failures.push(...results.filter((result): result is FailedChunk => result !== undefined));

    const outcome = outcomeFromFailures(rows.length, failures);
    const level = outcome.failed.length > 0 ? "warn" : "info";
    this.logger[level]("sentinel: upload finished", {
      stream: stream.streamName,
      records: rows.length,
      chunks: chunks.length,
      accepted: outcome.accepted,
      failed: outcome.failedIndexes.length,
      ambiguous: outcome.ambiguous,
    });
    return outcome;
  }

  /** Undefined when the service accepted the chunk. */
  private async sendChunk(
    stream: StreamSchema,
    chunk: Chunk,
    callerSignal: AbortSignal | undefined,
  ): Promise<FailedChunk | undefined> {
    const count = chunk.rows.length;
    if (callerSignal?.aborted) return notSent(stream, chunk);
    const deadline = AbortSignal.timeout(this.chunkTimeoutMs);
    const abortSignal = callerSignal ? AbortSignal.any([callerSignal, deadline]) : deadline;
    try {
      const body = await gzipAsync(chunkBody(chunk), { level: GZIP_LEVEL });
      const request = createPipelineRequest({
        url: `${this.endpoint}/dataCollectionRules/${encodeURIComponent(this.ruleId)}/streams/${encodeURIComponent(stream.streamName)}`,
        method: "POST",
        headers: createHttpHeaders({
          "Content-Type": "application/json",
          "Content-Encoding": "gzip",
          accept: "application/json",
        }),
        body,
        abortSignal,
      });
      const response = await this.pipeline.sendRequest(this.httpClient, request);
      if (response.status !== 204) throw restErrorOf(response);
      this.logger.debug("sentinel: chunk accepted", {
        stream: stream.streamName,
        records: count,
        bytes: chunk.bytes,
      });
      return undefined;
    } catch (error) {
      const abortReason = callerSignal?.aborted ? "caller" : deadline.aborted ? "timeout" : undefined;
      const failure = describeUploadFailure(error, {
        streamName: stream.streamName,
        ruleId: this.ruleId,
        endpoint: this.endpoint,
        audience: this.audience,
        firstIndex: chunk.firstIndex,
        count,
        timeoutMs: this.chunkTimeoutMs,
        ...(abortReason ? { abortReason } : {}),
      });
      this.logger.warn("sentinel: chunk failed", {
        stream: stream.streamName,
        records: count,
        firstIndex: failure.firstIndex,
        status: failure.status,
        code: failure.code,
        retryable: failure.retryable,
        message: failure.message,
      });
      return failure;
    }
  }
}

/** What the SDK's operation raises for a status other than 204: the service's own code and message. */
function restErrorOf(response: PipelineResponse): RestError {
  let code: string | undefined;
  let message = `Unexpected status code: ${response.status}`;
  try {
    const parsed = JSON.parse(response.bodyAsText ?? "") as { error?: { code?: unknown; message?: unknown } };
    if (typeof parsed.error?.message === "string") message = parsed.error.message;
    if (typeof parsed.error?.code === "string") code = parsed.error.code;
  } catch {
    // Not JSON: keep the status line.
  }
  return new RestError(message, {
    statusCode: response.status,
    request: response.request,
    response,
    ...(code !== undefined ? { code } : {}),
  });
}

function notSent(stream: StreamSchema, chunk: Chunk): FailedChunk {
  return {
    firstIndex: chunk.firstIndex,
    count: chunk.rows.length,
    code: "not-sent",
    retryable: true,
    message: `${stream.streamName}: ${chunk.rows.length} records not sent: the upload was aborted first`,
  };
}

/** Runs `task` over `items`, starting them in order, with at most `limit` in flight. */
async function runBounded<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, got ${value}`);
  return value;
}

const sharedSinks = new Map<string, LogsIngestionSink>();

/**
 * One sink — so one `LogsIngestionClient`, one token cache and one connection pool — per
 * (endpoint, DCR, audience) for the whole process, whichever activity asks first. Later callers share
 * its credential, concurrency and logger. Tests build their own `LogsIngestionSink` instead.
 */
export function getSharedLogsIngestionSink(options: LogsIngestionSinkOptions): LogsIngestionSink {
  const audience = options.audience ?? KnownMonitorAudience.AzurePublicCloud;
  const key = [options.endpoint.replace(/\/+$/, ""), options.ruleId, audience.replace(/\/+$/, "")].join("\n");
  let sink = sharedSinks.get(key);
  if (!sink) {
    sink = new LogsIngestionSink(options);
    sharedSinks.set(key, sink);
  }
  return sink;
}
