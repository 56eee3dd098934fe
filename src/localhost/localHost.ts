import { randomBytes, timingSafeEqual } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import type { DurableOrchestrationStatus, EntityId } from "durable-functions";
import { CHECKPOINT_CHANNEL } from "../activities/checkpointChannel";
import type { ControlClient, ControlDeps, ControlResponse } from "../http/control";
import {
  ingestionStatus,
  resetCheckpointRequest,
  startBackfill,
  startIngestion,
  terminateIngestion,
} from "../http/control";
import { FUNCTIONS } from "../orchestrators/names";
import type { IngestUnitInput } from "../orchestrators/dispatch";
import type { UnitResult, WorkUnit } from "../planning/types";
import type { Runtime } from "../runtime/runtime";
import { setSharedRuntime } from "../runtime/runtime";
import type { AtLeastOnce } from "./engine";
import { DurableEngine, schedulerId } from "./engine";
import { durableFunctions } from "./registrations";
import type { InstanceRow, InterruptedUnit, LocalState, RuntimeStatus } from "./store";
import { DurableStore, toLocalInstance } from "./store";
import type { StoreFigures } from "./storeFigures";
import { StatusHistory, renderStatusPage } from "./statusPage";

export type { AtLeastOnce } from "./engine";

/** An activity as the host calls it (tests may wrap one). */
export type ActivityFn = (input: unknown) => Promise<unknown>;

/** The file in the data directory that holds this run's control-API token. */
export const TOKEN_FILE = "control-token";

export interface LocalHostOptions {
  runtime: Runtime;
  /** The data directory: the engine's store and the control token live here. */
  dataDir?: string;
  /** @deprecated the old state file; its directory is used as `dataDir`. */
  statePath?: string;
  /** Called with every custom-status update (progress display). */
  onStatus?: (instanceId: string, status: unknown) => void;
  /** Called after every ingest unit (progress display). */
  onUnit?: (unit: WorkUnit, result: UnitResult) => void;
  /**
   * Caps each ingest activity's time budget (the supervisor asks for UNIT_BUDGET_MS). A kill -9 re-sends
   * at most what one unit sent since its last checkpoint, so a smaller budget bounds that amount.
   */
  unitBudgetMs?: number;
  /** At-least-once delivery (duplicated activities and messages, crashes between send and commit). */
  atLeastOnce?: AtLeastOnce;
  /** Seeds the interleaving of entity messages from different senders. */
  seed?: number;
  /** The entry module whose registrations run (default: the app's src/index). */
  entryModule?: string;
}

/**
 * The Functions app on the local Durable engine (engine.ts): the handlers src/index.ts registers, state
 * in the data directory's store, and the same control routes on 127.0.0.1 — behind a per-run token,
 * `Host`/`Origin` checks and JSON-only bodies, since a browser on the same machine can reach them.
 * `npm start` is a thin CLI around it.
 */
export class LocalHost implements ControlClient {
  private readonly store: DurableStore;
  /** At-least-once events the engine produced (fault runs count them as injected faults). */
  get atLeastOnceEvents(): Readonly<DurableEngine["atLeastOnceEvents"]> {
    return this.engine.atLeastOnceEvents;
  }
  private readonly engine: DurableEngine;
  private server: Server | undefined;
  /** This run's control-API token (also in `<dataDir>/control-token`). */
  readonly token = randomBytes(24).toString("base64url");
  private readonly statusSamples = new StatusHistory();
  readonly dataDir: string;
  /** The activities the engine calls, by name (tests may wrap one). */
  readonly activities: Record<string, ActivityFn> = {};
  /** Units the previous process left in flight (killed between starting and completing them). */
  readonly interruptedAtStart: readonly InterruptedUnit[];

