/**
 * The extension's out-of-process shim, replayed: the actions an SDK invocation returned are turned into
 * Durable Task calls exactly as `OutOfProcOrchestrationShim` makes them (V2+: one action at a time, each
 * awaited before the next is issued; V1: each action set issued then `WhenAny`), over the instance's
 * history as DTFx replays it. Every call but an external-event wait takes the next sequence number; a scheduled-event in history
 * that the replay did not produce at that number is the host's non-determinism failure. What the replay
 * issues beyond the history is the episode's new work.
 */
import type { Action, HistoryEvent } from "./history";
import { ActionType, EventType } from "./history";

export type NewWork =
  | { kind: "activity"; id: number; name: string; input: string }
  | { kind: "timer"; id: number; fireAt: number }
  | {
      kind: "entity";
      id: number;
      target: string;
      operation: string;
      input: string | undefined;
      signal: boolean;
      requestId: string;
    };

export interface ShimResult {
  /** Set when the history does not match what the actions produce. */
  nonDeterminism?: string;
  /** Set when the actions ask for something this engine does not run (sub-orchestrations, HTTP…). */
  unsupported?: string;
  /** Work issued past the end of the history, in sequence order. */
  work: NewWork[];
  continueAsNew?: { input: unknown };
}

class VTask {
  done = false;
  failed = false;
  private readonly waiters: (() => void)[] = [];
  settle(failed: boolean): void {
    if (this.done) return;
    this.done = true;
    this.failed = failed;
    for (const waiter of this.waiters.splice(0)) waiter();
  }
  then(waiter: () => void): void {
    if (this.done) waiter();
    else this.waiters.push(waiter);
  }
}

const json = (value: unknown): string | undefined =>
  value === undefined ? undefined : JSON.stringify(value);
/** The SDK serializes string inputs of activities and continueAsNew itself (Utils.processInput). */
const preSerialized = (value: unknown): string | undefined =>
  typeof value === "string" ? value : json(value);

/** DTFx's NonDeterministicOrchestrationException text. */
function notScheduled(what: string, id: number, name: string | undefined): string {
  return (
    `Non-Deterministic workflow detected: A previous execution of this orchestration scheduled ${what} with ` +
    `sequence ID ${id}${name !== undefined ? ` and name '${name}' (version '')` : ""}, but the current replay ` +
    `execution hasn't (yet?) scheduled this task. Was a change made to the orchestrator code after this ` +
    `instance had already started running?`
  );
}

