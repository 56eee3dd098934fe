import { createHmac, randomUUID } from "node:crypto";
import type { HmacCredentials } from "./credentials";

/**
 * API 1.0 request signing, exactly as Mimecast's Authorization guide describes:
 *   dataToSign = x-mc-date + ":" + x-mc-req-id + ":" + uri + ":" + appKey
 *   signature  = base64(HMAC-SHA1(base64decode(secretKey), dataToSign))
 *   Authorization: MC {accessKey}:{signature}
 * https://integrations.mimecast.com/documentation/api-overview/authorization/
 */
export function signV1(
  secretKeyBase64: string,
  date: string,
  requestId: string,
  uri: string,
  appKey: string,
): string {
  const key = Buffer.from(secretKeyBase64, "base64");
  return createHmac("sha1", key).update(`${date}:${requestId}:${uri}:${appKey}`, "utf8").digest("base64");
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number): string => String(n).padStart(2, "0");

/** `Tue, 24 Nov 2015 12:50:11 UTC` — the x-mc-date format from Mimecast's examples. */
export function formatMcDate(epochMs: number): string {
  const d = new Date(epochMs);
  return (
    `${DAYS[d.getUTCDay()] ?? ""}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()] ?? ""} ${d.getUTCFullYear()} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`
  );
}

/** The four headers an API 1.0 call needs. `uri` is the path only (no host, no query). */
export function v1AuthHeaders(
  credentials: HmacCredentials,
  uri: string,
  now: number,
  requestId: string = randomUUID(),
): Record<string, string> {
  const date = formatMcDate(now);
  const signature = signV1(credentials.secretKey, date, requestId, uri, credentials.appKey);
  return {
    Authorization: `MC ${credentials.accessKey}:${signature}`,
    "x-mc-date": date,
    "x-mc-req-id": requestId,
    "x-mc-app-id": credentials.appId,
  };
}
