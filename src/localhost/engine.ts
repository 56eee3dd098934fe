/**
 * The local Durable engine: runs the handlers `src/index.ts` registers — through the durable-functions
 * SDK's own wrappers — the way the Functions host and the Durable extension do. Each orchestration
 * episode replays the instance's whole history (binding schema V2/V3, the extension's timer settings),
 * its actions go through the extension's out-of-process shim rules (shim.ts), and its effects (history,
 * outbound activity work, timers, entity messages) commit in one store transaction. Activities and
 * entity batches run from the store's queues, asynchronously; entity messages are interleaved across
 * senders (only per-sender order holds, as in Durable). An at-least-once switch duplicates activity
 * executions and entity deliveries and crashes between an episode's sends and its commit.
 */
import { randomUUID } from "node:crypto";
import { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import type { Clock } from "../shared/clock";
import type { Logger } from "../shared/logger";
import type { HistoryEvent } from "./history";
import {
  EXTENSION_SCHEMA,
  EventType,
  historyEvent,
  invokeOrchestrator,
  orchestrationBinding,
} from "./history";
import type { DurableFunctions } from "./registrations";
import type { NewWork } from "./shim";
import { completedKeys, completionKey, openKeys, replayShim } from "./shim";
import type {
  ActivityWork,
  DurableStore,
  EntityRequest,
  InstanceRow,
  InterruptedUnit,
  Message,
  NewMessage,
} from "./store";
import { unitOf } from "./store";

/** At-least-once delivery, as Azure's queues give it (the fault suite turns these on). */
export interface AtLeastOnce {
  /**
   * Every activity runs twice: the first run's result is lost, as when a worker dies before it reports,
   * and the work item is redelivered after the first run's entity messages were delivered.
   */
  duplicateActivities?: boolean;
  /** Every entity message is delivered twice (a redelivered call gets no second response). */
  duplicateMessages?: boolean;
  /** Every episode first sends its messages, then "crashes" before committing its history, then reruns. */
  crashBetweenSendAndCommit?: boolean;
}

/** Runs one activity invocation; the host wraps it (budget caps, progress hooks). */
export type ActivityRunner = (
  name: string,
  input: unknown,
  invoke: (input: unknown) => Promise<unknown>,
) => Promise<unknown>;

export interface EngineOptions {
  store: DurableStore;
  functions: DurableFunctions;
  clock: Clock;
  logger: Logger;
  atLeastOnce?: AtLeastOnce;
  /** Seeds the interleaving of different senders' entity messages. */
  seed?: number;
  runActivity?: ActivityRunner;
  onStatus?: (instanceId: string, status: unknown) => void;
  /**
   * The extra input name under which activities registered with a durable client input get this
   * engine's entity client (EngineEntityClient); without it they get none.
   */
  clientInputName?: string;
  /** The binding schema the extension advertises (default V2 + V3). */
  schema?: { upperSchemaVersion: number; upperSchemaVersionNew?: number };
}

/** The extension caps custom status at 16 KB of UTF-16. */
export const MAX_CUSTOM_STATUS_BYTES = 16 * 1024;

const TERMINAL = new Set(["Completed", "Failed", "Terminated"]);
const CLIENT_SENDER = "$client";
/** The sender of external events (raiseEvent): they answer no request, so they skip the open-request check. */
const EXTERNAL_SENDER = "$external";

/**
 * What an activity with a durable client input gets from this engine: the entity part of DurableClient,
 * through the engine's own entity messaging (a signal is a committed entity message like any other).
 */
export interface EngineEntityClient {
  readEntityState<T>(entityId: {
    name: string;
    key: string;
  }): Promise<{ entityExists: boolean; entityState?: T }>;
  signalEntity(
    entityId: { name: string; key: string },
    operationName?: string,
    operationContent?: unknown,
  ): Promise<void>;
  /** Executions of this engine are named `<engine id>:<uuid>` (see isExecutorGone). */
  newExecutorId(): string;
  /**
   * An execution another engine named is dead: the store is opened with an exclusive lock, so an engine
   * that can run work is the only live one on its data directory.
   */
  isExecutorGone(executor: string): boolean;
}

export class DurableEngine {
  private readonly store: DurableStore;
  private readonly inflight = new Map<number, Promise<void>>();
  private readonly crashed = new Set<string>();
  private loopPromise: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private idleWaiters: (() => void)[] = [];
  private stopping = false;
  private closed = false;
  private finished = false;
  private rng: number;
  /** At-least-once events this engine produced (what a fault run shows it injected). */
  readonly atLeastOnceEvents = { activitiesRepeated: 0, messagesRepeated: 0, episodesCrashed: 0 };
  /** Units found started-but-unfinished when this engine opened the store. */
  readonly interruptedAtStart: readonly InterruptedUnit[];
  /** Instances that were running when this engine opened the store. */
  readonly runningAtStart: readonly string[];

  constructor(private readonly options: EngineOptions) {
    this.store = options.store;
    this.rng = (options.seed ?? 1) >>> 0 || 1;
    const now = options.clock.now();
    // Work a dead process had taken is redelivered (Azure: the queue lease expires).
    this.interruptedAtStart = this.store.transaction(() => {
      const found: InterruptedUnit[] = [];
      for (const m of this.store.activities(0, true)) {
        if (m.startedAt === null) continue;
        const unit = unitOf(JSON.parse(m.body) as ActivityWork);
        if (unit) found.push({ unit, startedAt: m.startedAt, foundAt: now });
        this.store.markStarted(m.seq, null);
      }
      this.store.addInterrupted(found);
      return found;
    });
    this.runningAtStart = this.store.instances(["Running", "Pending"]).map((i) => i.id);
  }

  // ---- client API ----

  startNew(name: string, instanceId: string, input: unknown): void {
    if (!this.options.functions.orchestrations.has(name))
      throw new Error(`orchestrator "${name}" is not registered`);
    const now = this.options.clock.now();
    this.store.transaction(() => {
      const existing = this.store.instance(instanceId);
      if (existing && !TERMINAL.has(existing.status))
        throw new Error(`instance ${instanceId} is still running here`);
      this.store.deleteMessagesFor("orchestration", instanceId);
      const execution = randomUUID();
      const inputJson = input === undefined ? null : JSON.stringify(input);
      this.store.putInstance({
        id: instanceId,
        name,
        execution,
        status: "Running",
        input: inputJson,
        output: null,
        customStatus: null,
        created: now,
        updated: now,
        history: [],
      });
      this.enqueueStart(instanceId, execution, name, inputJson, now);
    });
    this.kick();
  }

  /** Terminates at once: pending events are dropped and results of activities still running are discarded. */
  terminate(instanceId: string, reason: string): void {
    this.store.transaction(() => {
      const instance = this.store.instance(instanceId);
      if (!instance) throw new Error(`instance ${instanceId}: replied with HTTP 404`);
      if (TERMINAL.has(instance.status)) return;
      this.store.deleteMessagesFor("orchestration", instanceId);
      for (const m of this.store.activities(0, true)) {
        const work = JSON.parse(m.body) as ActivityWork;
        if (work.instanceId === instanceId && m.startedAt === null) this.store.deleteMessage(m.seq);
      }
      this.store.putInstance({
        ...instance,
        status: "Terminated",
        output: JSON.stringify(reason),
        updated: this.options.clock.now(),
      });
    });
    this.kick();
  }

  signalEntity(schedulerId: string, operation: string, input: unknown): void {
    const request: EntityRequest = {
      operation,
      ...(input !== undefined ? { input: JSON.stringify(input) } : {}),
      signal: true,
      requestId: randomUUID(),
    };
    this.store.enqueue({
      queue: "entity",
      target: schedulerId,
      execution: null,
      sender: CLIENT_SENDER,
      visibleAt: this.options.clock.now(),
      body: JSON.stringify(request),
    });
    this.kick();
  }

  /** Raises an external event (DTFx RaiseEvent): buffered until the orchestration waits for it. */
  raiseEvent(instanceId: string, eventName: string, eventData: unknown): void {
    this.store.transaction(() => {
      const instance = this.store.instanceHead(instanceId);
      if (!instance) throw new Error(`instance ${instanceId}: replied with HTTP 404`);
      if (TERMINAL.has(instance.status))
        throw new Error(`instance ${instanceId} is ${instance.status}: HTTP 410`);
      const now = this.options.clock.now();
      this.store.enqueue({
        queue: "orchestration",
        target: instanceId,
        execution: instance.execution,
        sender: EXTERNAL_SENDER,
        visibleAt: now,
        body: JSON.stringify(
          historyEvent(EventType.EventRaised, now, {
            Name: eventName,
            ...(eventData !== undefined ? { Input: JSON.stringify(eventData) } : {}),
          }),
        ),
      });
    });
    this.kick();
  }

  readEntityState<T>(entityId: { name: string; key: string }): { entityExists: boolean; entityState?: T } {
    const { exists, state } = this.store.entity(schedulerId(entityId.name, entityId.key));
    return exists && state !== undefined
      ? { entityExists: true, entityState: JSON.parse(state) as T }
      : { entityExists: exists };
  }

  /** Names this engine's activity executions: one per engine, i.e. per process on a data directory. */
  private readonly engineId = randomUUID();

  /** The entity client an activity's durable client input receives. */
  readonly entityClient: EngineEntityClient = {
    newExecutorId: () => `${this.engineId}:${randomUUID()}`,
    isExecutorGone: (executor) => !executor.startsWith(`${this.engineId}:`),
    readEntityState: <T>(entityId: { name: string; key: string }) =>
      Promise.resolve(this.readEntityState<T>(entityId)),
    signalEntity: (entityId, operationName, operationContent) => {
      this.signalEntity(schedulerId(entityId.name, entityId.key), operationName ?? "", operationContent);
      return Promise.resolve();
    },
  };

  /** The invocation context an activity runs with: its durable client input when it registered one. */
  activityContext(name: string): InvocationContext {
    const context = new InvocationContext({ functionName: name, invocationId: randomUUID() });
    const input = this.options.clientInputName;
    if (input !== undefined && this.options.functions.clientActivities?.has(name))
      context.extraInputs.set(input, this.entityClient);
    return context;
  }

  instance(instanceId: string): InstanceRow | undefined {
    return this.store.instance(instanceId);
  }

  /** Starts processing (also resumes what a previous process left running). */
  start(): void {
    if (this.closed || this.loopPromise) return;
    this.loopPromise = this.loop().catch((error: unknown) => {
      this.options.logger.error("local engine stopped on an error", { error: String(error) });
      this.closed = true;
      this.releaseIdle();
    });
  }

  /** Resolves when nothing can run: no ready work, nothing in flight, no timer ahead (or stopping). */
  idle(): Promise<void> {
    if (this.closed || this.finished || !this.loopPromise) return Promise.resolve();
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.kick();
    });
  }

  /** Graceful stop: no new activity starts and no timer fires; what is in flight completes and commits. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.kick();
    await this.loopPromise;
  }

  /** Stops at once without waiting for anything: what is in flight is lost (as on a kill). */
  abandon(): void {
    this.closed = true;
    this.kick();
  }

  // ---- the loop ----

  private kick(): void {
    const wake = this.wakeUp;
    this.wakeUp = undefined;
    wake?.();
  }

  private waitForKick(): Promise<void> {
    return new Promise((resolve) => (this.wakeUp = resolve));
  }

  private releaseIdle(): void {
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private async loop(): Promise<void> {
    for (let guard = 0; guard < Number.MAX_SAFE_INTEGER; guard += 1) {
      if (this.closed) {
        this.finished = true;
        this.releaseIdle();
        return;
      }
      if (await this.runReady()) continue;
      if (this.inflight.size > 0) {
        const kicked = this.waitForKick();
        await Promise.race([...this.inflight.values(), kicked, pause(20)]);
        continue;
      }
      if (this.stopping) {
        this.finished = true;
        this.releaseIdle();
        return;
      }
      const now = this.options.clock.now();
      const next = this.store.nextVisibleAt(now);
      if (next !== undefined) {
        const abort = new AbortController();
        const kicked = this.waitForKick();
        await Promise.race([
          this.options.clock.sleep(next - now, abort.signal).catch(() => undefined),
          kicked,
        ]);
        abort.abort();
        continue;
      }
      this.releaseIdle();
      await this.waitForKick();
    }
  }

  /** One pass over the queues; true if it did anything. */
  private async runReady(): Promise<boolean> {
    let did = false;
    const now = this.options.clock.now();
    for (const instanceId of this.store.readyTargets("orchestration", now)) {
      if (this.closed) return false;
      await this.episode(instanceId);
      did = true;
    }
    for (const entityId of this.store.readyTargets("entity", now)) {
      if (this.closed) return false;
      await this.entityBatch(entityId);
      did = true;
    }
    if (!this.stopping) {
      for (const m of this.store.activities(now)) {
        if (this.closed) return false;
        this.launchActivity(m);
        did = true;
      }
    }
    return did;
  }

  // ---- orchestrations ----

  private enqueueStart(
    instanceId: string,
    execution: string,
    name: string,
    input: string | null,
    now: number,
  ): void {
    this.store.enqueue({
      queue: "orchestration",
      target: instanceId,
      execution,
      sender: null,
      visibleAt: now,
      body: JSON.stringify(
        historyEvent(EventType.ExecutionStarted, now, {
          Name: name,
          ...(input !== null ? { Input: input } : {}),
        }),
      ),
    });
  }

  private async episode(instanceId: string): Promise<void> {
    const now = this.options.clock.now();
    const messages = this.store.messages("orchestration", instanceId, now);
    const instance = this.store.instance(instanceId);
    const drop = (): void =>
      this.store.transaction(() => messages.forEach((m) => this.store.deleteMessage(m.seq)));
    if (!instance || TERMINAL.has(instance.status)) return drop();

    const past = instance.history.map((e) => ({ ...e, IsPlayed: true }));
    const completed = completedKeys(past);
    const open = openKeys(past);
    const fresh: HistoryEvent[] = [];
    for (const m of messages) {
      if (m.execution !== instance.execution) continue; // stale: an earlier execution's
      const event = JSON.parse(m.body) as HistoryEvent;
      const at = new Date(now).toISOString();
      if (event.EventType === EventType.ExecutionStarted) {
        if (past.length === 0) fresh.push({ ...event, Timestamp: at });
        continue;
      }
      if (m.sender === EXTERNAL_SENDER) {
        fresh.push({ ...event, Timestamp: at });
        continue;
      }
      const key = completionKey(event);
      // A duplicate (at-least-once) or unknown completion is dropped, as DTFx drops it.
      if (key === undefined || !open.has(key) || completed.has(key)) continue;
      completed.add(key);
      fresh.push({ ...event, Timestamp: at });
    }
    if (fresh.length === 0) return drop();

    const history = [...past, historyEvent(EventType.OrchestratorStarted, now), ...fresh];
    const handler = this.options.functions.orchestrations.get(instance.name);
    const input = instance.input === null ? undefined : (JSON.parse(instance.input) as unknown);
    const context = new df.DummyOrchestrationContext(instance.name, randomUUID(), () => undefined);
    const state = handler
      ? await invokeOrchestrator(
          handler as never,
          orchestrationBinding(instanceId, history, input, this.options.schema ?? EXTENSION_SCHEMA),
          context,
        )
      : { isDone: false, actions: [], error: `orchestrator "${instance.name}" is not registered` };
    if (this.closed) return;
    const shim = replayShim(
      instanceId,
      instance.execution,
      history,
      state.actions ?? [],
      state.schemaVersion ?? 0,
    );

    const customStatus = state.customStatus === undefined ? null : JSON.stringify(state.customStatus);
    const customStatusBytes = customStatus === null ? 0 : Buffer.byteLength(customStatus, "utf16le");
    let failure: string | undefined;
    if (shim.nonDeterminism) failure = shim.nonDeterminism;
    else if (shim.unsupported) failure = shim.unsupported;
    else if (customStatusBytes > MAX_CUSTOM_STATUS_BYTES)
      failure =
        `Orchestrator function '${instance.name}' failed: The UTF-16 size of the JSON-serialized payload must ` +
        `not exceed 16 KB. The current payload size is ${(customStatusBytes / 1024).toFixed(2)} KB.`;
    else if (state.error !== undefined)
      failure = `Orchestrator function '${instance.name}' failed: ${state.error}`;

    // Nothing is sent after a non-determinism failure (the replay cannot be trusted) or an oversized custom
    // status (the shim sets the status before it issues any action); an orchestrator error sends what the
    // shim issued before the error was read, as the extension does.
    const work = shim.nonDeterminism || customStatusBytes > MAX_CUSTOM_STATUS_BYTES ? [] : shim.work;
    const outbound = work.map((w) => this.outbound(instanceId, instance.execution, w, now));
    const crashKey = `${instanceId}:${instance.execution}:${history.length}`;
    if (
      this.options.atLeastOnce?.crashBetweenSendAndCommit &&
      outbound.length > 0 &&
      !this.crashed.has(crashKey)
    ) {
      // The messages go out; the history does not: the episode runs again from the same events.
      this.crashed.add(crashKey);
      this.atLeastOnceEvents.episodesCrashed += 1;
      this.store.transaction(() => outbound.forEach((m) => this.store.enqueue(m)));
      return;
    }

    const next: InstanceRow = {
      ...instance,
      customStatus: customStatus ?? instance.customStatus,
      updated: now,
    };
    /** The history a generation that continues as new ends with (only its figures are kept). */
    let ended: HistoryEvent[] | undefined;
    if (failure !== undefined) {
      next.status = "Failed";
      next.output = JSON.stringify(failure);
      next.history = [
        ...history,
        historyEvent(EventType.ExecutionCompleted, now, { OrchestrationStatus: "Failed" }),
      ];
      this.options.logger.error("orchestration failed", { instanceId, error: failure });
    } else if (state.isDone && shim.continueAsNew) {
      ended = [
        ...history,
        ...work.map((w) => scheduledEvent(w, now)),
        historyEvent(EventType.ExecutionCompleted, now, { OrchestrationStatus: "ContinuedAsNew" }),
      ];
      next.execution = randomUUID();
      next.input = shim.continueAsNew.input === undefined ? null : JSON.stringify(shim.continueAsNew.input);
      next.history = [];
    } else if (state.isDone) {
      next.status = "Completed";
      next.output = state.output === undefined ? null : JSON.stringify(state.output);
      next.history = [
        ...history,
        historyEvent(EventType.ExecutionCompleted, now, { OrchestrationStatus: "Completed" }),
      ];
    } else {
      next.history = [
        ...history,
        ...work.map((w) => scheduledEvent(w, now)),
        historyEvent(EventType.OrchestratorCompleted, now),
      ];
    }
    let committed = false;
    this.store.transaction(() => {
      messages.forEach((m) => this.store.deleteMessage(m.seq));
      // Terminated (or restarted) while this episode ran: its effects are discarded.
      const current = this.store.instanceHead(instanceId);
      if (current?.execution !== instance.execution || current.status !== instance.status) return;
      committed = true;
      outbound.forEach((m) => this.store.enqueue(m));
      if (ended) this.store.endGeneration(instanceId, instance.execution, ended);
      this.store.putInstance(next);
      if (next.execution !== instance.execution)
        this.enqueueStart(instanceId, next.execution, next.name, next.input, now);
    });
    if (committed && customStatus !== null && customStatus !== instance.customStatus)
      this.options.onStatus?.(instanceId, JSON.parse(customStatus) as unknown);
  }

  private outbound(instanceId: string, execution: string, work: NewWork, now: number): NewMessage {
    switch (work.kind) {
      case "activity": {
        const body: ActivityWork = {
          instanceId,
          execution,
          taskId: work.id,
          name: work.name,
          input: work.input,
        };
        return {
          queue: "activity",
          target: work.name,
          execution,
          sender: instanceId,
          visibleAt: now,
          body: JSON.stringify(body),
        };
      }
      case "timer":
        return {
          queue: "orchestration",
          target: instanceId,
          execution,
          sender: null,
          visibleAt: work.fireAt,
          body: JSON.stringify(
            historyEvent(EventType.TimerFired, work.fireAt, {
              TimerId: work.id,
              FireAt: new Date(work.fireAt).toISOString(),
            }),
          ),
        };
      case "entity": {
        const body: EntityRequest = {
          operation: work.operation,
          ...(work.input !== undefined ? { input: work.input } : {}),
          signal: work.signal,
          requestId: work.requestId,
          ...(work.signal ? {} : { parent: instanceId, parentExecution: execution }),
        };
        return {
          queue: "entity",
          target: work.target,
          execution: null,
          sender: instanceId,
          visibleAt: now,
          body: JSON.stringify(body),
        };
      }
    }
  }

  // ---- activities ----

  private launchActivity(m: Message): void {
    this.store.markStarted(m.seq, this.options.clock.now());
    const run: Promise<void> = this.runActivity(m).finally(() => {
      // A redelivered work item may already run again under the same seq: only forget this run.
      if (this.inflight.get(m.seq) === run) this.inflight.delete(m.seq);
      this.kick();
    });
    this.inflight.set(m.seq, run);
  }

  private async runActivity(m: Message): Promise<void> {
    const work = JSON.parse(m.body) as ActivityWork;
    const handler = this.options.functions.activities.get(work.name);
    const execute = async (): Promise<string> => {
      if (!handler) throw new Error(`activity "${work.name}" is not registered`);
      const input = JSON.parse(work.input) as unknown;
      const context = this.activityContext(work.name);
      const invoke = (given: unknown): Promise<unknown> => handler(given, context);
      const result = this.options.runActivity
        ? await this.options.runActivity(work.name, input, invoke)
        : await invoke(input);
      return JSON.stringify(result ?? null);
    };
    if (this.options.atLeastOnce?.duplicateActivities && m.deliveries === 0) {
      // The worker "dies" before it reports: the result is lost and the work item is delivered again,
      // as Azure's queue does when the lease runs out — by which time the messages the first run sent
      // (its entity signals) have been delivered (the engine's next pass takes entities first).
      await execute().catch(() => undefined);
      if (this.closed || !this.store.open) return;
      this.atLeastOnceEvents.activitiesRepeated += 1;
      this.store.transaction(() => {
        this.store.markDelivered(m.seq);
        this.store.markStarted(m.seq, null);
      });
      return;
    }
    let event: HistoryEvent;
    const at = this.options.clock.now();
    try {
      event = historyEvent(EventType.TaskCompleted, at, {
        TaskScheduledId: work.taskId,
        Result: await execute(),
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      event = historyEvent(EventType.TaskFailed, at, {
        TaskScheduledId: work.taskId,
        Reason: `Activity function '${work.name}' failed: ${message}`,
        Details: error instanceof Error ? (error.stack ?? "") : "",
      });
    }
    if (this.closed || !this.store.open) return; // the process "died": the work item is redelivered
    this.store.transaction(() => {
      this.store.deleteMessage(m.seq);
      const instance = this.store.instanceHead(work.instanceId);
      // Results for a terminated instance or an earlier execution are discarded, as Azure does.
      if (!instance || TERMINAL.has(instance.status) || instance.execution !== work.execution) return;
      this.store.enqueue({
        queue: "orchestration",
        target: work.instanceId,
        execution: work.execution,
        sender: null,
        visibleAt: this.options.clock.now(),
        body: JSON.stringify(event),
      });
    });
  }

  // ---- entities ----

  private async entityBatch(schedulerId: string): Promise<void> {
    const now = this.options.clock.now();
    const messages = this.interleave(this.store.messages("entity", schedulerId, now));
    const { name, key } = parseSchedulerId(schedulerId);
    const handler = this.options.functions.entities.get(name);
    const stored = this.store.entity(schedulerId);
    const requests = messages.map((m) => JSON.parse(m.body) as EntityRequest);
    const binding = {
      self: { name, key },
      exists: stored.exists,
      state: stored.state,
      batch: requests.map((r, i) => ({ id: String(i), name: r.operation, signal: r.signal, input: r.input })),
    };
    const context = new df.DummyEntityContext(name, randomUUID(), () => undefined);
    const result = handler
      ? ((await handler(binding, context)) as EntityBatchResult)
      : { entityExists: stored.exists, entityState: stored.state, results: [], signals: [] };
    if (this.closed) return;
    const duplicate = this.options.atLeastOnce?.duplicateMessages === true;
    this.store.transaction(() => {
      this.store.setEntity(schedulerId, result.entityExists, result.entityState);
      messages.forEach((m, i) => {
        const request = requests[i]!;
        const outcome = result.results[i];
        if (!request.signal && request.parent && m.deliveries === 0) {
          const response = handler
            ? { result: outcome?.result, ...(outcome?.isError ? { exceptionType: "Error" } : {}) }
            : { result: JSON.stringify(`entity "${name}" is not registered`), exceptionType: "Error" };
          this.store.enqueue({
            queue: "orchestration",
            target: request.parent,
            execution: request.parentExecution ?? null,
            sender: null,
            visibleAt: now,
            body: JSON.stringify(
              historyEvent(EventType.EventRaised, now, {
                Name: request.requestId,
                Input: JSON.stringify(response),
              }),
            ),
          });
        }
        if (duplicate && m.deliveries === 0) {
          this.store.markDelivered(m.seq);
          this.atLeastOnceEvents.messagesRepeated += 1;
        } else this.store.deleteMessage(m.seq);
      });
      for (const signal of result.signals ?? []) {
        const target = `@${signal.target.name.toLowerCase()}@${signal.target.key}`;
        const request: EntityRequest = {
          operation: signal.name,
          ...(signal.input ? { input: signal.input } : {}),
          signal: true,
          requestId: randomUUID(),
        };
        this.store.enqueue({
          queue: "entity",
          target,
          execution: null,
          sender: schedulerId,
          visibleAt: now,
          body: JSON.stringify(request),
        });
      }
    });
  }

  /** Per-sender FIFO, senders interleaved by a seeded draw: no order between different senders. */
  private interleave(messages: readonly Message[]): Message[] {
    const bySender = new Map<string, Message[]>();
    for (const m of messages) {
      const sender = m.sender ?? "";
      bySender.set(sender, [...(bySender.get(sender) ?? []), m]);
    }
    const queues = [...bySender.values()];
    const out: Message[] = [];
    while (queues.length > 0) {
      const index = this.draw(queues.length);
      const queue = queues[index]!;
      out.push(queue.shift()!);
      if (queue.length === 0) queues.splice(index, 1);
    }
    return out;
  }

  /** xorshift32: deterministic per seed. */
  private draw(n: number): number {
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0 || 1;
    return this.rng % n;
  }
}

interface EntityBatchResult {
  entityExists: boolean;
  entityState?: string;
  results: { isError: boolean; result?: string }[];
  signals?: { target: { name: string; key: string }; name: string; input?: string }[];
}

function scheduledEvent(work: NewWork, now: number): HistoryEvent {
  switch (work.kind) {
    case "activity":
      return historyEvent(EventType.TaskScheduled, now, { Name: work.name, Input: work.input }, work.id);
    case "timer":
      return historyEvent(
        EventType.TimerCreated,
        now,
        { FireAt: new Date(work.fireAt).toISOString() },
        work.id,
      );
    case "entity":
      return historyEvent(
        EventType.EventSent,
        now,
        {
          InstanceId: work.target,
          Name: "op",
          Input: JSON.stringify({ id: work.requestId, op: work.operation, signal: work.signal }),
        },
        work.id,
      );
  }
}

/** `@name@key` (the name lower-cased, as Durable's scheduler ids are). */
export function parseSchedulerId(schedulerId: string): { name: string; key: string } {
  const second = schedulerId.indexOf("@", 1);
  return { name: schedulerId.slice(1, second), key: schedulerId.slice(second + 1) };
}

export function schedulerId(name: string, key: string): string {
  return `@${name.toLowerCase()}@${key}`;
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
