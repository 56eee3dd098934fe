/**
 * Offline KQL semantic checks for the Sentinel content (parsers, analytic rules, workbook) with
 * `@kusto/language-service-next` — the Bridge.NET build of Microsoft's Kusto.Language, so names and types are
 * resolved exactly as the Log Analytics editor would, with no workspace. Self-contained on purpose (the DCR
 * transform checks live in their own helper).
 */
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { TableStream } from "../../src/ingest/streams";
import type { StreamColumnType } from "../../src/sentinel/streams";

// The package defines its API as globals (`Bridge`, `System`, `Kusto`) when loaded; it ships no types.
require("@kusto/language-service-next/bridge");
require("@kusto/language-service-next/Kusto.Language.Bridge");

interface KDiagnostic {
  Severity: string;
  Code: string;
  Message: string;
  Start: number;
  End: number;
}
interface KColumn {
  Name: string;
  Type: { Name: string };
}
interface KCode {
  GetDiagnostics(): unknown;
  ResultType: { Columns?: unknown } | null;
}
interface KustoGlobals {
  Kusto: {
    Language: {
      KustoCode: { ParseAndAnalyze(text: string, globals: unknown): KCode };
      GlobalState: { Default: { WithDatabase(db: unknown): unknown } };
      Symbols: {
        TableSymbol: { $ctor7: new (name: string, schema: string, description: string | null) => unknown };
        FunctionSymbol: {
          $ctor16: new (
            name: string,
            parameters: string,
            body: string,
            description: string | null,
          ) => unknown;
        };
        DatabaseSymbol: { ctor: new (name: string, members: unknown[]) => unknown };
      };
    };
  };
  Bridge: { toArray<T>(value: unknown): T[] };
}
const { Kusto, Bridge } = globalThis as unknown as KustoGlobals;
const K = Kusto.Language;

export interface KqlColumn {
  name: string;
  /** Kusto scalar type name: string, datetime, real, long, int, bool, dynamic, … */
  type: string;
}

export interface KqlTable {
  name: string;
  columns: readonly KqlColumn[];
}

export interface KqlFunction {
  name: string;
  /** The function body as saved in the workspace (a query, optionally preceded by `let` statements). */
  body: string;
}

export interface KqlDiagnostic {
  severity: string;
  code: string;
  message: string;
  /** The offending text, for readable failures. */
  text: string;
}

export interface KqlAnalysis {
  errors: KqlDiagnostic[];
  /** Output schema of the query (empty when it is not tabular). */
  columns: KqlColumn[];
}

/** DCR stream declaration types → Kusto types (the table stores `boolean` as `bool`). */
const KQL_TYPE: Record<StreamColumnType, string> = {
  string: "string",
  int: "int",
  long: "long",
  real: "real",
  boolean: "bool",
  datetime: "datetime",
  dynamic: "dynamic",
};

/** Columns Log Analytics adds to every table; queries may use them (the 3.1 parsers read `Type`). */
export const LOG_ANALYTICS_STANDARD_COLUMNS: readonly KqlColumn[] = [
  { name: "TenantId", type: "string" },
  { name: "Type", type: "string" },
  { name: "_ResourceId", type: "string" },
  { name: "_ItemId", type: "string" },
  { name: "_TimeReceived", type: "datetime" },
];

/** The workspace tables the connector creates, as Log Analytics shows them (stream columns + standard ones). */
export function tablesFromStreams(streams: readonly TableStream[]): KqlTable[] {
  return streams.map(({ table, stream }) => ({
    name: table,
    columns: [
      ...stream.columns.map((column) => ({ name: column.name, type: KQL_TYPE[column.type] })),
      ...LOG_ANALYTICS_STANDARD_COLUMNS,
    ],
  }));
}

const quote = (name: string): string => `['${name.replace(/'/g, "\\'")}']`;

/** A workspace as the analyzer sees it: tables plus saved functions (parsers). */
export class KustoWorkspace {
  private readonly globals: unknown;

  constructor(
    readonly tables: readonly KqlTable[],
    readonly functions: readonly KqlFunction[] = [],
  ) {
    const symbols: unknown[] = tables.map(
      (table) =>
        new K.Symbols.TableSymbol.$ctor7(
          table.name,
          `(${table.columns.map((c) => `${quote(c.name)}:${c.type}`).join(", ")})`,
          null,
        ),
    );
    for (const fn of functions) {
      // The closing brace goes on its own line: a body ending in a `//` comment would swallow it.
      symbols.push(new K.Symbols.FunctionSymbol.$ctor16(fn.name, "()", `{\n${fn.body}\n}`, null));
    }
    this.globals = K.GlobalState.Default.WithDatabase(
      new K.Symbols.DatabaseSymbol.ctor("workspace", symbols),
    );
  }

  /** Another workspace with more saved functions (e.g. the parsers, once each parser is known to be valid). */
  withFunctions(functions: readonly KqlFunction[]): KustoWorkspace {
    return new KustoWorkspace(this.tables, [...this.functions, ...functions]);
  }

  /** Parses and type-checks `query`; unknown tables, columns and functions and type errors are errors. */
  analyze(query: string): KqlAnalysis {
    const code = K.KustoCode.ParseAndAnalyze(query, this.globals);
    const errors = Bridge.toArray<KDiagnostic>(code.GetDiagnostics())
      .filter((d) => d.Severity === "Error")
      .map((d) => ({
        severity: d.Severity,
        code: d.Code,
        message: d.Message,
        text: query.slice(Math.max(0, d.Start - 20), Math.min(query.length, d.End + 20)),
      }));
    const columns =
      code.ResultType?.Columns !== undefined
        ? Bridge.toArray<KColumn>(code.ResultType.Columns).map((c) => ({ name: c.Name, type: c.Type.Name }))
        : [];
    return { errors, columns };
  }
}

/** Human-readable error list for assertion messages. */
export function describeErrors(errors: readonly KqlDiagnostic[]): string {
  return errors.map((e) => `${e.code} ${e.message} (near: ${JSON.stringify(e.text)})`).join("\n");
}

/** The repository root (tests run from dist/test/...). */
export function repoRoot(): string {
  return resolve(__dirname, "..", "..", "..");
}

export const CONTENT_DIR = (): string => join(repoRoot(), "content");

export function readContent(...parts: string[]): string {
  return readFileSync(join(CONTENT_DIR(), ...parts), "utf8");
}

export function listContent(dir: string, extension: string): string[] {
  return readdirSync(join(CONTENT_DIR(), dir))
    .filter((name) => name.endsWith(extension))
    .sort();
}
