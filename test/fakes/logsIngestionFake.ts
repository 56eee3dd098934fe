/**
 * An in-process Logs Ingestion API for tests: an `HttpClient` to hand to `LogsIngestionClient`
 * (`clientOptions.httpClient`), so the real SDK pipeline — bearer policy, gzip policy, retry policy —
 * runs against it with no sockets and a realistic https endpoint.
 *
 * It checks what the service checks (API version, bearer token, gzip, 1 MB, DCR and stream) and, more
 * strictly than the service, that every record matches the stream's declared columns (`validateRow`,
 * the same check the local sink uses). Faults are injected per request; accepted records are kept per
 * stream so tests can compare them with the simulator's ground truth.
 */
import { gunzipSync } from "node:zlib";
import { createHttpHeaders } from "@azure/core-rest-pipeline";
import type { HttpClient, PipelineRequest, PipelineResponse } from "@azure/core-rest-pipeline";
import { validateRow } from "../../src/sentinel/rowValidation";
import type { SentinelRow, StreamSchema } from "../../src/sentinel/streams";

/** Service limits as documented: 1 MB per call (compressed and uncompressed), 64 KB per field value. */
const SERVICE_MAX_BODY_BYTES = 1_000_000;
const SERVICE_MAX_FIELD_BYTES = 64 * 1024;
const API_VERSION = "2023-01-01";

/** What a fault's `match` sees: the request's stream and its (decoded) records. */
export interface FakeRequest {
  stream: string;
  records: readonly SentinelRow[];
}

interface FaultBase {
  /** How many matching requests it affects (default 1; `Infinity` for every one). */
  times?: number;
  /** Which requests it affects (default: all). */
  match?: (request: FakeRequest) => boolean;
}

export type LogsIngestionFault =
  /** Answer with this status instead of processing the request; nothing is stored. */
  | (FaultBase & { kind: "status"; status: number; retryAfterSeconds?: number; retryAfterMs?: number })
  /** Store the records, then fail like a client-side timeout (an AbortError): the ambiguous case. */
  | (FaultBase & { kind: "timeout-after-receive" })
  /** Wait before processing (honours the request's abort signal). */
  | (FaultBase & { kind: "delay"; ms: number });

export interface RequestLog {
  /** 1-based arrival order. */
  n: number;
  stream: string | undefined;
  /** HTTP status answered, or how the request ended without one. */
  status: number | "timeout" | "aborted";
  records: number;
  compressedBytes: number;
  uncompressedBytes: number;
  /** The error message answered, for 4xx/5xx. */
  error?: string;
  /** Fields above 64 KB that the real service would have truncated silently. */
  oversizeFields: string[];
  fault?: LogsIngestionFault["kind"];
}

export interface LogsIngestionFakeOptions {
  /** The DCR's stream declarations. */
  streams: readonly StreamSchema[];
  /** The DCR's immutable id. */
  ruleId: string;
  /** When set, any other bearer token gets a 401. */
  expectedToken?: string;
  /**
   * Called with every stored request's records (e.g. to keep only EventIds) and its request-log entry
   * (`fault: "timeout-after-receive"` marks records stored although the client saw a timeout).
   */
  onAccepted?: (stream: string, records: readonly SentinelRow[], request: Readonly<RequestLog>) => void;
  /** False: do not keep records in `accepted` (long runs with `onAccepted`). Default true. */
  keepRows?: boolean;
}

export interface LogsIngestionFake {
  httpClient: HttpClient;
  /** Records stored per stream, in arrival order. */
  accepted: Map<string, SentinelRow[]>;
  requests: RequestLog[];
  requestsPerStream: Map<string, number>;
  acceptedRows(stream: string): SentinelRow[];
  inject(fault: LogsIngestionFault): void;
  /** Resolves once `count` requests have arrived (before any delay or processing). */
  whenRequests(count: number): Promise<void>;
  /** Forgets stored records, request logs and pending faults. */
  reset(): void;
}

interface ArmedFault {
  fault: LogsIngestionFault;
  remaining: number;
}

interface Decoded {
  records: SentinelRow[] | undefined;
  compressedBytes: number;
  uncompressedBytes: number;
  problem?: string;
}

type Answer = { status: number; headers?: Record<string, string>; error?: { code: string; message: string } };

