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

/**
 * The table a `Custom-<Table>` stream lands in (`Custom-Foo_CL` → `Foo_CL`). Names are restricted to
 * letters, digits, `_` and `-` because the local sink uses them as file names.
 */
export function tableNameOfStream(streamName: string): string {
  const table = streamName.startsWith("Custom-") ? streamName.slice("Custom-".length) : streamName;
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(table)) {
    throw new Error(`stream name ${JSON.stringify(streamName)} does not name a table`);
  }
  return table;
}
