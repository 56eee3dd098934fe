/**
 * The DCR and the custom-table schemas, generated from the feed registry (src/feeds) through
 * `allTableStreams`, so a feed's columns are declared once: in its spec. Feeds that share a table
 * (e.g. SIEM CG over API 2.0 and the API 1.0 SIEM files) share one stream and one data flow.
 */
import type { FeedSpecBase } from "../../src/feeds/types";
import { allTableStreams, CONNECTOR_HEALTH_TABLE } from "../../src/ingest/streams";
import type { StreamColumn, StreamColumnType } from "../../src/sentinel/streams";

/** One destination table with its default name, the feeds that write it and its DCR stream columns. */
export interface TableEntry {
  table: string;
  /** Feed ids writing this table (empty for the connector's own tables). */
  feedIds: string[];
  columns: readonly StreamColumn[];
}

/**
 * Rows arrive already mapped (TimeGenerated = event time, compatibility renames done in the feed
 * mapper), so the transform is the identity: cheapest to run and nothing can be dropped on the way.
 */
export const IDENTITY_TRANSFORM = "source";

/** The ARM expression every DCR destination uses: the one workspace the template deploys into. */
export const WORKSPACE_RESOURCE_ID = "[variables('workspaceResourceId')]";
export const DESTINATION_NAME = "sentinelWorkspace";

/** Log Analytics tables API column types differ from DCR stream types in one spelling. */
const TABLE_COLUMN_TYPES: Readonly<Record<StreamColumnType, string>> = {
  string: "string",
  int: "int",
  long: "long",
  real: "real",
  boolean: "boolean",
  datetime: "dateTime",
  dynamic: "dynamic",
};

export function tableColumnType(type: StreamColumnType): string {
  return TABLE_COLUMN_TYPES[type];
}

/** Every table the connector writes, once each, in registry order; shared tables must agree on columns. */
export function tableEntries(feeds: readonly FeedSpecBase[]): TableEntry[] {
  return allTableStreams(feeds).map(({ table, stream, feedIds }) => ({
    table,
    feedIds: [...feedIds],
    columns: stream.columns,
  }));
}

export interface GeneratedDcrProperties {
  streamDeclarations: Record<string, { columns: StreamColumn[] }>;
  destinations: { logAnalytics: { name: string; workspaceResourceId: string }[] };
  dataFlows: {
    streams: string[];
    destinations: string[];
    transformKql: string;
    outputStream: string;
  }[];
}

/** The DCR's `properties` (minus the data collection endpoint id, which the template adds). */
export function generateDcr(entries: readonly TableEntry[]): GeneratedDcrProperties {
  return {
    streamDeclarations: Object.fromEntries(
      entries.map((entry) => [
        `Custom-${entry.table}`,
        { columns: entry.columns.map(({ name, type }) => ({ name, type })) },
      ]),
    ),
    destinations: { logAnalytics: [{ name: DESTINATION_NAME, workspaceResourceId: WORKSPACE_RESOURCE_ID }] },
    dataFlows: entries.map((entry) => ({
      streams: [`Custom-${entry.table}`],
      destinations: [DESTINATION_NAME],
      transformKql: IDENTITY_TRANSFORM,
      outputStream: `Custom-${entry.table}`,
    })),
  };
}

/**
 * Azure Monitor accepts at most 10 stream declarations and 10 data flows per DCR
 * (https://learn.microsoft.com/azure/azure-monitor/fundamentals/service-limits#data-collection-rules).
 */
export const DCR_LIMITS = { streamDeclarations: 10, dataFlows: 10 } as const;

/** One DCR of the template: the tables whose streams it declares, and its properties. */
export interface GeneratedDcr {
  /** 1-based; DCR 1 is the default (MIMECAST_DCR_IMMUTABLE_ID), the others are MIMECAST_DCR_ROUTES targets. */
  index: number;
  tables: string[];
  properties: GeneratedDcrProperties;
}

/**
 * The tables spread over as many DCRs as the limits need, so a feed added to the registry lands in a DCR
 * with room (or a new one) without anyone counting. DCR 1 takes the connector's own tables first, then feeds
 * in registry order fill each DCR in turn (a feed appended to the registry never moves an existing table).
 * Every DCR after the first also declares the connector-health stream, so `doctor` can probe each one
 * (identity role, immutable id) with a marked health row instead of writing into a data table.
 */
export function generateDcrs(
  entries: readonly TableEntry[],
  capacity: number = DCR_LIMITS.streamDeclarations,
): GeneratedDcr[] {
  const health = entries.find((entry) => entry.table === CONNECTOR_HEALTH_TABLE);
  const own = entries.filter((entry) => entry.feedIds.length === 0);
  const feeds = entries.filter((entry) => entry.feedIds.length > 0);
  const groups: TableEntry[][] = [[...own]];
  for (const entry of feeds) {
    let group = groups[groups.length - 1]!;
    if (group.length >= capacity) {
      group = health ? [health] : [];
      groups.push(group);
    }
    group.push(entry);
  }
  return groups.map((group, i) => ({
    index: i + 1,
    tables: group.map((entry) => entry.table),
    properties: generateDcr(group),
  }));
}

export interface GeneratedTable {
  name: string;
  properties: {
    plan: "Analytics";
    schema: { name: string; columns: { name: string; type: string }[] };
  };
}

/** Custom tables in the Log Analytics tables API shape (`workspaces/tables`). */
export function generateTables(entries: readonly TableEntry[]): GeneratedTable[] {
  return entries.map((entry) => ({
    name: entry.table,
    properties: {
      plan: "Analytics",
      schema: {
        name: entry.table,
        columns: entry.columns.map(({ name, type }) => ({ name, type: tableColumnType(type) })),
      },
    },
  }));
}