export function replayShim(
  instanceId: string,
  execution: string,
  history: readonly HistoryEvent[],
  actions: readonly (readonly Action[])[],
  schemaVersion: number,
): ShimResult {
  let nextId = 0;
  let now = 0;
  const issued = new Map<number, NewWork>();
  const waiting = new Map<string, VTask>();
  /** External-event waits by name, oldest first; events raised before a wait are buffered (as DTFx does). */
  const eventWaits = new Map<string, VTask[]>();
  const buffered = new Map<string, number>();
  const result: ShimResult = { work: [] };
  const fail = (message: string): void => {
    result.nonDeterminism ??= message;
  };

  const timer = (fireAt: number): VTask => {
    const id = nextId++;
    issued.set(id, { kind: "timer", id, fireAt });
    const task = new VTask();
    waiting.set(`timer:${id}`, task);
    return task;
  };
  const activity = (name: string, input: unknown): VTask => {
    const id = nextId++;
    issued.set(id, { kind: "activity", id, name, input: preSerialized(input) ?? "null" });
    const task = new VTask();
    waiting.set(`task:${id}`, task);
    return task;
  };
  const entity = (action: Action, signal: boolean): VTask | undefined => {
    const id = nextId++;
    const requestId = `${instanceId}:${execution}:${id}`;
    issued.set(id, {
      kind: "entity",
      id,
      target: action.instanceId ?? "",
      operation: action.operation ?? "",
      input: json(action.input),
      signal,
      requestId,
    });
    if (signal) return undefined;
    const task = new VTask();
    waiting.set(`request:${requestId}`, task);
    return task;
  };
  /** DTFx's RetryInterceptor: after every failed attempt a timer, then the next attempt while any are left. */
  const withRetry = (action: Action): VTask => {
    const options = action.retryOptions ?? { firstRetryIntervalInMilliseconds: 1, maxNumberOfAttempts: 1 };
    const outer = new VTask();
    const firstAttemptAt = now;
    const attempt = (retryCount: number): void => {
      const inner = activity(action.functionName ?? "", action.input);
      inner.then(() => {
        if (!inner.failed) return outer.settle(false);
        const timeout = options.retryTimeoutInMilliseconds;
        if (timeout !== undefined && timeout > 0 && now >= firstAttemptAt + timeout)
          return outer.settle(true);
        const delay = Math.min(
          options.firstRetryIntervalInMilliseconds * (options.backoffCoefficient ?? 1) ** retryCount,
          options.maxRetryIntervalInMilliseconds ?? Number.MAX_SAFE_INTEGER,
        );
        const wait = timer(now + delay);
        wait.then(() =>
          retryCount + 1 < options.maxNumberOfAttempts ? attempt(retryCount + 1) : outer.settle(true),
        );
      });
    };
    attempt(0);
    return outer;
  };
  const all = (tasks: VTask[], any: boolean): VTask => {
    const compound = new VTask();
    if (tasks.length === 0) {
      compound.settle(false);
      return compound;
    }
    for (const task of tasks)
      task.then(() => {
        if (any) compound.settle(false);
        else if (tasks.every((t) => t.done)) compound.settle(tasks.some((t) => t.failed));
      });
    return compound;
  };
  const waitForEvent = (name: string): VTask => {
    const task = new VTask();
    const early = buffered.get(name) ?? 0;
    if (early > 0) {
      buffered.set(name, early - 1);
      task.settle(false);
    } else eventWaits.set(name, [...(eventWaits.get(name) ?? []), task]);
    return task;
  };
  const raised = (name: string): void => {
    const task = eventWaits.get(name)?.shift();
    if (task) task.settle(false);
    else buffered.set(name, (buffered.get(name) ?? 0) + 1);
  };
  /** InvokeAPIFromAction: a task to await, or undefined for fire-and-forget calls. */
  const invoke = (action: Action): VTask | undefined => {
    switch (action.actionType) {
      case ActionType.CallActivity:
        return activity(action.functionName ?? "", action.input);
      case ActionType.CallActivityWithRetry:
        return withRetry(action);
      case ActionType.CreateTimer: {
        const task = timer(Date.parse(action.fireAt ?? ""));
        return task;
      }
      case ActionType.CallEntity:
        return entity(action, false);
      case ActionType.WaitForExternalEvent:
        return waitForEvent(action.externalEventName ?? "");
      case ActionType.SignalEntity:
        entity(action, true);
        return undefined;
      case ActionType.ContinueAsNew:
        result.continueAsNew = {
          input: typeof action.input === "string" ? (JSON.parse(action.input) as unknown) : action.input,
        };
        return undefined;
      case ActionType.WhenAll:
      case ActionType.WhenAny: {
        const children = (action.compoundActions ?? []).map(invoke).map((t) => t ?? settled());
        return all(children, action.actionType === ActionType.WhenAny);
      }
      default:
        result.unsupported ??= `action type ${action.actionType} is not supported by the local engine`;
        return undefined;
    }
  };
  const settled = (): VTask => {
    const task = new VTask();
    task.settle(false);
    return task;
  };

  const start = (): void => {
    if (schemaVersion >= 1) {
      // ProcessAsyncActionsV2: `foreach (action) await InvokeAPIFromAction(action)`.
      const list = actions[0] ?? [];
      const from = (index: number): void => {
        for (let i = index; i < list.length; i += 1) {
          const task = invoke(list[i]!);
          if (task && !task.done) {
            task.then(() => from(i + 1));
            return;
          }
        }
      };
      from(0);
    } else {
      // ProcessAsyncActions (V1): each action set is issued, then `await Task.WhenAny(tasks)`.
      const sets = (index: number): void => {
        for (let i = index; i < actions.length; i += 1) {
          const tasks = actions[i]!.map((a) => invoke(a)).filter((t): t is VTask => t !== undefined);
          if (tasks.length > 0) {
            const any = all(tasks, true);
            if (!any.done) {
              any.then(() => sets(i + 1));
              return;
            }
          }
        }
      };
      sets(0);
    }
  };

  const match = (event: HistoryEvent, kind: NewWork["kind"], what: string): NewWork | undefined => {
    const work = issued.get(event.EventId);
    if (!work || work.kind !== kind) {
      fail(notScheduled(what, event.EventId, event.Name));
      return undefined;
    }
    if (work.kind === "activity" && work.name !== event.Name) {
      fail(
        `Non-Deterministic workflow detected: A previous execution of this orchestration scheduled an activity ` +
          `task with sequence number ${event.EventId} named '${event.Name ?? ""}', but the current orchestration ` +
          `replay instead produced a ScheduleTask action with name '${work.name}'. This indicates a ` +
          `nondeterminism error in the orchestrator code.`,
      );
      return undefined;
    }
    if (work.kind === "entity" && work.target !== event.InstanceId) {
      fail(notScheduled(`an event to ${event.InstanceId ?? "?"}`, event.EventId, event.Name));
      return undefined;
    }
    issued.delete(event.EventId);
    return work;
  };
  const complete = (key: string, failed: boolean): void => {
    const task = waiting.get(key);
    if (!task) return; // a duplicate or stale delivery: DTFx drops it
    waiting.delete(key);
    task.settle(failed);
  };

  for (const event of history) {
    if (result.nonDeterminism) break;
    switch (event.EventType) {
      case EventType.OrchestratorStarted:
        now = Date.parse(event.Timestamp);
        break;
      case EventType.ExecutionStarted:
        start();
        break;
      case EventType.TaskScheduled:
        match(event, "activity", "an activity task");
        break;
      case EventType.TimerCreated:
        match(event, "timer", "a timer task");
        break;
      case EventType.EventSent: {
        const work = match(event, "entity", "an entity message");
        if (work?.kind === "entity" && !work.signal) {
          // The request id the history recorded is the one the entity answers.
          const recorded = (JSON.parse(event.Input ?? "{}") as { id?: string }).id ?? work.requestId;
          const task = waiting.get(`request:${work.requestId}`);
          if (task && recorded !== work.requestId) {
            waiting.delete(`request:${work.requestId}`);
            waiting.set(`request:${recorded}`, task);
          }
        }
        break;
      }
      case EventType.TaskCompleted:
      case EventType.TaskFailed:
        complete(`task:${event.TaskScheduledId ?? -1}`, event.EventType === EventType.TaskFailed);
        break;
      case EventType.TimerFired:
        complete(`timer:${event.TimerId ?? -1}`, false);
        break;
      case EventType.EventRaised:
        // An entity's response answers its request id; any other name is an external event.
        if (waiting.has(`request:${event.Name ?? ""}`)) complete(`request:${event.Name ?? ""}`, false);
        else raised(event.Name ?? "");
        break;
      default:
        break;
    }
  }
  result.work = [...issued.values()].sort((a, b) => a.id - b.id);
  return result;
}

