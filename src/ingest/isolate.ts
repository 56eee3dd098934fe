import type { MappedRecord } from "../feeds/mapping";
import type { SegmentItem } from "./segment";

/**
 * One record's mapping, isolated: whatever it throws (a stack overflow on a record nested thousands
 * deep, a converter meeting a shape it never saw) costs that record a dead-letter with the reason —
 * never its page or file, and never a unit stuck at that line for ever.
 */
export function isolatedItem(
  position: number,
  sourcePosition: string,
  record: unknown,
  map: () => MappedRecord,
): SegmentItem {
  try {
    return { position, sourcePosition, mapped: map(), raw: record };
  } catch (error) {
    return { position, sourcePosition, mapped: mappingFailed(error), raw: rawText(record) };
  }
}

/** The dead-letter of a record whose mapping threw. */
export function mappingFailed(error: unknown): MappedRecord {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { kind: "dead-letter", reason: `mapping failed: ${detail}` };
}

/** The record as text for the dead-letter; a record too deep even to serialise is described instead. */
export function rawText(record: unknown): string {
  try {
    return JSON.stringify(record) ?? String(record);
  } catch (error) {
    return `[record could not be serialised: ${error instanceof Error ? error.message : String(error)}]`;
  }
}
