import { failed, parsed } from "./parse";
import type { ParseResult } from "./parse";

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** A time zone is required: a zone-less time would depend on the host's local time. */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** "2025-01-31" (midnight UTC) or "2025-01-31T12:00:00Z" / "…+01:00" → epoch milliseconds. */
export function parseStartDate(text: string): ParseResult<number> {
  const dateOnly = DATE_ONLY.exec(text);
  if (dateOnly) return fromParts(text, dateOnly.slice(1, 4), "Z");
  const dateTime = DATE_TIME.exec(text);
  if (!dateTime) return failed("it is neither YYYY-MM-DD nor an ISO 8601 date-time with a time zone");
  const [, , , , hour = "", minute = "", second = "0", fraction = "0", zone = "Z"] = dateTime;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59)
    return failed("its time is out of range");
  const base = fromParts(text, dateTime.slice(1, 4), zone);
  if (!base.ok) return base;
  const millis = Math.floor(Number(`0.${fraction}`) * 1000);
  return parsed(base.value + ((Number(hour) * 60 + Number(minute)) * 60 + Number(second)) * 1000 + millis);
}

function fromParts(text: string, [year, month, day]: string[], zone: string): ParseResult<number> {
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  const midnight = Date.UTC(y, m - 1, d);
  const check = new Date(midnight);
  // Date.UTC rolls 2025-02-30 over to March; a real date survives the round trip.
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) {
    return failed(`"${text}" is not a calendar date`);
  }
  return parsed(midnight - zoneOffsetMs(zone));
}

function zoneOffsetMs(zone: string): number {
  if (zone.toUpperCase() === "Z") return 0;
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
}
