import type { EntityId, OrchestrationContext, RetryOptions } from "durable-functions";
import type { Clock } from "../shared/clock";

/**
 * A small in-process Durable runtime for the local host: it drives the *same* orchestrator generators
 * the Functions app registers. Activities are awaited directly, timers are clock sleeps, entity
 * operations go to a reducer whose state the host persists. There is no replay: a restarted host starts
 * the current generation over from its input, which is safe because all progress lives in the
 * checkpoint entities.
 */

export type ActivityFn = (input: unknown) => Promise<unknown>;
export type EntityFn = (entityId: string, key: string, operation: string, input: unknown) => unknown;

/** A task in the shape orchestrator code reads (isCompleted, isFaulted, result). */
export class LocalTask {
  /** As in the SDK: completed means succeeded; a failed task is faulted, not completed. */
  isCompleted = false;
  isFaulted = false;
  /** Settled either way. */
  done = false;
  result: unknown = undefined;
  /** False for an activity the host refused to start because it is stopping. */
  started = true;
  readonly kind: "activity" | "timer" | "entity" | "all" | "any";
  readonly settled: Promise<void>;
  readonly children: readonly LocalTask[];

  constructor(
    kind: LocalTask["kind"],
    work: Promise<unknown> | undefined,
    children: readonly LocalTask[] = [],
  ) {
    this.kind = kind;
    this.children = children;
    if (work === undefined) {
      this.started = false;
      this.settled = new Promise<void>(() => undefined);
    } else {
      this.settled = work.then(
        (value) => {
          this.done = true;
          this.isCompleted = true;
          this.result = value;
        },
        (error: unknown) => {
          this.done = true;
          this.isFaulted = true;
          this.result = error instanceof Error ? error : new Error(String(error));
        },
      );
    }
  }

  /** Activities that started and have not settled, anywhere under this task. */
  pendingStartedActivities(): number {
    if (this.done) return 0;
    if (this.kind === "activity") return this.started ? 1 : 0;
    return this.children.reduce((n, c) => n + c.pendingStartedActivities(), 0);
  }
}

export interface DriveOptions {
  instanceId: string;
  input: unknown;
  clock: Clock;
  activities: Readonly<Record<string, ActivityFn>>;
  entity: EntityFn;
  /** Set when the host is stopping: no new activity starts, timers never fire. */
  stopping: () => boolean;
  onCustomStatus: (status: unknown) => void;
  /** Aborts timers when the host stops. */
  signal: AbortSignal;
}

export type DriveResult =
  { kind: "completed"; output: unknown } | { kind: "continued-as-new"; input: unknown } | { kind: "stopped" };

/**
 * Runs one generation of an orchestrator generator to its end (return, continueAsNew, or a clean stop
 * after every started activity has been handed back to the orchestrator).
 */
