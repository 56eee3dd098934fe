import type { FeedSpec, WindowSpec } from "../feeds/types";
import type { CursorDescriptor } from "./types";

/** Entity keys are case-sensitive strings; keep them plain so they read well in URLs and logs. */
export function cursorKey(feedId: string, type?: string): string {
  return type === undefined ? feedId : `${feedId}~${type.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
}

/**
 * The checkpointed cursors of the enabled feeds: one per feed, or one per event type for SIEM batch
 * feeds (each type has its own `@nextPage` cursor in Mimecast).
 */
export function cursorsFor(feeds: readonly FeedSpec[], lagMs: number, lateHorizonMs = 0): CursorDescriptor[] {
  return feeds.flatMap((feed): CursorDescriptor[] => {
    const base = { feedId: feed.id, retentionDays: feed.retentionDays, lagMs };
    // Widened on purpose: feed kinds added later land here without touching the orchestrator.
    const window: WindowSpec = feed.window;
    switch (window.kind) {
      case "time-window":
        return [
          {
            ...base,
            key: cursorKey(feed.id),
            kind: "time-window",
            maxWindowMs: window.maxWindowMs,
            // JSON event feeds get the late-event sweep. Threat-intel windows follow a file chain that
            // cannot be filtered by a digest, so they wait out the whole late horizon instead: indicators
            // arrive up to that much later, and none is lost (hunting data, not alerts).
            ...(feed.source === "json" && lateHorizonMs > 0 ? { lateHorizonMs } : {}),
            ...(feed.source === "threat-intel" ? { lagMs: Math.max(lagMs, lateHorizonMs) } : {}),
          },
        ];
      case "siem-day":
        return window.types.map((type) => ({
          ...base,
          key: cursorKey(feed.id, type),
          kind: "siem-day",
          type,
        }));
      case "snapshot":
        return [{ ...base, key: cursorKey(feed.id), kind: "snapshot", cadenceMs: window.cadenceMs }];
      case "token-chain":
        return [{ ...base, key: cursorKey(feed.id), kind: "token-chain" }];
    }
  });
}
