import * as df from "durable-functions";
import type { RateLimitState } from "../entities/rateLimit";
import type { RateLimiter } from "../mimecast/rateLimiter";
import type { InstanceUsage, RateLimitPause, RateLimitStore } from "../mimecast/sharedRateLimit";
import { SharedRateLimit, usageList } from "../mimecast/sharedRateLimit";
import { FUNCTIONS } from "../orchestrators/names";
import type { CheckpointChannel } from "./checkpointChannel";

/** One Mimecast application per deployment: one rate-limit entity. */
const APPLICATION = "application";

/** How often an instance reads the other instances' budget use (one entity read per interval at most). */
export const USAGE_READ_EVERY_MS = 1_000;

/** The rate-limit entity as a RateLimitStore: publish = signal, current = read (no push). */
export function entityRateLimitStore(channel: CheckpointChannel): RateLimitStore {
  const id = new df.EntityId(FUNCTIONS.rateLimit, APPLICATION);
  return {
    // Best effort both ways (a host without the entity throws, even synchronously): a lost pause only
    // means that instance learns it from its own 429.
    publish: async (_application, pause) => {
      try {
        await channel.signalEntity(id, "pause", pause);
      } catch {
        // see above
      }
    },
    publishUsage: async (_application, usage: InstanceUsage) => {
      try {
        await channel.signalEntity(id, "use", usage);
      } catch {
        // see above
      }
    },
    usage: async () => {
      try {
        const read = await channel.readEntityState<RateLimitState>(id);
        return usageList(read.entityState?.usage);
      } catch {
        return [];
      }
    },
    current: async (_application, now) => {
      let pauses: Record<string, number> = {};
      try {
        const read = await channel.readEntityState<RateLimitState>(id);
        pauses = read.entityState?.pauses ?? {};
      } catch {
        // see above
      }
      return Object.entries(pauses)
        .filter(([, until]) => until > now)
        .map(([family, until]): RateLimitPause => (family === "" ? { until } : { until, family }));
    },
  };
}

const attached = new WeakMap<RateLimiter, SharedRateLimit>();

/**
 * This process's limiter, connected to the application's shared pauses. Pauses it learns are published
 * at once; pauses others learned are adopted on every `refresh` (the activity refreshes before a unit
 * and after every accepted segment).
 */
export function sharedLimitsFor(limiter: RateLimiter, channel: CheckpointChannel): SharedRateLimit {
  let shared = attached.get(limiter);
  if (!shared) {
    shared = new SharedRateLimit(entityRateLimitStore(channel), APPLICATION, limiter, {
      usageReadEveryMs: USAGE_READ_EVERY_MS,
    });
    attached.set(limiter, shared);
  }
  return shared;
}
