import { SIEM_CG_TYPES, SIEM_CI_TYPES } from "../mimecast/endpoints";
import { failed, parsed, splitList } from "./parse";
import type { ParseResult } from "./parse";

/** Which path delivers a SIEM type: the batch files, the event stream, or the stream while it keeps up. */
export type SiemPath = "batch" | "stream" | "auto";

/** The default path and per-feed or per-type exceptions, keyed `siem-cg` or `siem-cg:receipt`. */
export interface SiemPaths {
  default: SiemPath;
  overrides: Readonly<Record<string, SiemPath>>;
}

const PATHS: readonly string[] = ["batch", "stream", "auto"];
const TYPES: Readonly<Record<string, readonly string[]>> = {
  "siem-cg": SIEM_CG_TYPES,
  "siem-ci": SIEM_CI_TYPES,
};

/** "auto" | "batch,siem-cg:receipt=stream,siem-ci=auto": a default first (optional), then exceptions. */
export function parseSiemPaths(text: string): ParseResult<SiemPaths> {
  const list = splitList(text.toLowerCase());
  if (!list.ok) return list;
  let fallback: SiemPath = "auto";
  const overrides: Record<string, SiemPath> = {};
  for (const [index, entry] of list.value.entries()) {
    const eq = entry.indexOf("=");
    if (eq < 0) {
      if (index !== 0 || !PATHS.includes(entry))
        return failed(`"${entry}" is not batch, stream, auto or key=path`);
      fallback = entry as SiemPath;
      continue;
    }
    const key = entry.slice(0, eq).trim();
    const path = entry.slice(eq + 1).trim();
    if (!PATHS.includes(path)) return failed(`"${path}" is not batch, stream or auto`);
    const [feed = "", type] = key.split(":").map((part) => part.trim());
    const types = TYPES[feed];
    if (!types) return failed(`"${feed}" is not siem-cg or siem-ci`);
    if (type !== undefined && !types.includes(type))
      return failed(`"${type}" is not a ${feed} type (${types.join(", ")})`);
    const name = type === undefined ? feed : `${feed}:${type}`;
    if (name in overrides) return failed(`"${name}" appears twice`);
    overrides[name] = path as SiemPath;
  }
  return parsed({ default: fallback, overrides });
}

/** The path of one SIEM type: its own exception, else its feed's, else the default. */
export function siemPathOf(paths: SiemPaths | undefined, feedId: string, type: string): SiemPath {
  if (!paths) return "auto";
  return paths.overrides[`${feedId}:${type}`] ?? paths.overrides[feedId] ?? paths.default;
}
