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
  "rejections",
  "archive-view-logs",
  "remediation-incidents",
  "threat-events",
] as const;

export type FeedId = (typeof FEED_IDS)[number];

/**
 * Feeds that exist under one Mimecast API version only: SIEM batch files are API 2.0; `get-siem-logs`
 * files are the API 1.0 way to the same events (running both would store every CG event twice).
 */
export const FEED_API_VERSION: Readonly<Partial<Record<FeedId, "1.0" | "2.0">>> = {
  "siem-cg": "2.0",
  "siem-ci": "2.0",
  "siem-v1": "1.0",
  // `/threats/v1/events` is an API 2.0 REST endpoint; the gateway/archive/remediation `/api/...` ones
  // answer under both versions.
  "threat-events": "2.0",
};

/** The feeds "all" means under an API version. */
export function feedsForVersion(feeds: readonly FeedId[], version: "1.0" | "2.0"): FeedId[] {
  return feeds.filter((id) => (FEED_API_VERSION[id] ?? version) === version);
}

export function isFeedId(value: string): value is FeedId {
  return (FEED_IDS as readonly string[]).includes(value);
}
