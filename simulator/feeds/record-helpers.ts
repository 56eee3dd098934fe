/** Small helpers that make generated records look like the real wire format. */
import type { LogRecord, RecordContext } from "./types";

/**
 * Kafka-like stream coordinates every SIEM batch line carries; their exact meaning is unpublished.
 * SIEM batch lines arrive with alphabetically ordered keys (Elastic v2 fixtures), so builders write their
 * object literals in that order: `Hostname`, `_offset`, `_partition`, `accountId`, … (uppercase < `_` < lowercase).
 */
export const offsetOf = (ctx: RecordContext): number => (ctx.slot % 100_000) * 1000 + (ctx.index % 1000);
export const partitionOf = (ctx: RecordContext): number => ctx.slot % 64;

/** SIEM numbers are usually strings on the wire (`"numberAttachments":"0"`). */
export const str = (value: number): string => String(value);

/**
 * A few percent of SIEM lines lack `messageId` altogether: peers hit this (Elastic #9048). Deleting (rather
 * than setting undefined) keeps the ground-truth record identical to the parsed line.
 */
export function dropMessageIdSometimes(ctx: RecordContext, record: LogRecord): LogRecord {
  if (ctx.rng.chance(0.03)) delete record.messageId;
  return record;
}
