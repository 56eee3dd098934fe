/**
 * What a DCR stream declares: the contract between a feed's rows and the Logs Ingestion API.
 * Column types are the DCR stream declaration types (`KnownKnownColumnDefinitionType`).
 */
export type StreamColumnType = "string" | "int" | "long" | "real" | "boolean" | "datetime" | "dynamic";

export interface StreamColumn {
  name: string;
  type: StreamColumnType;
}

export interface StreamSchema {
  /** `Custom-<Table>` stream name as declared in the DCR. */
  streamName: string;
  columns: readonly StreamColumn[];
}

/** A row ready for upload: column name → JSON value. */
export type SentinelRow = Record<string, unknown>;
