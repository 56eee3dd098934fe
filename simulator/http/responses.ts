/** The error envelopes Mimecast uses, by layer (research A.2, A.3). */
import type { SimResponse } from "./context";

export interface MimecastError {
  code: string;
  message: string;
  retryable?: boolean;
}

export function json(status: number, value: unknown, headers?: Record<string, string>): SimResponse {
  return headers ? { status, json: value, headers } : { status, json: value };
}

/** API gateway errors of API 2.0 (401/403/429): `{"fail":[{"code","message"}]}` — peers read `fail[0].code`. */
export function gatewayFail(status: number, code: string, message: string): SimResponse {
  return json(status, { fail: [{ code, message }] });
}

/** API 1.0-style transport error: `{"meta":{"status"},"data":[],"fail":[{"errors":[…]}]}` with that HTTP status. */
export function v1Fail(status: number, code: string, message: string): SimResponse {
  return json(status, {
    meta: { status },
    data: [],
    fail: [{ errors: [{ code, message, retryable: false }] }],
  });
}

/** Function-level failure: HTTP 200 with a non-empty `fail` array ("a 200 does not mean the action succeeded"). */
export function functionFail(
  error: MimecastError,
  key?: unknown,
  meta: Record<string, unknown> = {},
): SimResponse {
  const entry: Record<string, unknown> = key === undefined ? {} : { key };
  entry.errors = [{ code: error.code, message: error.message, retryable: error.retryable ?? false }];
  return json(200, { meta: { status: 200, ...meta }, data: [], fail: [entry] });
}

/** Errors of the `/siem/v1/*` REST endpoints: `{"error":{"code","message"}}` (Gravwell's SIEMErrorResponse). */
export function restError(status: number, code: string, message: string): SimResponse {
  return json(status, { error: { code, message } });
}

/** S3's XML error document, as a presigned-URL host answers. */
export function s3Error(
  status: number,
  code: string,
  message: string,
  extra: Record<string, string> = {},
): SimResponse {
  const fields = Object.entries({ Code: code, Message: message, ...extra })
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join("");
  return {
    status,
    headers: { "Content-Type": "application/xml" },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${fields}<RequestId>SIMULATOR</RequestId></Error>`,
  };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
