/**
 * Drives registered durable-functions handlers the way the Functions host does, without the host:
 * orchestrations get host-shaped history JSON (one call = one replay episode), entities get a batch.
 * Histories are synthetic but use the SDK's own executor, so what passes here is what the host runs.
 */
import * as df from "durable-functions";
import type { Action, OrchestratorState } from "../../src/localhost/history";
import {
  EXTENSION_SCHEMA,
  EventType,
  V1_SCHEMA,
  historyEvent,
  invokeOrchestrator,
  orchestrationBinding,
} from "../../src/localhost/history";

export { EventType };

export type HistoryEvent = Record<string, unknown>;

function event(
  type: EventType,
  eventId: number,
  at: number,
  extra: Record<string, unknown> = {},
): HistoryEvent {
  return historyEvent(type, at, extra, eventId) as unknown as HistoryEvent;
}

export class History {
  readonly events: HistoryEvent[] = [];
  now: number;
  constructor(name: string, input: unknown, start: number) {
    this.now = start;
    this.events.push(event(EventType.OrchestratorStarted, -1, start));
    this.events.push(
      event(EventType.ExecutionStarted, -1, start, { Name: name, Input: JSON.stringify(input) }),
    );
  }
  nextEpisode(at: number): this {
    this.events.push(event(EventType.OrchestratorCompleted, -1, this.now));
    this.now = at;
    this.events.push(event(EventType.OrchestratorStarted, -1, at));
    return this;
  }
  taskCompleted(taskId: number, result: unknown): this {
    this.events.push(
      event(EventType.TaskCompleted, -1, this.now, {
        TaskScheduledId: taskId,
        Result: JSON.stringify(result),
      }),
    );
    return this;
  }
  taskFailed(taskId: number, reason: string): this {
    this.events.push(
      event(EventType.TaskFailed, -1, this.now, { TaskScheduledId: taskId, Reason: reason, Details: "" }),
    );
    return this;
  }
  timerFired(timerId: number, fireAt: number): this {
    this.events.push(
      event(EventType.TimerCreated, timerId, this.now, { FireAt: new Date(fireAt).toISOString() }),
    );
    this.events.push(
      event(EventType.TimerFired, -1, this.now, { TimerId: timerId, FireAt: new Date(fireAt).toISOString() }),
    );
    return this;
  }
  entityResponse(taskId: number, instanceId: string, result: unknown): this {
    const requestId = `request-${taskId}`;
    this.events.push(
      event(EventType.EventSent, taskId, this.now, {
        InstanceId: instanceId,
        Name: "op",
        Input: JSON.stringify({ id: requestId }),
      }),
    );
    this.events.push(
      event(EventType.EventRaised, -1, this.now, {
        Name: requestId,
        Input: JSON.stringify({ result: JSON.stringify(result) }),
      }),
    );
    return this;
  }
}

export type { Action };
export type ReplayState = OrchestratorState;
export { ActionType } from "../../src/localhost/history";

/** The binding schemas the replay suites run under: V1 (flattened) and what the extension sends (V2 + V3). */
export const SCHEMAS = [
  { label: "schema V1", ...V1_SCHEMA },
  { label: "schema V2/V3", ...EXTENSION_SCHEMA },
] as const;
export type Schema = { upperSchemaVersion: number; upperSchemaVersionNew?: number };

type Handler = (binding: unknown, context: unknown) => Promise<unknown>;

/** One replay episode of a registered orchestration handler over `history`. */
export function replay(
  handler: Handler,
  history: History,
  input: unknown,
  instanceId = "test-instance",
  schema: Schema = EXTENSION_SCHEMA,
): Promise<ReplayState> {
  const context = new df.DummyOrchestrationContext("orchestration", "invocation", () => undefined);
  const binding = orchestrationBinding(instanceId, history.events as never, input, schema);
  return invokeOrchestrator(handler, binding, context);
}

function flatten(action: Action): Action[] {
  return action.compoundActions ? action.compoundActions.flatMap(flatten) : [action];
}

/** Actions in task-id order: compound (Task.all/any) children inline, as both schemas number them. */
export function flatActions(state: ReplayState): Action[] {
  return state.actions.flat().flatMap(flatten);
}

/** The actions of each yield (V1 returns them so; V2+ returns one list with compound actions nested). */
export function yieldGroups(state: ReplayState): Action[][] {
  return (state.schemaVersion ?? 0) >= 1 ? (state.actions[0] ?? []).map(flatten) : state.actions;
}

/** Runs one entity batch through a registered entity handler. */
export async function runEntityBatch(
  handler: Handler,
  self: { name: string; key: string },
  existing: unknown,
  operations: { name: string; input?: unknown; signal?: boolean }[],
): Promise<{
  entityExists: boolean;
  entityState?: string;
  results: { isError: boolean; result?: string }[];
}> {
  const binding = {
    self,
    exists: existing !== undefined,
    state: existing === undefined ? undefined : JSON.stringify(existing),
    batch: operations.map((op, i) => ({
      id: String(i),
      name: op.name,
      signal: op.signal ?? false,
      input: op.input === undefined ? undefined : JSON.stringify(op.input),
    })),
  };
  const context = new df.DummyEntityContext<unknown>("entity", "invocation", () => undefined);
  return (await handler(binding, context)) as Awaited<ReturnType<typeof runEntityBatch>>;
}
