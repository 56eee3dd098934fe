/**
 * What the local engine's store measures of what it commits: the largest history any orchestration
 * generation reached and the largest single payload, each as UTF-8 bytes of the JSON stored. A figure
 * of the store, not of the connector (its counters never see these values), so the benchmarks can show
 * that history per generation stays bounded and that large values (digests) stay out of it.
 */
import { EventType } from "./history";
import type { HistoryEvent } from "./history";

export type PayloadKind =
  | "orchestration input"
  | "orchestration output"
  | "custom status"
  | "activity input"
  | "activity output"
  | "entity state"
  | "entity operation input"
  | "event data";

export interface LargestHistory {
  instanceId: string;
  execution: string;
  events: number;
  bytes: number;
}

export interface LargestPayload {
  kind: PayloadKind;
  /** The instance, activity or entity it belongs to. */
  owner: string;
  bytes: number;
}

export interface StoreFigures {
  /** The generation whose history reached the most bytes (with its event count then). */
  largestHistory?: LargestHistory;
  /** The most events any generation's history reached. */
  mostEvents?: number;
  /** The largest payload of each kind. */
  payloads: Partial<Record<PayloadKind, LargestPayload>>;
}

/** Kinds that live in an orchestration's history (replayed by every episode of its generation). */
export const HISTORY_KINDS: readonly PayloadKind[] = [
  "orchestration input",
  "orchestration output",
  "activity input",
  "activity output",
  "event data",
];

/** The largest payload of the given kinds (default: all). */
export function largestPayload(
  figures: StoreFigures,
  kinds?: readonly PayloadKind[],
): LargestPayload | undefined {
  let best: LargestPayload | undefined;
  for (const p of Object.values(figures.payloads))
    if (p && (!kinds || kinds.includes(p.kind)) && p.bytes > (best?.bytes ?? -1)) best = p;
  return best;
}

export const utf8Bytes = (text: string): number => Buffer.byteLength(text, "utf8");

/** The payloads one history event carries (activity inputs and results, event data, the start input). */
export function eventPayloads(
  event: HistoryEvent,
  instanceId: string,
): { kind: PayloadKind; owner: string; text: string }[] {
  switch (event.EventType) {
    case EventType.ExecutionStarted:
      return event.Input !== undefined
        ? [{ kind: "orchestration input", owner: instanceId, text: event.Input }]
        : [];
    case EventType.TaskScheduled:
      return event.Input !== undefined
        ? [{ kind: "activity input", owner: event.Name ?? instanceId, text: event.Input }]
        : [];
    case EventType.TaskCompleted:
      return event.Result !== undefined
        ? [{ kind: "activity output", owner: instanceId, text: event.Result }]
        : [];
    case EventType.EventRaised:
      return event.Input !== undefined ? [{ kind: "event data", owner: instanceId, text: event.Input }] : [];
    default:
      return [];
  }
}

/** Keeps the largest history and the largest payload of each kind; says whether anything grew. */
export class FiguresTracker {
  readonly figures: StoreFigures;

  constructor(figures?: StoreFigures) {
    this.figures = { ...figures, payloads: { ...figures?.payloads } };
  }

  history(instanceId: string, execution: string, events: number, bytes: number): boolean {
    let grew = false;
    if (events > (this.figures.mostEvents ?? -1)) {
      this.figures.mostEvents = events;
      grew = true;
    }
    if (bytes > (this.figures.largestHistory?.bytes ?? -1)) {
      this.figures.largestHistory = { instanceId, execution, events, bytes };
      grew = true;
    }
    return grew;
  }

  payload(kind: PayloadKind, owner: string, text: string | null | undefined): boolean {
    if (text === null || text === undefined) return false;
    const best = this.figures.payloads[kind]?.bytes ?? -1;
    // A UTF-16 unit is at most 3 UTF-8 bytes: a string this short cannot be larger.
    if (text.length * 3 <= best) return false;
    const bytes = utf8Bytes(text);
    if (bytes <= best) return false;
    this.figures.payloads[kind] = { kind, owner, bytes };
    return true;
  }
}
