/**
 * Mimecast's time formats (research notes A.4.13):
 * - SIEM batch records: `timestamp` as epoch **milliseconds** (number, sometimes a numeric string);
 * - JSON endpoints: `2024-10-17T02:06:50+0000` (offset without colon), RFC 3339 `…Z` also seen;
 * - threat-intel STIX: minute precision `2024-11-18T16:08Z`;
 * - API 1.0 SIEM files: `2017-05-26T16:47:41+0100`.
 */

/** Epoch ms from any Mimecast time value, or undefined when it cannot be read unambiguously. */
export function parseMimecastTime(value: unknown): number | undefined {
  if (typeof value === "number") return plausibleEpochMs(value);
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (/^\d{12,14}$/.test(text)) return plausibleEpochMs(Number(text));
  const m = ISO_LIKE.exec(text);
  if (!m) return undefined;
  const [, date, hh, mm, ss = "00", frac = "", zone = ""] = m;
  const zoneNormalised =
    zone === "" || zone === "Z" || zone === "z"
      ? "Z"
      : zone.length === 5
        ? `${zone.slice(0, 3)}:${zone.slice(3)}`
        : zone;
  if (!realCalendarTime(date ?? "", Number(hh), Number(mm), Number(ss))) return undefined;
  const ms = Date.parse(`${date}T${hh}:${mm}:${ss}${frac.slice(0, 4)}${zoneNormalised}`);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * `Date.parse` rolls impossible dates over (`2026-02-30` becomes March 2) and accepts `24:00`: an event
 * time that does not exist is unreadable, so the record is dead-lettered with its reason instead.
 */
function realCalendarTime(date: string, hh: number, mm: number, ss: number): boolean {
  // `date` matched \d{4}-\d{2}-\d{2}: fixed offsets, no split (this runs for every time value read).
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7));
  const d = Number(date.slice(8, 10));
  if (m < 1 || m > 12 || d < 1 || hh > 23 || mm > 59 || ss > 59) return false;
  return d <= daysInMonth(y, m);
}

/** Days in month `m` (1–12) of year `y`, as `Date.UTC` counts them; remembered per month seen. */
function daysInMonth(y: number, m: number): number {
  const key = y * 12 + m;
  let days = monthLengths.get(key);
  if (days === undefined) {
    days = new Date(Date.UTC(y, m, 0)).getUTCDate();
    if (monthLengths.size >= MAX_MONTHS_REMEMBERED) monthLengths.clear();
    monthLengths.set(key, days);
  }
  return days;
}
const monthLengths = new Map<number, number>();
/** Bounded: hostile input may name any of 10,000 years × 12 months. */
const MAX_MONTHS_REMEMBERED = 4096;

const ISO_LIKE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(\.\d+)?(Z|z|[+-]\d{2}:?\d{2})?$/;

/** Between 2000 and 2100: anything else is a unit mistake (seconds vs ms), not a time. */
function plausibleEpochMs(n: number): number | undefined {
  if (!Number.isFinite(n)) return undefined;
  return n >= 946_684_800_000 && n < 4_102_444_800_000 ? Math.trunc(n) : undefined;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/** `2024-10-17T02:06:50+0000`: the format Mimecast's JSON endpoints document for `from`/`to`. */
export function formatMimecastTime(epochMs: number): string {
  const d = new Date(epochMs);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}+0000`
  );
}

/** `YYYY-MM-DD` (UTC): the SIEM batch endpoint's day granularity. */
export function formatDay(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

export const DAY_MS = 86_400_000;

/** Start of the UTC day containing `epochMs`. */
export function startOfUtcDay(epochMs: number): number {
  return Math.floor(epochMs / DAY_MS) * DAY_MS;
}

/**
 * `new Date(epochMs).toISOString()`, cheaper for runs of times in the same second (a SIEM file's
 * consecutive events nearly always are: 96 % of a CG receipt file's neighbours): the text up to the
 * second is remembered and only the milliseconds are appended (~0.1 µs instead of ~0.6 µs, issue 14).
 * Anything else (another second, a fraction of a millisecond, a time before 1970 or past 9999) takes
 * `toISOString` itself.
 */
export function isoTime(epochMs: number): string {
  const second = Math.floor(epochMs / 1000) * 1000;
  const millis = epochMs - second;
  if (second === cachedSecond && Number.isInteger(millis)) return cachedPrefix + MILLIS[millis]!;
  const iso = new Date(epochMs).toISOString();
  // Only the plain 24-character form (`YYYY-MM-DDTHH:MM:SS.mmmZ`) of a whole millisecond is reused.
  if (iso.length === 24 && Number.isInteger(millis) && epochMs >= 0) {
    cachedSecond = second;
    cachedPrefix = iso.slice(0, 20);
  }
  return iso;
}

let cachedSecond = Number.NaN;
let cachedPrefix = "";
const MILLIS = Array.from({ length: 1000 }, (_, ms) => `${String(ms).padStart(3, "0")}Z`);
