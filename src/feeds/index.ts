/**
 * The feed registry: one line per feed. The orchestrator, activities, infra generator and docs iterate
 * this list; adding a feed means adding its file and a line here — nothing else.
 */
import { archiveSearchFeed } from "./archiveSearch";
import { archiveViewLogsFeed } from "./archiveViewLogs";
import { auditFeed } from "./audit";
import { awarenessPerformanceFeed } from "./awarenessPerformance";
import { awarenessPhishingFeed } from "./awarenessPhishing";
import { awarenessSafeScoreFeed } from "./awarenessSafeScore";
import { awarenessWatchlistFeed } from "./awarenessWatchlist";
import { dlpFeed } from "./dlp";
import { messageReleaseFeed } from "./messageRelease";
import { rejectionsFeed } from "./rejections";
import { remediationIncidentsFeed } from "./remediationIncidents";
import { siemCgFeed, siemCiFeed } from "./siem";
import { siemV1Feed } from "./siemV1";
import { threatIntelCustomerFeed } from "./threatIntelCustomer";
import { threatEventsFeed } from "./threatEvents";
import { threatIntelGridFeed } from "./threatIntelGrid";
import { ttpAttachmentFeed } from "./ttpAttachment";
import { ttpImpersonationFeed } from "./ttpImpersonation";
import { ttpUrlFeed } from "./ttpUrl";
import type { FeedSpec } from "./types";

export const FEEDS: readonly FeedSpec[] = [
  siemCgFeed,
  siemCiFeed,
  dlpFeed,
  ttpUrlFeed,
  ttpAttachmentFeed,
  ttpImpersonationFeed,
  auditFeed,
  threatIntelCustomerFeed,
  threatIntelGridFeed,
  awarenessPerformanceFeed,
  awarenessSafeScoreFeed,
  awarenessWatchlistFeed,
  awarenessPhishingFeed,
  messageReleaseFeed,
  archiveSearchFeed,
  siemV1Feed,
  rejectionsFeed,
  archiveViewLogsFeed,
  remediationIncidentsFeed,
  threatEventsFeed,
];

export function feedById(id: string): FeedSpec | undefined {
  return FEEDS.find((feed) => feed.id === id);
}

export type { FeedSpec } from "./types";
