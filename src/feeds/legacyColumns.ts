import type { ColumnSpec, StreamColumnType } from "./types";

/**
 * Column forms the Mimecast 3.x Sentinel content reads besides the plain field names, declared once here so
 * the feed files only list which columns need them (facts: research sentinel-mimecast-31-tables.md §6–§7).
 */

/** The HTTP Data Collector API's type suffixes (Gen A tables; the 1.0.0 parsers read these names). */
const SUFFIX: Partial<Record<StreamColumnType, string>> = {
  string: "s",
  dynamic: "s",
  real: "d",
  int: "d",
  long: "d",
  boolean: "b",
  datetime: "t",
};

const SUFFIX_TYPE: Readonly<Record<string, StreamColumnType>> = {
  s: "string",
  d: "real",
  b: "boolean",
  t: "datetime",
};

/**
 * `email` → `email_s`, `numCorrect` → `numCorrect_d`, …: a second column with the same value under the
 * suffixed name a 1.0.0 parser reads. Dynamic values are serialised (Gen A posted them as strings).
 */
export function dataCollectorCopies(columns: readonly ColumnSpec[]): ColumnSpec[] {
  return columns.map((column) => {
    const suffix = SUFFIX[column.type] ?? "s";
    const type = SUFFIX_TYPE[suffix] ?? "string";
    return { name: `${column.name}_${suffix}`, type, from: column.from ?? column.name };
  });
}

/**
 * The value at a flattened name inside a nested object: `DangerousFileExt_Inspect_FileExts` is
 * `o.DangerousFileExt.Inspect.FileExts` or `o.DangerousFileExt["Inspect_FileExts"]` (keys may contain `_`),
 * trying every split. Bounded: a name has a handful of parts.
 */
export function valueAtFlattened(value: unknown, parts: readonly string[]): unknown {
  if (parts.length === 0) return value;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const object = value as Record<string, unknown>;
  for (let take = 1; take <= parts.length; take++) {
    const key = parts.slice(0, take).join("_");
    if (!(key in object)) continue;
    const found = valueAtFlattened(object[key], parts.slice(take));
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * A string column `<root>_<key>` (the 3.x Gen B tables' flattened form, e.g. `tagMap_UrlReputationScan_Url`)
 * read from the nested object `root`; `alternatives` are further flattened keys tried in order (the 3.x table
 * has `tagMap_ContentCheck_*` while the API nests ContentCheck under DangerousFileExt).
 */
export function flattenedColumn(root: string, key: string, ...alternatives: string[]): ColumnSpec {
  const candidates = [key, ...alternatives].map((k) => k.split("_"));
  return {
    name: `${root}_${key}`,
    type: "string",
    from: root,
    convert: (object) => {
      for (const parts of candidates) {
        const found = valueAtFlattened(object, parts);
        if (found !== undefined && found !== null) return found;
      }
      return undefined;
    },
  };
}
