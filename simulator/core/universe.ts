/**
 * The one event generator. Every endpoint and the ground truth read events through this class, so what the
 * API serves and what the ground truth lists cannot drift apart.
 *
 * Model: time is cut into 15-minute event slots. The number of events of a stream (feed + type) in a slot,
 * and each event's time, lateness and record, are pure functions of (seed, feed, type, slot, index). Nothing
 * is stored: a slot is regenerated whenever it is needed, so memory stays flat at any volume.
 */
import { messageIdentity } from "../feeds/message";
import { FEEDS } from "../feeds/catalog";
import type { FeedKey, LogRecord, MessageIdentity, RecordContext } from "../feeds/types";
import { Rng, combine, hashString, mix32, unitOf } from "./random";
import { EVENT_SLOT_MS, slotOf } from "./slots";
import { DAY_MS } from "./time-format";

export interface UniverseConfig {
  seed: number;
  /** No event has an event time before this instant. */
  startOfData: number;
  /** Share of events published after their event time. */
  lateFraction: number;
  /** Upper bound of a late event's publish delay. */
  maxLateMs: number;
  eventsPerDay(feed: FeedKey, type: string): number;
}

export interface EventPosition {
  slot: number;
  index: number;
}

/** The cheap part of an event: enough to filter and sort without building the record. */
export interface EventSkeleton extends EventPosition {
  eventTime: number;
  publishTime: number;
  /** Per-event hash the record generator is seeded from. */
  hash: number;
}

/** One event as the ground truth lists it. `record` is exactly the JSON object the API serves. */
export interface SimEvent {
  feed: FeedKey;
  /** SIEM type (`receipt`, `entities`, …); absent for single-stream feeds. */
  type?: string;
  /** Epoch ms of the event itself. */
  eventTime: number;
  /** Epoch ms from which the API shows it (later than `eventTime` for late events). */
  publishTime: number;
  /** Stable simulator-internal id: `<feed>[:<type>]:<slot>:<index>`. */
  key: string;
  record: LogRecord;
}

export interface Stream {
  feed: FeedKey;
  type: string;
  perDay: number;
  hash: number;
}

export interface EventTimeQuery {
  from: number;
  to: number;
  descending?: boolean;
  /** Resume strictly after (ascending) or before (descending) this position. */
  after?: EventPosition;
  /** Only events with `publishTime <= visibleAt`. */
  visibleAt?: number;
}

const SALT_COUNT = 0x51ed270b;
const SALT_EVENT = 0x2c1b3c6d;

export function comparePositions(a: EventPosition, b: EventPosition): number {
  return a.slot !== b.slot ? a.slot - b.slot : a.index - b.index;
}

export class EventUniverse {
  private readonly streams = new Map<string, Stream>();

  constructor(readonly config: UniverseConfig) {}

  stream(feed: FeedKey, type = ""): Stream {
    const id = `${feed}\u0000${type}`;
    let stream = this.streams.get(id);
    if (!stream) {
      const definition = FEEDS[feed];
      if (!definition.types.includes(type)) throw new Error(`unknown type "${type}" for feed ${feed}`);
      stream = {
        feed,
        type,
        perDay: Math.max(0, this.config.eventsPerDay(feed, type)),
        hash: combine(combine(this.config.seed >>> 0, hashString(feed)), hashString(type)),
      };
      this.streams.set(id, stream);
    }
    return stream;
  }

  /** Events of `stream` whose event time falls in event slot `slot`. */
  count(stream: Stream, slot: number): number {
    if ((slot + 1) * EVENT_SLOT_MS <= this.config.startOfData) return 0;
    const mean = (stream.perDay * EVENT_SLOT_MS) / DAY_MS;
    if (mean <= 0) return 0;
    const h = combine(stream.hash ^ SALT_COUNT, slot);
    // ±40 % slot-to-slot variation keeps files and pages from all having the same size.
    const expected = mean * (0.6 + 0.8 * unitOf(h));
    const whole = Math.floor(expected);
    return whole + (unitOf(mix32(h ^ 0x9e37)) < expected - whole ? 1 : 0);
  }

  skeleton(stream: Stream, slot: number, index: number, count: number): EventSkeleton {
    const hash = combine(combine(stream.hash ^ SALT_EVENT, slot), index);
    // Stratified times: event i lies in the i-th sub-interval, so a slot is already sorted by time.
    const eventTime =
      slot * EVENT_SLOT_MS + Math.floor(((index + unitOf(mix32(hash ^ 1))) * EVENT_SLOT_MS) / count);
    const { lateFraction, maxLateMs } = this.config;
    const late = maxLateMs > 0 && unitOf(mix32(hash ^ 2)) < lateFraction;
    const publishTime = late ? eventTime + 1 + Math.floor(unitOf(mix32(hash ^ 3)) * maxLateMs) : eventTime;
    return { slot, index, eventTime, publishTime, hash };
  }

