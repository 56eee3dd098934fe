/** The timestamp formats Mimecast uses on the wire (research notes A.4.13), and lenient parsers for requests. */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/** `2024-10-17T02:06:50+0000`: audit, DLP, TTP, held release, archive search, API 1.0 SIEM `datetime`. */
export function formatMimecastTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}+0000`;
}

/** `2024-11-18T16:08Z`: the minute-precision STIX timestamps of the threat-intel feed. */
export function formatStixTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16)}Z`;
}

/** `YYYY-MM-DD` (UTC): SIEM batch date-range parameters. */
export function formatDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `yyyyMMddHHmmssSSS`: the stamp Mimecast puts in downloaded file names. */
export function formatFileStamp(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}` +
    `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}${pad(d.getUTCMilliseconds(), 3)}`
  );
}

/** `20240517T163000Z`: S3's X-Amz-Date. */
export function formatAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

export function parseAmzDate(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return Number.NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/** `Tue, 24 Nov 2015 12:50:11 UTC`: the API 1.0 `x-mc-date` header. */
export function formatMcDate(ms: number): string {
  return new Date(ms).toUTCString().replace("GMT", "UTC");
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Parses `x-mc-date`; Mimecast's docs show both `UTC` and `GMT`, so both are accepted. */
export function parseMcDate(text: string): number {
  const m =
    /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) (?:UTC|GMT)$/.exec(
      text.trim(),
    );
  if (!m) return Number.NaN;
  const month = MONTHS.indexOf(m[2] ?? "");
  if (month < 0) return Number.NaN;
  return Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/**
 * Parses request times of the JSON endpoints: `…+0000` (documented), RFC 3339 `…Z` / `…+00:00` (what Elastic sends),
 * optional fractional seconds. Returns NaN for anything else.
 */
export function parseMimecastTime(text: unknown): number {
  if (typeof text !== "string") return Number.NaN;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/.exec(
    text.trim(),
  );
  if (!m) return Number.NaN;
  const millis = m[7] ? Number(m[7].slice(0, 3).padEnd(3, "0")) : 0;
  const base = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6] ?? 0),
    millis,
  );
  const zone = m[8] ?? "Z";
  if (zone === "Z") return base;
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4));
  return base - sign * offsetMinutes * MINUTE_MS;
}

/** Parses a strict `YYYY-MM-DD` into the epoch ms of that UTC midnight. */
export function parseDay(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return Number.NaN;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return formatDay(ms) === text ? ms : Number.NaN;
}

export function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}
