import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { DurableOrchestrationStatus, EntityId, OrchestrationContext } from "durable-functions";
import { ingestUnitActivity, readCycleSettingsActivity, writeHealthActivity } from "../activities/ingestion";
import { applyCheckpointOperation } from "../entities/checkpoint";
import { applyControlOperation } from "../entities/control";
import type { ControlState } from "../entities/control";
import { applyDigestOperation } from "../entities/digest";
import { CHECKPOINT_CHANNEL } from "../activities/checkpointChannel";
import type { ControlClient, ControlDeps, ControlResponse } from "../http/control";
import {
  ingestionStatus,
  resetCheckpointRequest,
  startBackfill,
  startIngestion,
  terminateIngestion,
} from "../http/control";
import { backfillOrchestrator } from "../orchestrators/backfill";
import { FUNCTIONS } from "../orchestrators/names";
import { supervisorOrchestrator } from "../orchestrators/supervisor";
import type { IngestUnitInput } from "../orchestrators/dispatch";
import type { CheckpointState, UnitResult, WorkUnit } from "../planning/types";
import type { Runtime } from "../runtime/runtime";
import { setSharedRuntime } from "../runtime/runtime";
import type { ActivityFn } from "./localDurable";
import { driveOrchestration } from "./localDurable";
import { FileStateStore } from "./stateStore";
import type { InterruptedUnit, LocalInstance } from "./stateStore";

type Generated = (context: OrchestrationContext) => Generator<unknown, unknown, unknown>;

const ORCHESTRATORS: Record<string, Generated> = {
  [FUNCTIONS.supervisor]: supervisorOrchestrator as Generated,
  [FUNCTIONS.backfill]: backfillOrchestrator as Generated,
};

export interface LocalHostOptions {
  runtime: Runtime;
  /** The state file (entities and instances), e.g. .local/state.json. */
  statePath: string;
  /** Called with every custom-status update (progress display). */
  onStatus?: (instanceId: string, status: unknown) => void;
  /** Called after every ingest unit (progress display). */
  onUnit?: (unit: WorkUnit, result: UnitResult) => void;
  /**
   * Caps each ingest activity's time budget (the supervisor asks for UNIT_BUDGET_MS). A kill -9 re-sends
   * at most what one unit sent since its last checkpoint, so a smaller budget bounds that amount.
   */
  unitBudgetMs?: number;
}

/**
 * Runs the Functions app's orchestrators, activities and entity reducers in-process, with state in a
 * local file, and serves the same control routes. `npm start` is a thin CLI around it.
 */
export class LocalHost implements ControlClient {
  private readonly store: FileStateStore;
  private readonly running = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  private stopRequested = false;
  private readonly terminations = new Map<string, string>();
  private server: Server | undefined;
  readonly activities: Record<string, ActivityFn>;
  /** Units the previous process left in flight (killed between starting them and recording them). */
  readonly interruptedAtStart: readonly InterruptedUnit[];

  constructor(private readonly options: LocalHostOptions) {
    this.store = new FileStateStore(options.statePath);
    this.interruptedAtStart = this.store.takeInterrupted(options.runtime.clock.now());
    setSharedRuntime(options.runtime);
    const context = undefined as never;
    this.activities = {
      [FUNCTIONS.readCycleSettings]: async (input): Promise<unknown> =>
        (await readCycleSettingsActivity(input, context)) as unknown,
      [FUNCTIONS.ingestUnit]: async (input): Promise<unknown> => {
        const given = input as IngestUnitInput;
        const budgetMs = Math.min(given.budgetMs, options.unitBudgetMs ?? given.budgetMs);
        // Journaled before it starts, cleared by the checkpoint write that records its result.
        this.store.markInFlight(journalKey(given.unit), {
          unit: given.unit,
          startedAt: this.runtime.clock.now(),
        });
        // The activity checkpoints its segments and stores its digest through this host's entities.
        const channel = {
          extraInputs: { get: (name: string) => (name === CHECKPOINT_CHANNEL ? this : undefined) },
        };
        const result = (await ingestUnitActivity({ ...given, budgetMs }, channel as never)) as UnitResult;
        options.onUnit?.(given.unit, result);
        return result;
      },
      [FUNCTIONS.writeHealth]: async (input): Promise<unknown> =>
        (await writeHealthActivity(input, context)) as unknown,
    };
  }

  get runtime(): Runtime {
    return this.options.runtime;
  }

  /** Every unit found interrupted at a start-up of this state file (capped, oldest first). */
  interruptedUnits(): readonly InterruptedUnit[] {
    return this.store.snapshot.interrupted ?? [];
  }

