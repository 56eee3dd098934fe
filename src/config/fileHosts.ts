import { failed, parsed, splitList } from "./parse";
import type { ParseResult } from "./parse";

const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const EXACT_HOST = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
/** A suffix needs two labels at least: ".com" would let a batch-file URL point anywhere. */
const SUFFIX = new RegExp(`^(?:\\.${LABEL}){2,}$`);

/**
 * Hosts that presigned batch-file URLs may point at: exact hosts ("files.example.com", "127.0.0.1")
 * or suffixes starting with a dot (".amazonaws.com"). Anything else is refused before download, so a
 * tampered response cannot make the connector fetch from an arbitrary host.
 */
export function parseHostAllowlist(text: string): ParseResult<readonly string[]> {
  const list = splitList(text.toLowerCase());
  if (!list.ok) return list;
  for (const entry of list.value) {
    const valid = entry.startsWith(".") ? SUFFIX.test(entry) : EXACT_HOST.test(entry);
    if (!valid) return failed(`"${entry}" is neither a host name nor a ".suffix" with two labels or more`);
  }
  return parsed([...new Set(list.value)]);
}

/** The check itself lives with the downloader that enforces it. */
export { hostAllowed as hostMatchesAllowlist } from "../mimecast/batchFile";
