/**
 * Every feed id the connector knows. The feeds issue will replace this list with its registry; until
 * then it is the vocabulary that `MIMECAST_FEEDS` and `MIMECAST_TABLE_NAMES` are validated against.
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
