import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { feedById } from "../../src/feeds";
import { mapRecord } from "../../src/feeds/mapping";
import type { Simulator } from "../../simulator/index";
import type { FeedKey, SimEvent } from "../../simulator/index";
import type { FeedSpec } from "../../src/feeds";

/** Every row of a local-sink table directory, by table. A torn last line (kill -9) is skipped. */
export function readTables(dir: string): Map<string, Record<string, unknown>[]> {
  const tables = new Map<string, Record<string, unknown>[]>();
  if (!existsSync(dir)) return tables;
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".ndjson"))) {
    const rows: Record<string, unknown>[] = [];
    const lines = readFileSync(join(dir, file), "utf8").split("\n");
    lines.forEach((line, index) => {
      if (line.trim() === "") return;
      try {
        rows.push(JSON.parse(line) as Record<string, unknown>);
      } catch (error) {
        if (index < lines.length - 1 && lines.slice(index + 1).some((l) => l.trim() !== "")) throw error;
      }
    });
    tables.set(file.replace(/\.ndjson$/, ""), rows);
  }
  return tables;
}

/** The EventId the connector gives a ground-truth event (threat intel: the STIX indicator it wraps). */
export function groundTruthEventId(feed: FeedSpec, event: SimEvent): string {
  const record =
    feed.source === "threat-intel"
      ? (event.record as unknown as { indicator: Record<string, unknown> }).indicator
      : event.record;
  const mapped = mapRecord(feed, record);
  if (mapped.kind !== "row")
    throw new Error(`ground truth record of ${feed.id} does not map: ${mapped.reason}`);
  return String(mapped.row["EventId"]);
}

/** EventIds the simulator's ground truth says a feed must deliver for [from, to) (event time). */
export function expectedEventIds(
  sim: Simulator,
  feedId: string,
  query: { from: number; to: number; basis?: "event" | "publish"; publishedBy?: number },
): string[] {
  const feed = feedById(feedId);
  if (!feed) throw new Error(`unknown feed ${feedId}`);
  const ids: string[] = [];
  for (const event of sim.groundTruth(feedId as FeedKey, query)) ids.push(groundTruthEventId(feed, event));
  return ids.sort();
}

export function countBy(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

/** Missing and duplicated ids of `actual` against `expected` (both multisets). */
export function compareIds(
  expected: readonly string[],
  actual: readonly string[],
): { missing: string[]; duplicated: string[]; unexpected: string[] } {
  const want = countBy(expected);
  const got = countBy(actual);
  const missing = [...want.keys()].filter((id) => !got.has(id));
  const duplicated = [...got.entries()].filter(([id, n]) => n > (want.get(id) ?? 1)).map(([id]) => id);
  const unexpected = [...got.keys()].filter((id) => !want.has(id));
  return { missing, duplicated, unexpected };
}
