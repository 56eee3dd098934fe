/**
 * The workspace the content is checked against: every table the connector creates (from the feed registry) and
 * the parsers saved as functions.
 */
import { FEEDS } from "../../src/feeds";
import { allTableStreams } from "../../src/ingest/streams";
import type { KqlFunction, KqlTable } from "../helpers/kusto-content";
import { KustoWorkspace, readContent, tablesFromStreams } from "../helpers/kusto-content";

/** Every table the connector writes, as the feed registry declares it (stream columns + standard columns). */
export function contentTables(): KqlTable[] {
  return tablesFromStreams(allTableStreams(FEEDS));
}

export interface ParserEntry {
  functionName: string;
  file: string;
  table: string;
  feed: string;
  description: string;
}

export interface ParserManifest {
  description: string;
  version: string;
  parsers: ParserEntry[];
}

export function parserManifest(): ParserManifest {
  return JSON.parse(readContent("parsers", "parsers.json")) as ParserManifest;
}

export function parserFunctions(): KqlFunction[] {
  return parserManifest().parsers.map((p) => ({
    name: p.functionName,
    body: readContent("parsers", p.file),
  }));
}

/** Tables only: where each parser body is checked. */
export function tablesWorkspace(): KustoWorkspace {
  return new KustoWorkspace(contentTables());
}

/** Tables and every parser as a saved function: where rules and workbook queries are checked. */
export function contentWorkspace(): KustoWorkspace {
  return new KustoWorkspace(contentTables(), parserFunctions());
}
