/**
 * API 1.0 request signing, verified independently of the connector's client:
 * `Authorization: MC {accessKey}:{base64(HMAC-SHA1(base64decode(secretKey), date:reqId:path:appKey))}`.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { AppIdentity } from "../core/options";
import { MINUTE_MS, parseMcDate } from "../core/time-format";

/** Mimecast rejects requests whose `x-mc-date` is too far from its clock. */
export const MAX_CLOCK_SKEW_MS = 15 * MINUTE_MS;

export type HmacApp = Extract<AppIdentity, { kind: "hmac" }>;

export type HmacResult =
  { ok: true; app: HmacApp } | { ok: false; status: 401; code: string; message: string };

export function signature(
  secretKeyBase64: string,
  date: string,
  requestId: string,
  path: string,
  appKey: string,
): string {
  return createHmac("sha1", Buffer.from(secretKeyBase64, "base64"))
    .update(`${date}:${requestId}:${path}:${appKey}`)
    .digest("base64");
}

export function verifyHmac(
  headers: IncomingHttpHeaders,
  path: string,
  apps: readonly AppIdentity[],
  now: number,
): HmacResult {
  const authorization = header(headers, "authorization");
  const date = header(headers, "x-mc-date");
  const requestId = header(headers, "x-mc-req-id");
  const appId = header(headers, "x-mc-app-id");
  if (!date || !requestId || !appId) {
    return fail(
      "err_xdk_missing_header",
      "0001 Missing required header: x-mc-date, x-mc-req-id and x-mc-app-id are required",
    );
  }
  const m = /^MC ([^:\s]+):(\S+)$/.exec(authorization);
  if (!m) return fail("err_xdk_invalid_authorization", "0002 Invalid Authorization header");
  const [, accessKey = "", presented = ""] = m;
  const app = apps.find((a): a is HmacApp => a.kind === "hmac" && a.accessKey === accessKey);
  if (!app) return fail("err_xdk_invalid_access_key", "0003 Invalid Access Key");
  if (app.appId !== appId)
    return fail("err_xdk_invalid_app_id", "0006 Application ID does not match the access key");
  const sentAt = parseMcDate(date);
  if (Number.isNaN(sentAt)) return fail("err_xdk_invalid_date", "0005 Invalid x-mc-date header");
  if (Math.abs(now - sentAt) > MAX_CLOCK_SKEW_MS) {
    return fail(
      "err_xdk_request_date_out_of_range",
      "0005 Request date is more than 15 minutes from server time",
    );
  }
  const expected = Buffer.from(signature(app.secretKeyBase64, date, requestId, path, app.appKey));
  const given = Buffer.from(presented);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return fail("err_xdk_invalid_signature", "0004 Invalid Signature");
  }
  return { ok: true, app };
}

function fail(code: string, message: string): HmacResult {
  return { ok: false, status: 401, code, message };
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return Array.isArray(value) ? (value[0] ?? "") : (value ?? "");
}