  /** Restarts instances a previous run left running (after a crash or kill -9). */
  resumeInterrupted(): string[] {
    const resumed: string[] = [];
    for (const instance of Object.values(this.store.snapshot.instances)) {
      if (instance.runtimeStatus === "Running" && !this.running.has(instance.instanceId)) {
        this.launch(instance);
        resumed.push(instance.instanceId);
      }
    }
    return resumed;
  }

  /** Resolves when every running instance has finished or stopped. */
  async idle(): Promise<void> {
    for (let i = 0; i < 1000 && this.running.size > 0; i += 1) {
      await Promise.all([...this.running.values()]);
    }
  }

  /** Clean stop: no new unit starts; units in flight finish and are checkpointed. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    await this.idle();
    this.abort.abort();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  // ---- ControlClient ----

  startNew(name: string, options: { instanceId: string; input: unknown }): Promise<string> {
    if (!ORCHESTRATORS[name]) return Promise.reject(new Error(`orchestrator "${name}" is not registered`));
    if (this.running.has(options.instanceId))
      return Promise.reject(new Error(`instance ${options.instanceId} is still running here`));
    // A terminated instance's id may be reused: the new instance is not terminated.
    this.terminations.delete(options.instanceId);
    const now = new Date(this.runtime.clock.now()).toISOString();
    const instance: LocalInstance = {
      instanceId: options.instanceId,
      name,
      runtimeStatus: "Running",
      input: options.input,
      createdTime: now,
      lastUpdatedTime: now,
    };
    this.store.setInstance(instance);
    this.launch(instance);
    return Promise.resolve(options.instanceId);
  }

  getStatus(instanceId: string): Promise<DurableOrchestrationStatus> {
    const instance = this.store.instance(instanceId);
    if (!instance) return Promise.reject(new Error(`instance ${instanceId}: replied with HTTP 404`));
    return Promise.resolve(toStatus(instance));
  }

  getStatusBy(): Promise<DurableOrchestrationStatus[]> {
    return Promise.resolve(Object.values(this.store.snapshot.instances).map(toStatus));
  }

  terminate(instanceId: string, reason: string): Promise<void> {
    const instance = this.store.instance(instanceId);
    if (!instance) return Promise.reject(new Error(`instance ${instanceId}: replied with HTTP 404`));
    this.terminations.set(instanceId, reason);
    this.store.setInstance({
      ...instance,
      runtimeStatus: "Terminated",
      output: reason,
      lastUpdatedTime: this.nowIso(),
    });
    return Promise.resolve();
  }

  readEntityState<T>(entityId: EntityId): Promise<{ entityExists: boolean; entityState?: T }> {
    const state = this.store.entity(entityKey(entityId.name, entityId.key)) as T | undefined;
    return Promise.resolve(
      state === undefined ? { entityExists: false } : { entityExists: true, entityState: state },
    );
  }

  signalEntity(entityId: EntityId, operationName?: string, operationContent?: unknown): Promise<void> {
    this.applyEntity(entityId.name, entityId.key, operationName ?? "", operationContent);
    return Promise.resolve();
  }

  managementLinks(instanceId: string): Record<string, string> {
    const base = this.url ?? "http://127.0.0.1";
    return { statusQueryGetUri: `${base}/api/ingestion/status`, id: instanceId };
  }

  // ---- HTTP ----

  get url(): string | undefined {
    const address = this.server?.address() as AddressInfo | null | undefined;
    return address ? `http://127.0.0.1:${address.port}` : undefined;
  }

  /** Serves the control routes on 127.0.0.1 (port 0 = any free port). */
  async listen(port: number): Promise<string> {
    this.server = createServer((request, response) => {
      this.route(request, response).catch((error: unknown) => {
        respond(response, {
          status: 500,
          body: { error: error instanceof Error ? error.message : String(error) },
        });
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(port, "127.0.0.1", resolve));
    return this.url ?? "";
  }

  controlDeps(caller = "local"): ControlDeps {
    return {
      client: this,
      config: this.runtime.config,
      now: () => this.runtime.clock.now(),
      logger: this.runtime.logger,
      caller,
    };
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? "/").split("?")[0];
    const method = request.method ?? "GET";
    const deps = this.controlDeps();
    const body = method === "POST" ? await readJson(request) : undefined;
    if (body instanceof Error) return respond(response, { status: 400, body: { error: body.message } });
    const routes: Record<string, () => Promise<ControlResponse>> = {
      "POST /api/ingestion/start": () => startIngestion(deps),
      "GET /api/ingestion/status": () => ingestionStatus(deps),
      "POST /api/ingestion/terminate": () => terminateIngestion(deps, body),
      "POST /api/ingestion/backfill": () => startBackfill(deps, body),
      "POST /api/ingestion/reset": () => resetCheckpointRequest(deps, body),
      "GET /api/health": () => Promise.resolve({ status: 200, body: { status: "ok", host: "local" } }),
    };
    const handler = routes[`${method} ${path}`];
    if (!handler) return respond(response, { status: 404, body: { error: `no route ${method} ${path}` } });
    respond(response, await handler());
  }

  // ---- internals ----

  private launch(instance: LocalInstance): void {
    const run = this.runInstance(instance).finally(() => this.running.delete(instance.instanceId));
    this.running.set(instance.instanceId, run);
  }

  private async runInstance(first: LocalInstance): Promise<void> {
    const orchestrator = ORCHESTRATORS[first.name];
    if (!orchestrator) throw new Error(`orchestrator "${first.name}" is not registered`);
    let input = first.input;
    for (let generation = 0; generation < 1_000_000; generation += 1) {
      const stopping = (): boolean => this.stopRequested || this.terminations.has(first.instanceId);
      let result;
      try {
        result = await driveOrchestration(orchestrator, {
          instanceId: first.instanceId,
          input,
          clock: this.runtime.clock,
          activities: this.activities,
          entity: (name, key, operation, operationInput) =>
            this.applyEntity(name, key, operation, operationInput),
          stopping,
          signal: this.abort.signal,
          onCustomStatus: (status) => {
            this.update(first.instanceId, { customStatus: status });
            this.options.onStatus?.(first.instanceId, status);
          },
        });
      } catch (error) {
        if (this.terminations.has(first.instanceId)) return;
        this.update(first.instanceId, {
          runtimeStatus: "Failed",
          output: error instanceof Error ? error.message : String(error),
        });
        this.runtime.logger.error("orchestration failed", {
          instanceId: first.instanceId,
          error: String(error),
        });
        return;
      }
      if (this.terminations.has(first.instanceId)) return;
      if (result.kind === "stopped") return; // stays "Running": the next start resumes it
      if (result.kind === "completed") {
        this.update(first.instanceId, { runtimeStatus: "Completed", output: result.output });
        return;
      }
      input = result.input;
      this.update(first.instanceId, { input });
    }
  }

  private update(instanceId: string, patch: Partial<LocalInstance>): void {
    const instance = this.store.instance(instanceId);
    if (!instance) return;
    this.store.setInstance({ ...instance, ...patch, lastUpdatedTime: this.nowIso() });
  }

  private applyEntity(name: string, key: string, operation: string, input: unknown): unknown {
    const id = entityKey(name, key);
    if (name.toLowerCase() === FUNCTIONS.digest.toLowerCase()) {
      const stored = this.store.entity(id) as string | undefined;
      const { state, reply, destruct } = applyDigestOperation(stored, operation, input);
      if (destruct) this.store.deleteEntity(id);
      else if (state !== undefined && state !== stored) this.store.setEntity(id, state);
      return reply;
    }
    if (name.toLowerCase() === FUNCTIONS.control.toLowerCase()) {
      const stored = this.store.entity(id) as ControlState | undefined;
      const { state, reply } = applyControlOperation(stored, operation, input);
      if (state !== undefined && state !== stored) this.store.setEntity(id, state);
      return reply;
    }
    if (name.toLowerCase() !== FUNCTIONS.checkpoint.toLowerCase())
      throw new Error(`unknown entity "${name}"`);
    const stored = this.store.entity(id) as CheckpointState | undefined;
    const { state, reply } = applyCheckpointOperation(key, stored, operation, input);
    const unit = operation === "record" ? (input as { unit?: WorkUnit } | undefined)?.unit : undefined;
    if (state !== undefined && state !== stored)
      this.store.setEntity(id, state, unit ? journalKey(unit) : undefined);
    return reply;
  }

  private nowIso(): string {
    return new Date(this.runtime.clock.now()).toISOString();
  }
}

/** Durable's entity scheduler id: names are case-insensitive, keys are not. */
function entityKey(name: string, key: string): string {
  return `@${name.toLowerCase()}@${key}`;
}

/** One in-flight entry per unit: windows of one cursor run in parallel, other cursors one at a time. */
export function journalKey(unit: WorkUnit): string {
  return unit.kind === "time-window" ? `${unit.key}@${unit.from}-${unit.to}` : unit.key;
}

function toStatus(instance: LocalInstance): DurableOrchestrationStatus {
  return {
    name: instance.name,
    instanceId: instance.instanceId,
    createdTime: new Date(instance.createdTime),
    lastUpdatedTime: new Date(instance.lastUpdatedTime),
    input: instance.input,
    output: instance.output,
    runtimeStatus: instance.runtimeStatus,
    customStatus: instance.customStatus,
  } as unknown as DurableOrchestrationStatus;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) return new Error("request body is larger than 64 KB");
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return new Error("request body is not valid JSON");
  }
}

function respond(response: ServerResponse, result: ControlResponse): void {
  response.writeHead(result.status, { "content-type": "application/json" });
  response.end(JSON.stringify(result.body, null, 2));
}
