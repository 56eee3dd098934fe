/** "Every event the simulator has served or will serve", read through the same generator as the endpoints. */
import { FEEDS } from "../feeds/catalog";
import type { FeedKey } from "../feeds/types";
import type { EventUniverse, SimEvent } from "./universe";

export interface GroundTruthQuery {
  /** Inclusive lower bound (epoch ms). */
  from: number;
  /** Exclusive upper bound (epoch ms). */
  to: number;
  /** One SIEM type; all types of the feed when absent. */
  type?: string;
  /** Only events published by then (what an API call at that instant could see). */
  publishedBy?: number;
  /**
   * `event` (default): `[from, to)` applies to the event time — what the JSON endpoints window on.
   * `publish`: it applies to the publish time — what decides which SIEM batch file an event is in.
   */
  basis?: "event" | "publish";
}

export function* groundTruth(
  universe: EventUniverse,
  feed: FeedKey,
  query: GroundTruthQuery,
): Generator<SimEvent> {
  const types = query.type === undefined ? FEEDS[feed].types : [query.type];
  for (const type of types) {
    const stream = universe.stream(feed, type);
    const skeletons =
      query.basis === "publish"
        ? universe.byPublishTime(stream, query.from, query.to)
        : universe.byEventTime(stream, { from: query.from, to: query.to, visibleAt: query.publishedBy });
    for (const sk of skeletons) {
      if (query.publishedBy !== undefined && sk.publishTime > query.publishedBy) continue;
      yield universe.materialize(stream, sk);
    }
  }
}
