/** S3-style presigned URLs for batch files: signed with a simulator secret, valid for `fileUrlTtlMs`. */
import { createHmac, timingSafeEqual } from "node:crypto";
import { formatAmzDate, parseAmzDate } from "../core/time-format";

export interface PresignedUrl {
  url: string;
  /** Epoch ms after which the file host refuses the URL. */
  expiresAt: number;
}

export function presign(
  secret: string,
  baseUrl: string,
  objectPath: string,
  now: number,
  ttlMs: number,
): PresignedUrl {
  const amzDate = formatAmzDate(now);
  const expiresSeconds = Math.max(1, Math.round(ttlMs / 1000));
  const query = new URLSearchParams({
    "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
    "X-Amz-Credential": `SIMULATOR/${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`,
    "X-Amz-Date": amzDate,
    "X-Amz-Expires": String(expiresSeconds),
    "X-Amz-SignedHeaders": "host",
    "X-Amz-Signature": sign(secret, objectPath, amzDate, expiresSeconds),
  });
  return {
    url: `${baseUrl}${objectPath}?${query.toString()}`,
    expiresAt: parseAmzDate(amzDate) + expiresSeconds * 1000,
  };
}

export type PresignCheck =
  { ok: true; expiresAt: number; expiresSeconds: number } | { ok: false; reason: "missing" | "signature" };

export function checkPresigned(secret: string, objectPath: string, query: URLSearchParams): PresignCheck {
  const amzDate = query.get("X-Amz-Date") ?? "";
  const expiresSeconds = Number(query.get("X-Amz-Expires"));
  const given = query.get("X-Amz-Signature") ?? "";
  const issuedAt = parseAmzDate(amzDate);
  if (!given || Number.isNaN(issuedAt) || !Number.isInteger(expiresSeconds) || expiresSeconds < 1)
    return { ok: false, reason: "missing" };
  const expected = Buffer.from(sign(secret, objectPath, amzDate, expiresSeconds));
  const actual = Buffer.from(given);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual))
    return { ok: false, reason: "signature" };
  return { ok: true, expiresAt: issuedAt + expiresSeconds * 1000, expiresSeconds };
}

function sign(secret: string, objectPath: string, amzDate: string, expiresSeconds: number): string {
  return createHmac("sha256", secret).update(`${objectPath}\n${amzDate}\n${expiresSeconds}`).digest("hex");
}
