import type { MimecastErrorDetail } from "./errors";

/** Mimecast's JSON envelope (`/api/...` endpoints, API 1.0 and 2.0 alike). */
export interface JsonEnvelope {
  meta?: {
    status?: number;
    pagination?: { pageSize?: number; next?: string; previous?: string; totalCount?: number };
  };
  data?: unknown;
  fail?: unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Collects Mimecast's own error codes from any of the shapes it uses:
 * `fail[].errors[].{code,message,retryable}` (v1 docs), `fail[].{code,message}` (401 token_expired),
 * `error.{code,message}` (REST /siem/v1 endpoints) and `{error: "text"}` (token endpoint).
 */
export function extractErrorDetails(body: unknown): MimecastErrorDetail[] {
  if (!isRecord(body)) return [];
  const details: MimecastErrorDetail[] = [];
  const fail = body["fail"];
  if (Array.isArray(fail)) {
    for (const entry of fail) {
      if (!isRecord(entry)) continue;
      const errors = entry["errors"];
      if (Array.isArray(errors)) {
        for (const e of errors) if (isRecord(e)) details.push(toDetail(e));
      } else if (entry["code"] !== undefined || entry["message"] !== undefined) {
        details.push(toDetail(entry));
      }
    }
  }
  const error = body["error"];
  if (isRecord(error)) details.push(toDetail(error));
  else if (typeof error === "string") {
    details.push({ code: "error", message: error + describe(body["error_description"]) });
  }
  return details;
}

const describe = (v: unknown): string => (typeof v === "string" ? `: ${v}` : "");

function toDetail(e: Record<string, unknown>): MimecastErrorDetail {
  const detail: MimecastErrorDetail = {
    code: typeof e["code"] === "string" ? e["code"] : "unknown",
    message: typeof e["message"] === "string" ? e["message"] : "",
  };
  if (typeof e["retryable"] === "boolean") detail.retryable = e["retryable"];
  return detail;
}

/** True when the body carries a non-empty `fail` array: Mimecast reports function failures with HTTP 200. */
export function hasFailures(body: unknown): boolean {
  return isRecord(body) && Array.isArray(body["fail"]) && body["fail"].length > 0;
}

export function formatDetails(details: MimecastErrorDetail[]): string {
  return details.map((d) => (d.message ? `${d.code}: ${d.message}` : d.code)).join("; ");
}

export { isRecord };

/** A header value as text (node gives strings, numbers or arrays of strings). */
export function headerText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return value.map((v) => headerText(v) ?? "").join(", ");
  return undefined;
}