/** Ids of tasks, timers and entity requests the history has already completed (duplicates are dropped). */
export function completedKeys(history: readonly HistoryEvent[]): Set<string> {
  const keys = new Set<string>();
  for (const event of history) {
    if (event.EventType === EventType.TaskCompleted || event.EventType === EventType.TaskFailed)
      keys.add(`task:${event.TaskScheduledId ?? -1}`);
    else if (event.EventType === EventType.TimerFired) keys.add(`timer:${event.TimerId ?? -1}`);
    else if (event.EventType === EventType.EventRaised) keys.add(`request:${event.Name ?? ""}`);
  }
  return keys;
}

/** The key a completion event answers (see completedKeys). */
export function completionKey(event: HistoryEvent): string | undefined {
  if (event.EventType === EventType.TaskCompleted || event.EventType === EventType.TaskFailed)
    return `task:${event.TaskScheduledId ?? -1}`;
  if (event.EventType === EventType.TimerFired) return `timer:${event.TimerId ?? -1}`;
  if (event.EventType === EventType.EventRaised) return `request:${event.Name ?? ""}`;
  return undefined;
}

/** Keys the history is waiting on: scheduled and not yet completed. */
export function openKeys(history: readonly HistoryEvent[]): Set<string> {
  const open = new Set<string>();
  for (const event of history) {
    if (event.EventType === EventType.TaskScheduled) open.add(`task:${event.EventId}`);
    else if (event.EventType === EventType.TimerCreated) open.add(`timer:${event.EventId}`);
    else if (event.EventType === EventType.EventSent) {
      const request = JSON.parse(event.Input ?? "{}") as { id?: string; signal?: boolean };
      if (request.id !== undefined && request.signal !== true) open.add(`request:${request.id}`);
    }
  }
  for (const key of completedKeys(history)) open.delete(key);
  return open;
}