export function createLogsIngestionFake(options: LogsIngestionFakeOptions): LogsIngestionFake {
  const streams = new Map(options.streams.map((stream) => [stream.streamName, stream]));
  const accepted = new Map<string, SentinelRow[]>();
  const requests: RequestLog[] = [];
  const requestsPerStream = new Map<string, number>();
  let faults: ArmedFault[] = [];
  let arrived = 0;
  let waiters: { count: number; resolve: () => void }[] = [];

  /** The armed faults of these kinds that match this request (at most `limit`), each used up by one. */
  function takeFaults<K extends LogsIngestionFault["kind"]>(
    kinds: readonly K[],
    request: FakeRequest,
    limit = Infinity,
  ): Extract<LogsIngestionFault, { kind: K }>[] {
    const taken = faults
      .filter((f) => (kinds as readonly string[]).includes(f.fault.kind) && f.remaining > 0)
      .filter((f) => f.fault.match?.(request) ?? true)
      .slice(0, limit);
    for (const armed of taken) armed.remaining--;
    return taken.map((armed) => armed.fault as Extract<LogsIngestionFault, { kind: K }>);
  }

  /** The answer to send, or "timeout" when the records were stored but no answer must arrive. */
  function process(request: PipelineRequest, decoded: Decoded, log: RequestLog): Answer | "timeout" {
    if (request.method !== "POST") return fail(405, "MethodNotAllowed", `${request.method} is not supported`);
    const url = new URL(request.url);
    // The SDK writes the query name percent-encoded (`api%2Dversion`); URLSearchParams decodes it.
    const apiVersion = url.searchParams.get("api-version");
    if (apiVersion !== API_VERSION) {
      return fail(
        400,
        "UnsupportedApiVersion",
        `api-version ${String(apiVersion)} is not supported; use ${API_VERSION}`,
      );
    }
    const authorization = request.headers.get("authorization") ?? "";
    const token = /^Bearer (\S+)$/.exec(authorization)?.[1];
    if (!token || (options.expectedToken !== undefined && token !== options.expectedToken)) {
      return fail(
        401,
        "InvalidToken",
        "The provided access token is missing or not valid for this resource.",
      );
    }
    if (request.headers.get("content-encoding") !== "gzip") {
      return fail(
        400,
        "InvalidContentEncoding",
        "Content-Encoding: gzip expected (the SDK always compresses)",
      );
    }
    if (
      decoded.compressedBytes > SERVICE_MAX_BODY_BYTES ||
      decoded.uncompressedBytes > SERVICE_MAX_BODY_BYTES
    ) {
      return fail(
        413,
        "ContentLengthLimitExceeded",
        `Request body is ${decoded.uncompressedBytes} bytes (${decoded.compressedBytes} compressed); the limit is ${SERVICE_MAX_BODY_BYTES}.`,
      );
    }
    if (decoded.problem !== undefined || decoded.records === undefined) {
      return fail(400, "InvalidPayload", decoded.problem ?? "body is not a JSON array");
    }
    const path = /^\/dataCollectionRules\/([^/]+)\/streams\/([^/]+)$/.exec(url.pathname);
    const ruleId = path?.[1] !== undefined ? decodeURIComponent(path[1]) : undefined;
    if (ruleId !== options.ruleId) {
      return fail(404, "NotFound", `Data collection rule with immutable Id '${String(ruleId)}' not found.`);
    }
    const stream = streams.get(log.stream ?? "");
    if (!stream) {
      return fail(
        404,
        "InvalidStream",
        `Stream '${String(log.stream)}' is not declared in data collection rule '${ruleId}'.`,
      );
    }

    const records = decoded.records;
    const [fault] = takeFaults(
      ["status", "timeout-after-receive"],
      { stream: stream.streamName, records },
      1,
    );
    if (fault?.kind === "status") {
      log.fault = "status";
      const headers: Record<string, string> = {};
      if (fault.retryAfterSeconds !== undefined) headers["retry-after"] = String(fault.retryAfterSeconds);
      if (fault.retryAfterMs !== undefined) headers["retry-after-ms"] = String(fault.retryAfterMs);
      return { ...fail(fault.status, "InjectedFault", `injected ${fault.status}`), headers };
    }
    for (const [index, record] of records.entries()) {
      const problems = validateRow(record, stream);
      if (problems.length > 0) {
        return fail(400, "InvalidRecord", `Record ${index}: ${problems.join("; ")}`);
      }
    }
    log.oversizeFields = oversizeFields(records);
    if (options.keepRows !== false) {
      const stored = accepted.get(stream.streamName) ?? [];
      stored.push(...records);
      accepted.set(stream.streamName, stored);
    }
    if (fault?.kind === "timeout-after-receive") log.fault = "timeout-after-receive";
    options.onAccepted?.(stream.streamName, records, log);
    if (fault?.kind === "timeout-after-receive") return "timeout";
    return { status: 204 };
  }

  const httpClient: HttpClient = {
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      arrived++;
      for (const waiter of waiters.filter((w) => arrived >= w.count)) waiter.resolve();
      waiters = waiters.filter((w) => arrived < w.count);
      const decoded = decodeBody(request.body);
      const streamName = streamOf(request.url);
      const log: RequestLog = {
        n: arrived,
        stream: streamName,
        status: "aborted",
        records: decoded.records?.length ?? 0,
        compressedBytes: decoded.compressedBytes,
        uncompressedBytes: decoded.uncompressedBytes,
        oversizeFields: [],
      };
      requests.push(log);
      if (streamName !== undefined)
        requestsPerStream.set(streamName, (requestsPerStream.get(streamName) ?? 0) + 1);

      const view: FakeRequest = { stream: streamName ?? "", records: decoded.records ?? [] };
      for (const delay of takeFaults(["delay"], view)) {
        log.fault = "delay";
        await sleep(delay.ms, request.abortSignal);
      }
      if (request.abortSignal?.aborted) throw abortError("The operation was aborted.");

      const answer = process(request, decoded, log);
      if (answer === "timeout") {
        log.status = "timeout";
        throw abortError("The operation was aborted. (fake: timed out after the service stored the records)");
      }
      log.status = answer.status;
      if (answer.error) log.error = answer.error.message;
      const headers = createHttpHeaders(answer.headers);
      if (!answer.error) return { request, status: answer.status, headers };
      headers.set("content-type", "application/json");
      return { request, status: answer.status, headers, bodyAsText: JSON.stringify({ error: answer.error }) };
    },
  };

  return {
    httpClient,
    accepted,
    requests,
    requestsPerStream,
    acceptedRows: (stream) => accepted.get(stream) ?? [],
    inject(fault) {
      faults.push({ fault, remaining: fault.times ?? 1 });
    },
    whenRequests(count) {
      if (arrived >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    reset() {
      accepted.clear();
      requests.length = 0;
      requestsPerStream.clear();
      faults = [];
      arrived = 0;
      waiters = [];
    },
  };
}

function fail(status: number, code: string, message: string): Answer {
  return { status, error: { code, message } };
}

function streamOf(url: string): string | undefined {
  const match = /\/streams\/([^/?]+)/.exec(new URL(url).pathname);
  return match?.[1] !== undefined ? decodeURIComponent(match[1]) : undefined;
}

function decodeBody(body: PipelineRequest["body"]): Decoded {
  if (!Buffer.isBuffer(body) && !(body instanceof Uint8Array)) {
    const text = typeof body === "string" ? body : "";
    return {
      records: undefined,
      compressedBytes: 0,
      uncompressedBytes: Buffer.byteLength(text),
      problem: "body is not gzip bytes",
    };
  }
  const compressedBytes = body.byteLength;
  let json: Buffer;
  try {
    json = gunzipSync(body);
  } catch {
    return { records: undefined, compressedBytes, uncompressedBytes: 0, problem: "body does not gunzip" };
  }
  try {
    const parsed: unknown = JSON.parse(json.toString("utf8"));
    if (!Array.isArray(parsed)) {
      return {
        records: undefined,
        compressedBytes,
        uncompressedBytes: json.length,
        problem: "body is not a JSON array",
      };
    }
    return { records: parsed as SentinelRow[], compressedBytes, uncompressedBytes: json.length };
  } catch {
    return {
      records: undefined,
      compressedBytes,
      uncompressedBytes: json.length,
      problem: "body is not JSON",
    };
  }
}

function oversizeFields(records: readonly SentinelRow[]): string[] {
  const fields = new Set<string>();
  for (const record of records) {
    for (const [field, value] of Object.entries(record)) {
      const text = typeof value === "string" ? value : JSON.stringify(value);
      if (text !== undefined && Buffer.byteLength(text) > SERVICE_MAX_FIELD_BYTES) fields.add(field);
    }
  }
  return [...fields];
}

function abortError(message: string): Error {
  const error = new Error(message);
  error.name = "AbortError";
  return error;
}

function sleep(ms: number, signal: PipelineRequest["abortSignal"]): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError("The operation was aborted."));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError("The operation was aborted."));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
