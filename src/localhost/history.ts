/**
 * History events in the JSON shape the Durable extension hands an out-of-process orchestrator (the
 * `history` of the orchestration trigger binding), and the binding itself. The numbers are DTFx's
 * `EventType` (the durable-functions SDK's `HistoryEventType`).
 */

export enum EventType {
  ExecutionStarted = 0,
  ExecutionCompleted = 1,
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

export interface HistoryEvent {
  EventType: EventType;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  Name?: string;
  Input?: string;
  Result?: string;
  Reason?: string;
  Details?: string;
  TaskScheduledId?: number;
  TimerId?: number;
  FireAt?: string;
  InstanceId?: string;
  OrchestrationStatus?: string;
}

export function historyEvent(
  type: EventType,
  at: number,
  extra: Partial<HistoryEvent> = {},
  eventId = -1,
): HistoryEvent {
  return {
    EventType: type,
    EventId: eventId,
    IsPlayed: false,
    Timestamp: new Date(at).toISOString(),
    ...extra,
  };
}

/** The out-of-process replay schemas (the SDK's ReplaySchema): V1 flattens Task.all/any, V2+ nests them. */
export const ReplaySchema = { V1: 0, V2: 1, V3: 2 } as const;

/** What the extension sends today: V2 in `upperSchemaVersion`, V3 in `upperSchemaVersionNew`. */
export const EXTENSION_SCHEMA = {
  upperSchemaVersion: ReplaySchema.V2,
  upperSchemaVersionNew: ReplaySchema.V3,
};
export const V1_SCHEMA = { upperSchemaVersion: ReplaySchema.V1 };

/** The orchestration trigger binding, with the extension's timer settings (6-day short, 3-day long intervals). */
export function orchestrationBinding(
  instanceId: string,
  history: readonly HistoryEvent[],
  input: unknown,
  schema: { upperSchemaVersion: number; upperSchemaVersionNew?: number } = EXTENSION_SCHEMA,
): Record<string, unknown> {
  return {
    // A fresh copy: the SDK parses Timestamps into Dates in place.
    history: JSON.parse(JSON.stringify(history)) as unknown,
    input,
    instanceId,
    isReplaying: false,
    parentInstanceId: undefined,
    ...schema,
    maximumShortTimerDuration: "6.00:00:00",
    longRunningTimerIntervalDuration: "3.00:00:00",
    defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
  };
}

/** The SDK's action types (the extension's AsyncActionType). */
export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  ScheduledSignalEntity: 10,
  WhenAny: 11,
  WhenAll: 12,
} as const;

export interface Action {
  actionType: number;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  operation?: string;
  fireAt?: string;
  /** WaitForExternalEvent: the event's name (the wait takes no sequence number). */
  externalEventName?: string;
  isCanceled?: boolean;
  retryOptions?: {
    firstRetryIntervalInMilliseconds: number;
    maxNumberOfAttempts: number;
    backoffCoefficient?: number;
    maxRetryIntervalInMilliseconds?: number;
    retryTimeoutInMilliseconds?: number;
  };
  compoundActions?: Action[];
}

/** What an orchestrator invocation returns (the SDK's OrchestratorState, JSON round-tripped). */
export interface OrchestratorState {
  isDone: boolean;
  actions: Action[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  schemaVersion?: number;
}

type Handler = (binding: unknown, context: unknown) => Promise<unknown>;

/**
 * Invokes a registered orchestration handler (the SDK's Orchestrator.listen wrapper) once. A failed
 * orchestration throws an error carrying its state after `$OutOfProcData$:`, as the host receives it.
 */
export async function invokeOrchestrator(
  handler: Handler,
  binding: Record<string, unknown>,
  context: unknown,
): Promise<OrchestratorState> {
  try {
    return JSON.parse(JSON.stringify(await handler(binding, context))) as OrchestratorState;
  } catch (error) {
    const label = "$OutOfProcData$:";
    const message = error instanceof Error ? error.message : String(error);
    if (message.includes(label))
      return JSON.parse(message.substring(message.indexOf(label) + label.length)) as OrchestratorState;
    return { isDone: false, actions: [], error: message };
  }
}