  constructor(private readonly options: LocalHostOptions) {
    const dataDir = options.dataDir ?? (options.statePath ? dirname(options.statePath) : undefined);
    if (dataDir === undefined) throw new Error("LocalHost needs a dataDir");
    this.dataDir = dataDir;
    this.store = new DurableStore(dataDir);
    setSharedRuntime(options.runtime);
    const functions = durableFunctions(options.entryModule ?? join(__dirname, "..", "index"));
    for (const [name, handler] of functions.activities) {
      // The engine's context: an activity registered with a durable client input gets the engine's client.
      const invoke = (input: unknown): Promise<unknown> => handler(input, this.engine.activityContext(name));
      this.activities[name] = name === FUNCTIONS.ingestUnit ? this.ingestUnit(invoke) : invoke;
    }
    this.engine = new DurableEngine({
      store: this.store,
      functions,
      clock: options.runtime.clock,
      logger: options.runtime.logger,
      ...(options.atLeastOnce ? { atLeastOnce: options.atLeastOnce } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.onStatus ? { onStatus: options.onStatus } : {}),
      runActivity: (name, input, invoke) => (this.activities[name] ?? invoke)(input),
      // The ingest activity checkpoints its segments and stores its digest through the engine's entities.
      clientInputName: CHECKPOINT_CHANNEL,
    });
    this.interruptedAtStart = this.engine.interruptedAtStart;
  }

  /** The registered ingest activity with the budget cap and the onUnit hook. */
  private ingestUnit(invoke: ActivityFn): ActivityFn {
    return async (input) => {
      const given = input as IngestUnitInput;
      const budgetMs = Math.min(given.budgetMs, this.options.unitBudgetMs ?? given.budgetMs);
      const result = (await invoke({ ...given, budgetMs })) as UnitResult;
      this.options.onUnit?.(given.unit, result);
      return result;
    };
  }

  get runtime(): Runtime {
    return this.options.runtime;
  }

  /** Every unit found interrupted at a start-up of this data directory (capped, oldest first). */
  interruptedUnits(): readonly InterruptedUnit[] {
    return this.store.interrupted();
  }

  /** Starts the engine; instances a previous run left running carry on. Returns their ids. */
  resumeInterrupted(): string[] {
    this.engine.start();
    return [...this.engine.runningAtStart];
  }

  /** Resolves when nothing can run any more (every instance finished, or waits on nothing it can do). */
  async idle(): Promise<void> {
    this.engine.start();
    await this.engine.idle();
  }

