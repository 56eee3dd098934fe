import type { EntityContext, EntityHandler } from "durable-functions";

/**
 * The control entity (one, key "supervisor"): an operator's stop request, which the supervisor reads
 * between batches so a stop is graceful, and the ids of the backfill instances the status route shows
 * and the watchdog purges — so status never scans the task hub. Small and bounded.
 */
export interface StopRequest {
  at: number;
  by: string;
  reason: string;
}

export interface TrackedBackfill {
  instanceId: string;
  at: number;
  /** The request's range, to refuse an overlapping one. */
  feeds: string[];
  from: number;
  to: number;
}

export interface ControlState {
  stop?: StopRequest;
  backfills: TrackedBackfill[];
}

/** Tracked backfills at most; the control route refuses more (finished ones are purged). */
export const MAX_TRACKED_BACKFILLS = 50;

export function applyControlOperation(
  state: ControlState | undefined,
  operation: string,
  input: unknown,
): { state: ControlState | undefined; reply: ControlState | { error: string } } {
  const current: ControlState = state ?? { backfills: [] };
  switch (operation) {
    case "get":
      return { state, reply: current };
    case "stop": {
      if (!isStop(input)) return { state, reply: { error: "stop needs {at, by, reason}" } };
      // The latest request wins; an older one delivered late changes nothing.
      if (current.stop && current.stop.at >= input.at) return { state, reply: current };
      const next = { ...current, stop: { at: input.at, by: input.by, reason: input.reason } };
      return { state: next, reply: next };
    }
    case "trackBackfill": {
      if (!isTracked(input))
        return { state, reply: { error: "trackBackfill needs {instanceId, at, feeds, from, to}" } };
      const others = current.backfills.filter((b) => b.instanceId !== input.instanceId);
      const backfills = [...others, input].sort((a, b) => a.at - b.at).slice(-MAX_TRACKED_BACKFILLS);
      const next = { ...current, backfills };
      return { state: next, reply: next };
    }
    case "untrackBackfill": {
      const id = isObject(input) ? input["instanceId"] : undefined;
      if (typeof id !== "string") return { state, reply: { error: "untrackBackfill needs {instanceId}" } };
      const next = { ...current, backfills: current.backfills.filter((b) => b.instanceId !== id) };
      return { state: next, reply: next };
    }
    default:
      return { state, reply: { error: `unknown operation "${operation}"` } };
  }
}

export const controlEntity: EntityHandler<ControlState> = (context: EntityContext<ControlState>) => {
  const stored = context.df.getState();
  const { state, reply } = applyControlOperation(
    stored,
    context.df.operationName ?? "",
    context.df.getInput(),
  );
  if (state !== undefined && state !== stored) context.df.setState(state);
  context.df.return(reply);
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStop(input: unknown): input is StopRequest {
  return (
    isObject(input) &&
    typeof input["at"] === "number" &&
    typeof input["by"] === "string" &&
    typeof input["reason"] === "string"
  );
}

function isTracked(input: unknown): input is TrackedBackfill {
  return (
    isObject(input) &&
    typeof input["instanceId"] === "string" &&
    typeof input["at"] === "number" &&
    Array.isArray(input["feeds"]) &&
    input["feeds"].every((f) => typeof f === "string") &&
    typeof input["from"] === "number" &&
    typeof input["to"] === "number"
  );
}