  key(stream: Stream, position: EventPosition): string {
    return stream.type
      ? `${stream.feed}:${stream.type}:${position.slot}:${position.index}`
      : `${stream.feed}:${position.slot}:${position.index}`;
  }

  materialize(stream: Stream, skeleton: EventSkeleton): SimEvent {
    const { seed } = this.config;
    let identity: MessageIdentity | undefined;
    const ctx: RecordContext = {
      rng: new Rng(mix32(skeleton.hash ^ 4)),
      eventTime: skeleton.eventTime,
      publishTime: skeleton.publishTime,
      slot: skeleton.slot,
      index: skeleton.index,
      // Keyed by feed, not type: the receipt, process and delivery lines at one (slot, index) describe one email.
      message: () => (identity ??= messageIdentity(seed, stream.feed, skeleton.slot, skeleton.index)),
    };
    const event: SimEvent = {
      feed: stream.feed,
      eventTime: skeleton.eventTime,
      publishTime: skeleton.publishTime,
      key: this.key(stream, skeleton),
      record: FEEDS[stream.feed].build(stream.type, ctx),
    };
    if (stream.type) event.type = stream.type;
    return event;
  }

  /** Events with event time in `[from, to)`, ordered by event time (ties by index). */
  *byEventTime(stream: Stream, query: EventTimeQuery): Generator<EventSkeleton> {
    const from = Math.max(query.from, this.config.startOfData);
    const { to, after, visibleAt } = query;
    if (!(to > from)) return;
    const firstSlot = slotOf(from, EVENT_SLOT_MS);
    const lastSlot = slotOf(to - 1, EVENT_SLOT_MS);
    const keep = (sk: EventSkeleton): boolean =>
      sk.eventTime >= from && sk.eventTime < to && (visibleAt === undefined || sk.publishTime <= visibleAt);
    if (!query.descending) {
      const startSlot = after ? Math.max(firstSlot, after.slot) : firstSlot;
      for (let slot = startSlot; slot <= lastSlot; slot++) {
        const n = this.count(stream, slot);
        const startIndex = after && slot === after.slot ? after.index + 1 : 0;
        for (let index = startIndex; index < n; index++) {
          const sk = this.skeleton(stream, slot, index, n);
          if (keep(sk)) yield sk;
        }
      }
    } else {
      const startSlot = after ? Math.min(lastSlot, after.slot) : lastSlot;
      for (let slot = startSlot; slot >= firstSlot; slot--) {
        const n = this.count(stream, slot);
        const startIndex = after && slot === after.slot ? after.index - 1 : n - 1;
        for (let index = startIndex; index >= 0; index--) {
          const sk = this.skeleton(stream, slot, index, n);
          if (keep(sk)) yield sk;
        }
      }
    }
  }

  /** Events published in `[from, to)`, in (event slot, index) order: the order of a SIEM file's lines. */
  *byPublishTime(stream: Stream, from: number, to: number): Generator<EventSkeleton> {
    if (!(to > from)) return;
    const lookBack = this.lateEnabled ? this.config.maxLateMs : 0;
    const firstSlot = slotOf(Math.max(from - lookBack, this.config.startOfData), EVENT_SLOT_MS);
    const lastSlot = slotOf(to - 1, EVENT_SLOT_MS);
    for (let slot = firstSlot; slot <= lastSlot; slot++) {
      const n = this.count(stream, slot);
      for (let index = 0; index < n; index++) {
        const sk = this.skeleton(stream, slot, index, n);
        if (sk.publishTime >= from && sk.publishTime < to && sk.eventTime >= this.config.startOfData)
          yield sk;
      }
    }
  }

  /** Whether anything is published in `[from, to)`; checks the newest slot first, where on-time events live. */
  hasPublishedIn(stream: Stream, from: number, to: number): boolean {
    if (!(to > from)) return false;
    const lookBack = this.lateEnabled ? this.config.maxLateMs : 0;
    const firstSlot = slotOf(Math.max(from - lookBack, this.config.startOfData), EVENT_SLOT_MS);
    const lastSlot = slotOf(to - 1, EVENT_SLOT_MS);
    for (let slot = lastSlot; slot >= firstSlot; slot--) {
      const n = this.count(stream, slot);
      for (let index = 0; index < n; index++) {
        const sk = this.skeleton(stream, slot, index, n);
        if (sk.publishTime >= from && sk.publishTime < to && sk.eventTime >= this.config.startOfData)
          return true;
      }
    }
    return false;
  }

  private get lateEnabled(): boolean {
    return this.config.lateFraction > 0 && this.config.maxLateMs > 0;
  }
}
