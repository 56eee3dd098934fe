/**
 * Offline KQL checking with @kusto/language-service-next (the Bridge.NET build of Microsoft's
 * Kusto.Language): parse + semantic analysis against our own table schemas, so an unknown table or
 * column, a type error or a syntax error fails a test instead of a deployment.
 *
 * Reusable for DCR transforms, parsers, analytic rules and workbook queries:
 *   kustoDiagnostics("Seg_Cg_CL | where Logtype == 'x'", tables)        → [] or error messages
 *   analyzeKusto(query, tables, functions).columns                      → output schema
 *
 * The Bridge build defines globals (Bridge, System, Kusto) when required; it is loaded once, lazily,
 * and global states are cached per schema set because building one costs a few milliseconds.
 */

/** A column as our generators describe it; DCR (`datetime`, `boolean`) and table (`dateTime`) type names both work. */
export interface KustoColumn {
  name: string;
  type: string;
}

export interface KustoTable {
  name: string;
  columns: readonly KustoColumn[];
}

/** A stored function (parser): `parameters` is a KQL parameter list such as "()" or "(n:int)". */
export interface KustoFunction {
  name: string;
  body: string;
  parameters?: string;
}

export interface KustoAnalysis {
  /** Errors as "KS142 @51-54: The name 'Foo' does not refer to any known column…" (empty: the query is valid). */
  diagnostics: string[];
  /** Output schema of the query's last tabular expression (types are Kusto names: bool, datetime, …). */
  columns: KustoColumn[];
  /** Every syntax node kind in the query (e.g. ExtendOperator), for operator allow-lists. */
  syntaxKinds: string[];
  /** Names of the functions the query calls (e.g. tostring), for function allow-lists. */
  functionNames: string[];
}

// Just the part of the Bridge API used here: its generated typings are 30k lines of overloads.
interface BridgeDiagnostic {
  Severity: string;
  Code: string;
  Message: string;
  Start: number;
  End: number;
}
interface BridgeColumn {
  Name: string;
  Type: { Name: string };
}
interface BridgeCode {
  GetDiagnostics(): unknown;
  ResultType: { Columns?: unknown } | null;
  Syntax: unknown;
}
interface BridgeSymbols {
  TableSymbol: { $ctor7: new (name: string, schema: string, description: string | null) => unknown };
  FunctionSymbol: {
    $ctor16: new (name: string, parameterList: string, body: string, description: string | null) => unknown;
  };
  DatabaseSymbol: { ctor: new (name: string, members: unknown[]) => unknown };
}
interface KustoLanguage {
  Symbols: BridgeSymbols;
  GlobalState: { Default: { WithDatabase(database: unknown): unknown } };
  KustoCode: { ParseAndAnalyze(text: string, globals: unknown): BridgeCode };
  Syntax: {
    SyntaxKind: unknown;
    SyntaxElement: {
      WalkNodes(
        root: unknown,
        action: (node: { Kind: number; Name?: { SimpleName?: string } }) => void,
      ): void;
    };
  };
}
interface BridgeGlobals {
  Bridge: { toArray<T>(list: unknown): T[] };
  System: { Enum: { getName(enumType: unknown, value: number): string } };
  Kusto: { Language: KustoLanguage };
}

let loaded: BridgeGlobals | undefined;

function bridge(): BridgeGlobals {
  if (loaded === undefined) {
    require("@kusto/language-service-next/bridge");
    require("@kusto/language-service-next/Kusto.Language.Bridge");
    loaded = globalThis as unknown as BridgeGlobals;
  }
  return loaded;
}

const KUSTO_TYPES: Readonly<Record<string, string>> = {
  string: "string",
  int: "int",
  long: "long",
  real: "real",
  double: "real",
  bool: "bool",
  boolean: "bool",
  datetime: "datetime",
  dynamic: "dynamic",
  guid: "guid",
  timespan: "timespan",
  decimal: "decimal",
};

/** The Kusto scalar type name for a DCR stream or Log Analytics table column type. */
export function kustoType(type: string): string {
  const name = KUSTO_TYPES[type.toLowerCase()];
  if (name === undefined) throw new Error(`unknown column type ${JSON.stringify(type)}`);
  return name;
}

const quoteName = (name: string): string => `['${name.replace(/'/g, "\\'")}']`;

const globalsCache = new Map<string, unknown>();

function globalsFor(tables: readonly KustoTable[], functions: readonly KustoFunction[]): unknown {
  const key = JSON.stringify([tables, functions]);
  const cached = globalsCache.get(key);
  if (cached !== undefined) return cached;
  const { Kusto } = bridge();
  const symbols = Kusto.Language.Symbols;
  const members: unknown[] = [
    ...tables.map((table) => {
      const schema = table.columns.map((column) => `${quoteName(column.name)}:${kustoType(column.type)}`);
      return new symbols.TableSymbol.$ctor7(table.name, `(${schema.join(", ")})`, null);
    }),
    ...functions.map((fn) => {
      const body = fn.body.trim().startsWith("{") ? fn.body : `{ ${fn.body} }`;
      return new symbols.FunctionSymbol.$ctor16(fn.name, fn.parameters ?? "()", body, null);
    }),
  ];
  // DatabaseSymbol.ctor is (name, members); $ctor2 would silently build a database without tables.
  const database = new symbols.DatabaseSymbol.ctor("db", members);
  const globals = Kusto.Language.GlobalState.Default.WithDatabase(database);
  globalsCache.set(key, globals);
  return globals;
}

/** Parses and analyses `query` against `tables` (and stored `functions`): errors, output schema, syntax kinds. */
export function analyzeKusto(
  query: string,
  tables: readonly KustoTable[],
  functions: readonly KustoFunction[] = [],
): KustoAnalysis {
  const { Bridge, System, Kusto } = bridge();
  const code = Kusto.Language.KustoCode.ParseAndAnalyze(query, globalsFor(tables, functions));
  const diagnostics = Bridge.toArray<BridgeDiagnostic>(code.GetDiagnostics())
    .filter((d) => d.Severity === "Error")
    .map((d) => `${d.Code} @${d.Start}-${d.End}: ${d.Message}`);
  const resultColumns = code.ResultType?.Columns;
  const columns =
    resultColumns === undefined || resultColumns === null
      ? []
      : Bridge.toArray<BridgeColumn>(resultColumns).map((c) => ({ name: c.Name, type: c.Type.Name }));
  const kinds = new Set<string>();
  const functionNames = new Set<string>();
  Kusto.Language.Syntax.SyntaxElement.WalkNodes(code.Syntax, (node) => {
    const kind = System.Enum.getName(Kusto.Language.Syntax.SyntaxKind, node.Kind);
    kinds.add(kind);
    const name = node.Name?.SimpleName;
    if (kind === "FunctionCallExpression" && name !== undefined) functionNames.add(name);
  });
  return { diagnostics, columns, syntaxKinds: [...kinds], functionNames: [...functionNames] };
}

/** Error messages for `query` (empty when it parses and type-checks against `tables` and `functions`). */
export function kustoDiagnostics(
  query: string,
  tables: readonly KustoTable[],
  functions: readonly KustoFunction[] = [],
): string[] {
  return analyzeKusto(query, tables, functions).diagnostics;
}
