/** Reading the `{"meta":{"pagination":…},"data":[…]}` request envelope of the JSON endpoints. */
import type { ApiRequest } from "./context";
import type { MimecastError } from "./responses";

export interface JsonEnvelope {
  items: Array<Record<string, unknown>>;
  pageSize?: number;
  pageToken?: string;
}

export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 25;

export function readEnvelope(request: ApiRequest): JsonEnvelope | MimecastError {
  if (request.bodyError)
    return {
      code: "err_request_body_invalid",
      message: `Request body is not valid JSON: ${request.bodyError}`,
    };
  const body = request.body ?? {};
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { code: "err_request_body_invalid", message: "Request body must be a JSON object" };
  }
  const { meta, data } = body as { meta?: unknown; data?: unknown };
  if (data !== undefined && !Array.isArray(data))
    return { code: "err_validation_data_not_array", message: "data must be an array" };
  const items = (data ?? []) as unknown[];
  if (!items.every((item) => typeof item === "object" && item !== null && !Array.isArray(item))) {
    return { code: "err_validation_data_item_invalid", message: "data items must be objects" };
  }
  const pagination = (meta as { pagination?: { pageSize?: unknown; pageToken?: unknown } } | undefined)
    ?.pagination;
  const envelope: JsonEnvelope = { items: items as Array<Record<string, unknown>> };
  if (pagination?.pageSize !== undefined) {
    const size = Number(pagination.pageSize);
    if (!Number.isInteger(size) || size < 1)
      return { code: "err_validation_page_size", message: "pageSize must be a positive integer" };
    envelope.pageSize = size;
  }
  if (typeof pagination?.pageToken === "string" && pagination.pageToken !== "")
    envelope.pageToken = pagination.pageToken;
  return envelope;
}

export const isEnvelopeError = (value: JsonEnvelope | MimecastError): value is MimecastError =>
  "code" in value;

/** The effective page size: the endpoint maximum caps what the client asks for. */
export function pageSizeOf(envelope: JsonEnvelope): number {
  return Math.min(envelope.pageSize ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
}

/** Order-independent JSON of a filter body, so a page token can be bound to "the same query". */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
