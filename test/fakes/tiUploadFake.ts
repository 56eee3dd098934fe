/**
 * An in-process Sentinel threat-intelligence upload API ("upload API" for STIX objects) for tests: an
 * `HttpClient` for `TiUploader`. It checks the request contract as documented — POST, the
 * `/workspaces/{id}/threat-intelligence-stix-objects:upload` path, `api-version=2024-02-01-preview`, a
 * bearer token, a JSON body with a non-empty `sourcesystem` and 1..100 `stixobjects` — and validates each
 * object (STIX 2.1 id/type/spec_version/created/modified, indicator pattern fields). Refused objects come
 * back as `{"errors":[{"recordIndex","errorMessages"}]}` (200, or 400 when all are refused), like the
 * service. Accepted objects are upserted by id. Faults inject statuses (429 with Retry-After, 500…).
 */
import { createHttpHeaders } from "@azure/core-rest-pipeline";
import type { HttpClient, PipelineRequest, PipelineResponse } from "@azure/core-rest-pipeline";

export const TI_FAKE_WORKSPACE = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const API_VERSION = "2024-02-01-preview";
const MAX_OBJECTS = 100;
const SUPPORTED_TYPES = new Set(["indicator", "attack-pattern", "threat-actor", "identity", "relationship"]);

export interface TiFakeFault {
  status: number;
  retryAfterSeconds?: number;
  retryAfterMs?: number;
  times?: number;
}

export interface TiFakeRequestLog {
  status: number;
  objects: number;
  sourceSystem?: string;
  problem?: string;
}

export interface TiUploadFake {
  httpClient: HttpClient;
  /** Accepted objects by STIX id (last version wins, as an upsert). */
  objects: Map<string, Record<string, unknown>>;
  /** Every request, in order. */
  requests: TiFakeRequestLog[];
  inject(fault: TiFakeFault): void;
  /** Refuse objects for which this returns a message (service-side validation beyond the fake's own). */
  refuse(rule: (object: Record<string, unknown>) => string | undefined): void;
}

export function createTiUploadFake(options: { workspaceId?: string } = {}): TiUploadFake {
  const workspaceId = options.workspaceId ?? TI_FAKE_WORKSPACE;
  const objects = new Map<string, Record<string, unknown>>();
  const requests: TiFakeRequestLog[] = [];
  const faults: Array<TiFakeFault & { remaining: number }> = [];
  let refuseRule: ((object: Record<string, unknown>) => string | undefined) | undefined;

  function answer(
    request: PipelineRequest,
    status: number,
    body?: unknown,
    headers: Record<string, string> = {},
  ): PipelineResponse {
    return {
      request,
      status,
      headers: createHttpHeaders({ "content-type": "application/json", ...headers }),
      ...(body !== undefined ? { bodyAsText: JSON.stringify(body) } : {}),
    };
  }

  const httpClient: HttpClient = {
    sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      const log: TiFakeRequestLog = { status: 0, objects: 0 };
      requests.push(log);
      const reject = (status: number, problem: string): Promise<PipelineResponse> => {
        log.status = status;
        log.problem = problem;
        return Promise.resolve(answer(request, status, { error: { code: "BadRequest", message: problem } }));
      };
      const url = new URL(request.url);
      if (request.method !== "POST") return reject(405, `${request.method} not allowed`);
      if (url.origin !== "https://api.ti.sentinel.azure.com")
        return reject(404, `unknown host ${url.origin}`);
      if (url.pathname !== `/workspaces/${workspaceId}/threat-intelligence-stix-objects:upload`) {
        return reject(404, `unknown path ${url.pathname}`);
      }
      if (url.searchParams.get("api-version") !== API_VERSION) return reject(400, "unsupported api-version");
      if (!/^Bearer \S+$/.test(request.headers.get("authorization") ?? ""))
        return reject(401, "no bearer token");
      if (!(request.headers.get("content-type") ?? "").startsWith("application/json")) {
        return reject(415, "content-type must be application/json");
      }
      let body: unknown;
      try {
        body = JSON.parse(typeof request.body === "string" ? request.body : "");
      } catch {
        return reject(400, "body is not JSON");
      }
      if (!isObject(body)) return reject(400, "body is not an object");
      const sourceSystem = body["sourcesystem"];
      const stixObjects = body["stixobjects"];
      if (typeof sourceSystem !== "string" || sourceSystem === "")
        return reject(400, "sourcesystem is required");
      if (!Array.isArray(stixObjects) || stixObjects.length === 0)
        return reject(400, "stixobjects is required");
      if (stixObjects.length > MAX_OBJECTS)
        return reject(400, `at most ${MAX_OBJECTS} stixobjects per request`);
      log.objects = stixObjects.length;
      log.sourceSystem = sourceSystem;

      const fault = faults.find((f) => f.remaining > 0);
      if (fault) {
        fault.remaining -= 1;
        log.status = fault.status;
        const headers: Record<string, string> = {};
        if (fault.retryAfterSeconds !== undefined) headers["retry-after"] = String(fault.retryAfterSeconds);
        if (fault.retryAfterMs !== undefined) headers["retry-after-ms"] = String(fault.retryAfterMs);
        return Promise.resolve(answer(request, fault.status, { error: { code: "Injected" } }, headers));
      }

      const errors: Array<{ recordIndex: number; errorMessages: string[] }> = [];
      stixObjects.forEach((object: unknown, recordIndex) => {
        const problems = validateObject(object);
        const refused = problems.length === 0 && isObject(object) ? refuseRule?.(object) : undefined;
        if (refused !== undefined) problems.push(refused);
        if (problems.length > 0) errors.push({ recordIndex, errorMessages: problems });
        else if (isObject(object)) objects.set(String(object["id"]), object);
      });
      log.status = errors.length === stixObjects.length ? 400 : 200;
      return Promise.resolve(answer(request, log.status, errors.length > 0 ? { errors } : undefined));
    },
  };

  return {
    httpClient,
    objects,
    requests,
    inject(fault) {
      faults.push({ ...fault, remaining: fault.times ?? 1 });
    },
    refuse(rule) {
      refuseRule = rule;
    },
  };
}

function validateObject(object: unknown): string[] {
  if (!isObject(object)) return ["object is not a JSON object"];
  const problems: string[] = [];
  const type = object["type"];
  if (typeof type !== "string" || !SUPPORTED_TYPES.has(type))
    problems.push(`unsupported type ${String(type)}`);
  if (typeof object["id"] !== "string" || !object["id"].startsWith(`${String(type)}--`)) {
    problems.push("id must be <type>--<uuid>");
  }
  if (object["spec_version"] !== "2.1") problems.push("spec_version must be 2.1");
  for (const field of ["created", "modified"]) {
    if (typeof object[field] !== "string") problems.push(`${field} is required`);
  }
  if (type === "indicator") {
    for (const field of ["pattern", "pattern_type", "valid_from"]) {
      if (typeof object[field] !== "string") problems.push(`${field} is required for indicators`);
    }
  }
  return problems;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
