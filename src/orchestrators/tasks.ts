import type { OrchestrationContext, Task } from "durable-functions";
import * as df from "durable-functions";
import type { ControlState } from "../entities/control";
import type { CheckpointState } from "../planning/types";
import { CONTROL_ENTITY_KEY, FUNCTIONS } from "./names";

/**
 * `Task.all` for any number of tasks: the SDK throws on an empty list ("must specify at least one
 * Task"), and a cycle can have no cursors (every feed disabled) or a backfill no feed left.
 */
export function* allOf(context: OrchestrationContext, tasks: Task[]): Generator<Task, unknown[], unknown> {
  if (tasks.length === 0) return [];
  return (yield context.df.Task.all(tasks)) as unknown[];
}

export function checkpointEntityId(key: string): df.EntityId {
  return new df.EntityId(FUNCTIONS.checkpoint, key);
}

export function controlEntityId(): df.EntityId {
  return new df.EntityId(FUNCTIONS.control, CONTROL_ENTITY_KEY);
}

/** Every cursor's checkpoint, by key (a cursor never checkpointed has none). */
export function* readCheckpoints(
  context: OrchestrationContext,
  keys: readonly string[],
): Generator<Task, Record<string, CheckpointState>, unknown> {
  const states = yield* allOf(
    context,
    keys.map((key) => context.df.callEntity(checkpointEntityId(key), "get")),
  );
  const byKey: Record<string, CheckpointState> = {};
  keys.forEach((key, i) => {
    const state = states[i] as CheckpointState | undefined;
    if (state && typeof state === "object" && "key" in state) byKey[key] = state;
  });
  return byKey;
}

/** The operator's stop request, when one was made after `since` (the supervisor's start). */
export function* stopRequested(
  context: OrchestrationContext,
  since: number,
): Generator<Task, string | undefined, unknown> {
  const state = (yield context.df.callEntity(controlEntityId(), "get")) as ControlState | undefined;
  const stop = state?.stop;
  return stop && stop.at >= since ? `${stop.reason} (by ${stop.by})` : undefined;
}
