import type { Config } from "../config";
import { FEEDS } from "../feeds";
import { cursorsFor } from "../planning/cursors";
import type { CycleSettings } from "../planning/types";

/** Dispatch limits. Mimecast's per-application rate limit, not CPU, is what bounds useful parallelism. */
export const DISPATCH_DEFAULTS = {
  maxParallel: 4,
  maxPerFeed: 2,
  maxBackfillWindowsPerCycle: 8,
  maxContinuationsPerCycle: 10,
} as const;

/** What the supervisor plans with, from the validated configuration (only enabled feeds). */
export function cycleSettingsFrom(config: Config): CycleSettings {
  const enabled = FEEDS.filter((feed) => config.ingestion.feeds.includes(feed.id));
  return {
    cursors: cursorsFor(enabled, config.ingestion.lagMs, config.ingestion.lateHorizonMs),
    startTimeMs: config.ingestion.startTimeMs,
    schedule: config.ingestion.schedule,
    ...DISPATCH_DEFAULTS,
  };
}
