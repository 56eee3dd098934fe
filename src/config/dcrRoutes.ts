import { TABLE_NAME_PATTERN } from "./feedLists";
import { failed, parsed, splitPairs } from "./parse";
import type { ParseResult } from "./parse";
import type { FeedId } from "./feedIds";
import type { SinkConfig } from "./types";

/** A DCR immutable id: `dcr-` and 32 hexadecimal digits. */
export const DCR_IMMUTABLE_ID_PATTERN = /^dcr-[0-9A-Fa-f]{32}$/;

/** Destination table (as written, after renames) → the immutable id of the DCR that declares its stream. */
export type DcrRoutes = Readonly<Record<string, string>>;

/**
 * "Table_CL=dcr-…,Other_CL=dcr-…": Azure Monitor caps a DCR at 10 streams, so the template spreads the
 * tables over several DCRs and tells the app which one holds each; unlisted tables use MIMECAST_DCR_IMMUTABLE_ID.
 */
export function parseDcrRoutes(text: string): ParseResult<DcrRoutes> {
  const pairs = splitPairs(text);
  if (!pairs.ok) return pairs;
  const routes: Record<string, string> = {};
  for (const [table, ruleId] of pairs.value) {
    if (!TABLE_NAME_PATTERN.test(table)) return failed(`"${table}" is not a custom table name ending in _CL`);
    if (!DCR_IMMUTABLE_ID_PATTERN.test(ruleId)) {
      return failed(`"${ruleId}" (for ${table}) is not a DCR immutable id (dcr- and 32 hexadecimal digits)`);
    }
    routes[table] = ruleId;
  }
  return parsed(routes);
}

/** The DCR a stream (`Custom-<table>`) is sent to. */
export function dcrFor(sink: { dcrImmutableId: string; dcrRoutes: DcrRoutes }, streamName: string): string {
  const table = streamName.replace(/^Custom-/, "");
  return sink.dcrRoutes[table] ?? sink.dcrImmutableId;
}

/** Every DCR the app may send to, the default first, each once. */
export function allDcrs(sink: { dcrImmutableId: string; dcrRoutes: DcrRoutes }): string[] {
  return [...new Set([sink.dcrImmutableId, ...Object.values(sink.dcrRoutes)])];
}

/**
 * Where a feed's rows go: its table (after MIMECAST_TABLE_NAMES) and, for the Logs Ingestion sink, the
 * immutable id of the DCR that declares that table's stream — what the status route shows per cursor.
 */
export function routeOf(
  sink: SinkConfig,
  feedId: FeedId,
  defaultTable: string,
): { table: string; dcr?: string } {
  const table = sink.tableNames[feedId] ?? defaultTable;
  return sink.kind === "logs-ingestion" ? { table, dcr: dcrFor(sink, `Custom-${table}`) } : { table };
}
