import { suffixIsRegistrable } from "../mimecast/batchFile";
import { failed, parsed, splitList } from "./parse";
import type { ParseResult } from "./parse";

const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const EXACT_HOST = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
/** A suffix: labels, where a whole label may be `*` (exactly one label, e.g. an AWS region). */
const SUFFIX = new RegExp(`^(?:\\.(?:${LABEL}|\\*))+$`);

/**
 * Hosts that presigned batch-file URLs may point at: exact hosts ("files.example.com", "127.0.0.1")
 * or suffixes starting with a dot (".s3.amazonaws.com", ".s3.*.amazonaws.com"). A suffix must end in a
 * registrable domain: a bare public suffix (".com", ".co.uk", ".*.co.uk") would let a tampered listing
 * point the connector at anyone's host, so it is refused.
 */
export function parseHostAllowlist(text: string): ParseResult<readonly string[]> {
  const list = splitList(text.toLowerCase());
  if (!list.ok) return list;
  for (const entry of list.value) {
    const valid = entry.startsWith(".")
      ? SUFFIX.test(entry) && suffixIsRegistrable(entry)
      : EXACT_HOST.test(entry);
    if (!valid) {
      return failed(
        `"${entry}" is neither a host name nor a ".suffix" with two labels or more ending in a registrable domain (a bare public suffix such as ".co.uk" is refused)`,
      );
    }
  }
  return parsed([...new Set(list.value)]);
}

/** The check itself lives with the downloader that enforces it. */
export { hostAllowed as hostMatchesAllowlist } from "../mimecast/batchFile";
