import { FEED_IDS, isFeedId } from "./feedIds";
import type { FeedId } from "./feedIds";
import { failed, parsed, splitList, splitPairs } from "./parse";
import type { ParseResult } from "./parse";

/** "all", or a comma list of feed ids (case-insensitive, duplicates ignored). */
export function parseFeedList(text: string): ParseResult<readonly FeedId[]> {
  if (text.trim().toLowerCase() === "all") return parsed(FEED_IDS);
  const list = splitList(text.toLowerCase());
  if (!list.ok) return list;
  const unknown = list.value.filter((id) => !isFeedId(id));
  if (unknown.length > 0) {
    return failed(`unknown feed id(s) ${unknown.map((id) => `"${id}"`).join(", ")}`);
  }
  return parsed([...new Set(list.value)].filter(isFeedId));
}

/** Log Analytics custom table names: a letter first, then letters, digits or "_", ending in _CL. */
export const TABLE_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,44}_CL$/;

export type TableNameOverrides = Readonly<Partial<Record<FeedId, string>>>;

/** "feed=Table_CL,feed2=Other_CL": per-feed destination table overrides. */
export function parseTableNames(text: string): ParseResult<TableNameOverrides> {
  const pairs = splitPairs(text);
  if (!pairs.ok) return pairs;
  const tables: Partial<Record<FeedId, string>> = {};
  for (const [key, table] of pairs.value) {
    const feed = key.toLowerCase();
    if (!isFeedId(feed)) return failed(`"${key}" is not a feed id`);
    if (!TABLE_NAME_PATTERN.test(table)) return failed(`"${table}" is not a custom table name ending in _CL`);
    tables[feed] = table;
  }
  return parsed(tables);
}
