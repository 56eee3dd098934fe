/**
 * Drives registered durable-functions handlers the way the Functions host does, without the host:
 * orchestrations get host-shaped history JSON (one call = one replay episode), entities get a batch.
 * Histories are synthetic but use the SDK's own executor, so what passes here is what the host runs.
 */
import * as df from "durable-functions";

export enum EventType {
  ExecutionStarted = 0,
  TaskScheduled = 4,
  TaskCompleted = 5,
  TaskFailed = 6,
  TimerCreated = 10,
  TimerFired = 11,
  OrchestratorStarted = 12,
  OrchestratorCompleted = 13,
  EventSent = 14,
  EventRaised = 15,
}

export type HistoryEvent = Record<string, unknown>;

function event(
  type: EventType,
  eventId: number,
  at: number,
  extra: Record<string, unknown> = {},
): HistoryEvent {
  return {
    EventType: type,
    EventId: eventId,
    IsPlayed: false,
    Timestamp: new Date(at).toISOString(),
    ...extra,
  };
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

export interface Action {
  actionType: number;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  operation?: string;
  fireAt?: string;
  retryOptions?: Record<string, unknown>;
  compoundActions?: Action[];
}

export interface ReplayState {
  isDone: boolean;
  actions: Action[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
}

export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
} as const;

type Handler = (binding: unknown, context: unknown) => Promise<unknown>;

/** One replay episode of a registered orchestration handler over `history`. */
export async function replay(
  handler: Handler,
  history: History,
  input: unknown,
  instanceId = "test-instance",
): Promise<ReplayState> {
  const context = new df.DummyOrchestrationContext("orchestration", "invocation", () => undefined);
  const binding = {
    history: JSON.parse(JSON.stringify(history.events)) as unknown,
    input,
    instanceId,
    isReplaying: false,
    parentInstanceId: undefined,
    upperSchemaVersion: 0,
    maximumShortTimerDuration: "6.00:00:00",
    longRunningTimerIntervalDuration: "3.00:00:00",
    defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
  };
  try {
    return JSON.parse(JSON.stringify(await handler(binding, context))) as ReplayState;
  } catch (error) {
    const label = "$OutOfProcData$:";
    const message = error instanceof Error ? error.message : "";
    if (message.includes(label))
      return JSON.parse(message.substring(message.indexOf(label) + label.length)) as ReplayState;
    throw error;
  }
}

/** Actions in task-id order (V1 schema flattens Task.all/any children into their episode's list). */
export function flatActions(state: ReplayState): Action[] {
  return state.actions.flat();
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
