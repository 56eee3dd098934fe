/**
 * Offline checks of DCR data flows: each transformKql parses, keeps to the KQL subset transformations
 * allow, reads only the input stream's columns, and yields exactly the target table's columns and types.
 */
import { analyzeKusto, kustoType } from "../helpers/kusto";

/**
 * Operators a transformation may use ("Supported KQL features in Azure Monitor transformations"):
 * single-row in, at most one row out. Anything else (summarize, join, union, mv-expand, sort, …) fails.
 */
export const ALLOWED_TRANSFORM_OPERATORS: ReadonlySet<string> = new Set([
  "FilterOperator", // where
  "ExtendOperator",
  "ProjectOperator",
  "ProjectAwayOperator",
  "ProjectRenameOperator",
  "ParseOperator",
  "PrintOperator",
]);

/** Scalar functions the same page lists (a subset is enough: unknown names fail, so this list only grows). */
export const ALLOWED_TRANSFORM_FUNCTIONS: ReadonlySet<string> = new Set([
  "tostring",
  "toint",
  "tolong",
  "todouble",
  "toreal",
  "todatetime",
  "totimespan",
  "tobool",
  "toguid",
  "todynamic",
  "parse_json",
  "parse_xml",
  "pack",
  "pack_array",
  "array_length",
  "array_concat",
  "zip",
  "iif",
  "iff",
  "case",
  "max_of",
  "min_of",
  "isnull",
  "isnotnull",
  "isempty",
  "isnotempty",
  "gettype",
  "now",
  "ago",
  "datetime_add",
  "datetime_diff",
  "unixtime_milliseconds_todatetime",
  "unixtime_seconds_todatetime",
  "strcat",
  "strcat_delim",
  "substring",
  "strlen",
  "split",
  "tolower",
  "toupper",
  "indexof",
  "extract",
  "extract_all",
  "countof",
  "hash_sha256",
  "base64_encodestring",
  "base64_decodestring",
  "column_ifexists",
  "columnifexists",
]);

/** Operator-like syntax kinds that are expressions, not tabular operators. */
const NOT_TABULAR = /BinaryOperator|UnaryOperator|InOperator|HasAnyExpression|BetweenExpression/;

export interface DcrLike {
  streamDeclarations: Record<string, { columns: readonly { name: string; type: string }[] }>;
  dataFlows: readonly { streams: readonly string[]; transformKql: string; outputStream: string }[];
}

export interface TableLike {
  name: string;
  properties: { schema: { name: string; columns: readonly { name: string; type: string }[] } };
}

/** Problems of one data flow; empty when it is valid. */
export function dataFlowProblems(dcr: DcrLike, tables: readonly TableLike[], flowIndex: number): string[] {
  const flow = dcr.dataFlows[flowIndex];
  if (flow === undefined) return [`no data flow ${flowIndex}`];
  const problems: string[] = [];
  const streamName = flow.streams[0];
  const stream = streamName === undefined ? undefined : dcr.streamDeclarations[streamName];
  if (flow.streams.length !== 1 || stream === undefined)
    return [`${flow.outputStream}: needs exactly one declared input stream`];
  const tableName = flow.outputStream.replace(/^Custom-/, "");
  const table = tables.find((t) => t.properties.schema.name === tableName);
  if (table === undefined) return [`${flow.outputStream}: no table ${tableName}`];

  // The transform sees its input as the virtual table `source`, and nothing else.
  const analysis = analyzeKusto(flow.transformKql, [{ name: "source", columns: stream.columns }]);
  problems.push(...analysis.diagnostics.map((d) => `${streamName}: ${d}`));
  for (const kind of analysis.syntaxKinds) {
    if (kind.endsWith("Operator") && !NOT_TABULAR.test(kind) && !ALLOWED_TRANSFORM_OPERATORS.has(kind)) {
      problems.push(`${streamName}: ${kind} is not allowed in a DCR transformation`);
    }
  }
  for (const name of analysis.functionNames) {
    if (!ALLOWED_TRANSFORM_FUNCTIONS.has(name))
      problems.push(`${streamName}: function ${name} is not allowed in a DCR transformation`);
  }

  const wanted = new Map(table.properties.schema.columns.map((c) => [c.name, kustoType(c.type)]));
  const produced = new Map(analysis.columns.map((c) => [c.name, c.type]));
  for (const [name, type] of produced) {
    const want = wanted.get(name);
    if (want === undefined)
      problems.push(`${streamName}: output column ${name} is not in table ${tableName}`);
    else if (want !== type)
      problems.push(`${streamName}: column ${name} is ${type}, table ${tableName} has ${want}`);
  }
  for (const name of wanted.keys()) {
    if (!produced.has(name)) problems.push(`${streamName}: table column ${name} is never written`);
  }
  return problems;
}