  /** Clean stop: no new unit starts; units in flight finish and are recorded. */
  async stop(): Promise<void> {
    await this.engine.stop();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  /** Stops and releases the data directory. */
  async close(): Promise<void> {
    await this.stop();
    this.store.close();
  }

  /** Dies at once, as a kill -9 would: nothing in flight is committed, the data directory is released. */
  crash(): void {
    this.engine.abandon();
    this.server?.close();
    this.store.close();
  }

  /** The largest history and payload the engine's store has committed (see storeFigures.ts). */
  storeFigures(): StoreFigures {
    return this.store.figures();
  }

  /** The store as plain values (entities, instances, in-flight and interrupted units). */
  snapshot(): LocalState {
    return this.store.snapshot();
  }

  /** Scheduler ids (`@name@key`) of every entity that exists. */
  entityIds(): string[] {
    return this.store.entityIds();
  }

  /** An instance's current history (the events its next episode replays). */
  history(instanceId: string): InstanceRow["history"] {
    return this.store.instance(instanceId)?.history ?? [];
  }

  // ---- ControlClient ----

  startNew(name: string, options: { instanceId: string; input: unknown }): Promise<string> {
    try {
      this.engine.startNew(name, options.instanceId, options.input);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    this.engine.start();
    return Promise.resolve(options.instanceId);
  }

  getStatus(instanceId: string): Promise<DurableOrchestrationStatus> {
    const instance = this.store.instance(instanceId);
    if (!instance) return Promise.reject(new Error(`instance ${instanceId}: replied with HTTP 404`));
    return Promise.resolve(toStatus(instance));
  }

  getStatusBy(filter: { runtimeStatus?: readonly string[] } = {}): Promise<DurableOrchestrationStatus[]> {
    const wanted = filter.runtimeStatus?.map(String) as RuntimeStatus[] | undefined;
    return Promise.resolve(
      this.store.instances(wanted && wanted.length > 0 ? wanted : undefined).map(toStatus),
    );
  }

  terminate(instanceId: string, reason: string): Promise<void> {
    try {
      this.engine.terminate(instanceId, reason);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return Promise.resolve();
  }

  readEntityState<T>(entityId: EntityId): Promise<{ entityExists: boolean; entityState?: T }> {
    return Promise.resolve(this.engine.readEntityState<T>(entityId));
  }

  /** Wakes a waiting orchestration (the graceful stop's `operatorStop`). */
  raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void> {
    try {
      this.engine.raiseEvent(instanceId, eventName, eventData);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  signalEntity(entityId: EntityId, operationName?: string, operationContent?: unknown): Promise<void> {
    this.engine.signalEntity(schedulerId(entityId.name, entityId.key), operationName ?? "", operationContent);
    this.engine.start();
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

  /** Serves the control routes on 127.0.0.1 (port 0 = any free port); writes the token file. */
  async listen(port: number): Promise<string> {
    writeFileSync(join(this.dataDir, TOKEN_FILE), `${this.token}\n`, { mode: 0o600 });
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
    const refused = this.refusal(request);
    if (refused) return respond(response, refused);
    const path = (request.url ?? "/").split("?")[0];
    const method = request.method ?? "GET";
    const deps = this.controlDeps();
    const body = method === "POST" ? await readJson(request) : undefined;
    if (body instanceof Error) return respond(response, { status: 400, body: { error: body.message } });
    if (method === "GET" && path === "/") {
      // The read-only status page (src/localhost/statusPage.ts): open it as `/?code=<token>`.
      const status = await ingestionStatus(deps);
      const samples = this.statusSamples.add(this.runtime.clock.now(), status.body);
      response.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
      return void response.end(renderStatusPage(status.body, samples));
    }
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

  /**
   * Why a request is refused, if it is: a foreign `Host` (DNS rebinding), a foreign `Origin` (a web page
   * posting cross-site), a missing or wrong token, or a POST body that is not JSON (a cross-site form or
   * `text/plain` POST needs no preflight).
   */
  private refusal(request: IncomingMessage): ControlResponse | undefined {
    const port = (this.server?.address() as AddressInfo | null | undefined)?.port;
    const local = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
    const host = request.headers.host ?? "";
    if (!local.has(host.toLowerCase()))
      return { status: 421, body: { error: `Host "${host}" is not this local host; use 127.0.0.1:${port}` } };
    const origin = request.headers.origin;
    if (origin !== undefined && !local.has(origin.toLowerCase().replace(/^http:\/\//, "")))
      return { status: 403, body: { error: `cross-origin requests are refused (Origin ${origin})` } };
    if (!this.authorized(request))
      return {
        status: 401,
        body: {
          error: `a control token is required: header "x-functions-key" (see ${join(this.dataDir, TOKEN_FILE)})`,
        },
      };
    if (request.method === "POST") {
      const type = (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
      const empty =
        request.headers["content-length"] === "0" || (type === "" && !request.headers["transfer-encoding"]);
      if (type !== "application/json" && !(type === "" && empty))
        return {
          status: 415,
          body: { error: "request bodies must be JSON (content-type: application/json)" },
        };
    }
    return undefined;
  }

  private authorized(request: IncomingMessage): boolean {
    const header = request.headers["x-functions-key"];
    const bearer = /^Bearer (.+)$/i.exec(request.headers.authorization ?? "")?.[1];
    const query = new URLSearchParams((request.url ?? "").split("?")[1] ?? "").get("code");
    const given = (Array.isArray(header) ? header[0] : header) ?? bearer ?? query ?? "";
    const expected = Buffer.from(this.token);
    const actual = Buffer.from(given);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}

function toStatus(row: InstanceRow): DurableOrchestrationStatus {
  const instance = toLocalInstance(row);
  return {
    ...instance,
    createdTime: new Date(instance.createdTime),
    lastUpdatedTime: new Date(instance.lastUpdatedTime),
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
