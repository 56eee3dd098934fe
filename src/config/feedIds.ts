/**
 * Every feed id the connector knows: the vocabulary `MIMECAST_FEEDS` and `MIMECAST_TABLE_NAMES` are
 * validated against. Kept here rather than derived from the feed registry so config does not import
 * feeds; test/feeds/registry.test.ts keeps the two equal.
 */
export const FEED_IDS = [
  "siem-cg",
  "siem-ci",
  "dlp",
  "ttp-url",
  "ttp-attachment",
  "ttp-impersonation",
  "audit",
  "threat-intel-customer",
  "threat-intel-grid",
  "awareness-performance",
  "awareness-safe-score",
  "awareness-watchlist",
  "awareness-phishing",
  "message-release",
  "archive-search",
  "siem-v1",
] as const;

export type FeedId = (typeof FEED_IDS)[number];

export function isFeedId(value: string): value is FeedId {
  return (FEED_IDS as readonly string[]).includes(value);
}