export async function driveOrchestration(
  orchestrator: (context: OrchestrationContext) => Generator<unknown, unknown, unknown>,
  options: DriveOptions,
): Promise<DriveResult> {
  let continued: { input: unknown } | undefined;
  const { clock, activities } = options;

  const startActivity = (name: string, input: unknown, retry?: RetryOptions): LocalTask => {
    const fn = activities[name];
    if (!fn)
      return new LocalTask("activity", Promise.reject(new Error(`activity "${name}" is not registered`)));
    if (options.stopping()) return new LocalTask("activity", undefined);
    return new LocalTask(
      "activity",
      withRetry(() => fn(input), retry, clock, options.signal),
    );
  };

  const df = {
    instanceId: options.instanceId,
    isReplaying: false,
    parentInstanceId: undefined,
    get currentUtcDateTime(): Date {
      return new Date(clock.now());
    },
    getInput: () => options.input,
    setCustomStatus: (status: unknown) => options.onCustomStatus(status),
    callActivity: (name: string, input?: unknown) => startActivity(name, input),
    callActivityWithRetry: (name: string, retry: RetryOptions, input?: unknown) =>
      startActivity(name, input, retry),
    callEntity: (entityId: EntityId, operation: string, input?: unknown) =>
      new LocalTask(
        "entity",
        Promise.resolve().then(() => options.entity(entityId.name, entityId.key, operation, input)),
      ),
    signalEntity: (entityId: EntityId, operation: string, input?: unknown): void => {
      // Applied (and persisted) at once: the checkpoint is durable before the orchestrator moves on.
      options.entity(entityId.name, entityId.key, operation, input);
    },
    createTimer: (fireAt: Date) => {
      if (options.stopping()) return new LocalTask("timer", undefined);
      const wait = Math.max(0, fireAt.getTime() - clock.now());
      return new LocalTask("timer", clock.sleep(wait, options.signal));
    },
    // No external events here: a stop is read from the control entity between batches.
    waitForExternalEvent: () => new LocalTask("timer", undefined),
    continueAsNew: (input: unknown): void => {
      continued = { input };
    },
    Task: {
      all: (tasks: LocalTask[]) =>
        new LocalTask(
          "all",
          Promise.all(
            tasks.map((t) =>
              t.settled.then(() =>
                t.isFaulted
                  ? Promise.reject(t.result instanceof Error ? t.result : new Error(String(t.result)))
                  : t.result,
              ),
            ),
          ),
          tasks,
        ),
      any: (tasks: LocalTask[]) =>
        new LocalTask("any", Promise.race(tasks.map((t) => t.settled.then(() => t))), tasks),
    },
  };

  const context = { df, log: () => undefined, warn: () => undefined, error: () => undefined };
  const abortedOnce = abortedPromise(options.signal);
  const generator = orchestrator(context as unknown as OrchestrationContext);
  let step = generator.next();
  for (let guard = 0; guard < 10_000_000; guard += 1) {
    if (step.done) {
      return continued
        ? { kind: "continued-as-new", input: continued.input }
        : { kind: "completed", output: step.value };
    }
    const task = step.value as LocalTask;
    if (!(task instanceof LocalTask))
      throw new Error("the orchestrator yielded something that is not a task");
    if (options.stopping() && task.pendingStartedActivities() === 0 && !task.done) {
      // Every started unit has been handed back (and recorded); what is left never started.
      return { kind: "stopped" };
    }
    await waitFor(task, options, abortedOnce);
    if (!task.done) return { kind: "stopped" };
    step = task.isFaulted ? generator.throw(task.result) : generator.next(task.result);
  }
  throw new Error("orchestration did not finish within its step bound");
}

/** Waits for a task, but wakes up when the host starts stopping and nothing started is pending. */
async function waitFor(task: LocalTask, options: DriveOptions, abortedOnce: Promise<void>): Promise<void> {
  for (;;) {
    if (task.done) return;
    if (options.stopping() && task.pendingStartedActivities() === 0) return;
    await Promise.race([task.settled, abortedOnce, pause(50)]);
  }
}

/**
 * One promise per signal, shared by every generation and instance: a listener per call would pile up on
 * the host's long-lived signal (continueAsNew starts a new generation every cycle).
 */
const abortPromises = new WeakMap<AbortSignal, Promise<void>>();

function abortedPromise(signal: AbortSignal): Promise<void> {
  let promise = abortPromises.get(signal);
  if (!promise) {
    promise = aborted(signal);
    abortPromises.set(signal, promise);
  }
  return promise;
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Durable's retry policy, in-process: attempts, first interval, backoff coefficient, cap. */
async function withRetry(
  attempt: () => Promise<unknown>,
  retry: RetryOptions | undefined,
  clock: Clock,
  signal: AbortSignal,
): Promise<unknown> {
  const attempts = Math.max(1, retry?.maxNumberOfAttempts ?? 1);
  let delay = retry?.firstRetryIntervalInMilliseconds ?? 0;
  for (let n = 1; ; n += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (n >= attempts || signal.aborted) throw error;
      await clock.sleep(Math.min(delay, retry?.maxRetryIntervalInMilliseconds ?? delay), signal);
      delay *= retry?.backoffCoefficient ?? 1;
    }
  }
}
