/**
 * The local engine's store: one SQLite database per data directory (better-sqlite3, a devDependency —
 * the deployed package never loads the local host). Instances with their histories, the message queues
 * (orchestration events and timers, activity work items, entity operations), entity states and a log of
 * interrupted activities. Every episode is one transaction, so a kill -9 at any instant leaves either the
 * episode's whole effect or none of it. The database is opened in exclusive locking mode: a second
 * process on the same directory is refused while the first lives, and the lock dies with its process.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { WorkUnit } from "../planning/types";
import type { HistoryEvent } from "./history";
import type { StoreFigures } from "./storeFigures";
import { eventPayloads, FiguresTracker, utf8Bytes } from "./storeFigures";

export const STORE_FILE = "durable.sqlite";

export type RuntimeStatus = "Pending" | "Running" | "Completed" | "Failed" | "Terminated";

export interface InstanceRow {
  id: string;
  name: string;
  /** The current execution (a new one per start and per continueAsNew). */
  execution: string;
  status: RuntimeStatus;
  /** JSON of the current execution's input. */
  input: string | null;
  output: string | null;
  customStatus: string | null;
  created: number;
  updated: number;
  history: HistoryEvent[];
}

export type Queue = "orchestration" | "activity" | "entity";

export interface Message {
  seq: number;
  queue: Queue;
  /** Instance id, activity name or entity scheduler id (`@name@key`). */
  target: string;
  /** Orchestration messages: the execution they belong to (stale ones are dropped). */
  execution: string | null;
  /** Entity messages: who sent it (ordering holds per sender only). */
  sender: string | null;
  visibleAt: number;
  body: string;
  startedAt: number | null;
  deliveries: number;
}

export type NewMessage = Omit<Message, "seq" | "startedAt" | "deliveries"> & { deliveries?: number };

/** An activity work item's body. */
export interface ActivityWork {
  instanceId: string;
  execution: string;
  taskId: number;
  name: string;
  input: string;
}

/** An entity operation's body (the extension's RequestMessage, in short). */
export interface EntityRequest {
  operation: string;
  input?: string;
  signal: boolean;
  requestId: string;
  /** Calls: the orchestration (and execution) the response goes to. */
  parent?: string;
  parentExecution?: string;
}

/** What a snapshot of the store looks like (the shape the fault accounting reads). */
export interface LocalState {
  version: 2;
  /** Entity states by scheduler id (`@name@key`). */
  entities: Record<string, unknown>;
  instances: Record<string, LocalInstance>;
  /** Ingest units started and not yet completed. */
  inFlight?: Record<string, InFlightUnit>;
  /** Units a previous process left in flight (found at start-up), oldest first, capped. */
  interrupted?: InterruptedUnit[];
}

export interface LocalInstance {
  instanceId: string;
  name: string;
  runtimeStatus: RuntimeStatus;
  input: unknown;
  output?: unknown;
  customStatus?: unknown;
  createdTime: string;
  lastUpdatedTime: string;
}

export interface InFlightUnit {
  unit: WorkUnit;
  /** Epoch ms (host clock). */
  startedAt: number;
}

/**
 * A unit whose process died between starting it and completing it: the engine runs it again (the
 * activity message is redelivered, as Azure's queue does after the lease expires), so rows it sent after
 * its resume point are sent again.
 */
export interface InterruptedUnit extends InFlightUnit {
  /** Epoch ms (host clock) of the start-up that found it. */
  foundAt: number;
}

/** Interrupted units kept (oldest dropped first), so the store stays small. */
export const MAX_INTERRUPTED_KEPT = 1000;

/** Raised when another process holds the data directory. */
export class StoreLockedError extends Error {
  constructor(readonly dataDir: string) {
    super(
      `another mimecast-sentinel local host is already running on ${dataDir} (its store is locked); ` +
        `stop it first or use another --data-dir`,
    );
    this.name = "StoreLockedError";
  }
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS instances (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, execution TEXT NOT NULL, status TEXT NOT NULL,
  input TEXT, output TEXT, custom_status TEXT, created INTEGER NOT NULL, updated INTEGER NOT NULL,
  history TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, queue TEXT NOT NULL, target TEXT NOT NULL, execution TEXT,
  sender TEXT, visible_at INTEGER NOT NULL, body TEXT NOT NULL, started_at INTEGER,
  deliveries INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS messages_by_target ON messages (queue, target, visible_at);
CREATE TABLE IF NOT EXISTS entities (id TEXT PRIMARY KEY, state TEXT);
CREATE TABLE IF NOT EXISTS interrupted (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

interface MessageRecord {
  seq: number;
  queue: Queue;
  target: string;
  execution: string | null;
  sender: string | null;
  visible_at: number;
  body: string;
  started_at: number | null;
  deliveries: number;
}

interface InstanceRecord {
  id: string;
  name: string;
  execution: string;
  status: RuntimeStatus;
  input: string | null;
  output: string | null;
  custom_status: string | null;
  created: number;
  updated: number;
  history: string;
}

const toMessage = (r: MessageRecord): Message => ({
  seq: r.seq,
  queue: r.queue,
  target: r.target,
  execution: r.execution,
  sender: r.sender,
  visibleAt: r.visible_at,
  body: r.body,
  startedAt: r.started_at,
  deliveries: r.deliveries,
});

const toInstance = (r: InstanceRecord): InstanceRow => ({
  id: r.id,
  name: r.name,
  execution: r.execution,
  status: r.status,
  input: r.input,
  output: r.output,
  customStatus: r.custom_status,
  created: r.created,
  updated: r.updated,
  history: JSON.parse(r.history) as HistoryEvent[],
});

const parse = (text: string | null): unknown => (text === null ? undefined : (JSON.parse(text) as unknown));

const FIGURES_KEY = "figures";

export class DurableStore {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly tracker: FiguresTracker;
  /** History events already scanned for payloads, per instance and execution (histories only grow). */
  private readonly scanned = new Map<string, { execution: string; events: number }>();

  /** Prepared once per SQL text (preparing is a large share of an episode's cost otherwise). */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  constructor(readonly dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, STORE_FILE), { timeout: 0 });
    try {
      this.db.pragma("locking_mode = EXCLUSIVE");
      this.db.pragma("journal_mode = WAL");
      // WAL with NORMAL survives a process kill (only a power cut may lose the last commits): what the
      // local host needs, without an fsync per episode.
      this.db.pragma("synchronous = NORMAL");
      // Takes the exclusive lock now (it is held until close or process death).
      this.db.exec("BEGIN IMMEDIATE; COMMIT;");
      this.db.exec(SCHEMA);
      const figures = this.meta(FIGURES_KEY);
      this.tracker = new FiguresTracker(figures ? (JSON.parse(figures) as StoreFigures) : undefined);
    } catch (error) {
      this.db.close();
      if ((error as { code?: string }).code?.startsWith("SQLITE_BUSY") === true)
        throw new StoreLockedError(dataDir);
      throw error;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  get open(): boolean {
    return this.db.open;
  }

  /** Runs `fn` as one transaction (all or nothing, also across a kill -9). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // ---- instances ----

  instance(id: string): InstanceRow | undefined {
    const r = this.sql("SELECT * FROM instances WHERE id = ?").get(id) as InstanceRecord | undefined;
    return r ? toInstance(r) : undefined;
  }

  /** An instance's execution and status, without parsing its history. */
  instanceHead(id: string): { execution: string; status: RuntimeStatus } | undefined {
    return this.sql("SELECT execution, status FROM instances WHERE id = ?").get(id) as
      { execution: string; status: RuntimeStatus } | undefined;
  }

  instances(statuses?: readonly RuntimeStatus[]): InstanceRow[] {
    const rows = this.sql("SELECT * FROM instances ORDER BY created").all() as InstanceRecord[];
    return rows.map(toInstance).filter((r) => !statuses || statuses.includes(r.status));
  }

  putInstance(row: InstanceRow): void {
    const history = JSON.stringify(row.history);
    this.sql(
      `INSERT INTO instances (id, name, execution, status, input, output, custom_status, created, updated, history)
         VALUES (@id, @name, @execution, @status, @input, @output, @customStatus, @created, @updated, @history)
         ON CONFLICT(id) DO UPDATE SET name=@name, execution=@execution, status=@status, input=@input,
           output=@output, custom_status=@customStatus, created=@created, updated=@updated, history=@history`,
    ).run({ ...row, history });
    this.observeInstance(row, history);
  }

  /**
   * A generation that continued as new: its history is not kept (the next one starts empty), but what it
   * reached — its last episode's events and ExecutionCompleted included, as DTFx writes them — counts.
   */
  endGeneration(instanceId: string, execution: string, history: readonly HistoryEvent[]): void {
    this.observeHistory(instanceId, execution, history, JSON.stringify(history));
  }

  /** The largest history and payload this store has committed (kept across restarts). */
  figures(): StoreFigures {
    return structuredClone(this.tracker.figures);
  }

  private observeInstance(row: InstanceRow, history: string): void {
    let grew = this.observeHistory(row.id, row.execution, row.history, history, false);
    grew = this.tracker.payload("orchestration input", row.id, row.input) || grew;
    if (row.status === "Completed" || row.status === "Failed")
      grew = this.tracker.payload("orchestration output", row.id, row.output) || grew;
    grew = this.tracker.payload("custom status", row.id, row.customStatus) || grew;
    if (grew) this.saveFigures();
  }

  private observeHistory(
    instanceId: string,
    execution: string,
    history: readonly HistoryEvent[],
    json: string,
    save = true,
  ): boolean {
    let grew = this.tracker.history(instanceId, execution, history.length, utf8Bytes(json));
    const scanned = this.scanned.get(instanceId);
    const from = scanned?.execution === execution && scanned.events <= history.length ? scanned.events : 0;
    for (let i = from; i < history.length; i += 1)
      for (const p of eventPayloads(history[i]!, instanceId))
        grew = this.tracker.payload(p.kind, p.owner, p.text) || grew;
    this.scanned.set(instanceId, { execution, events: history.length });
    if (grew && save) this.saveFigures();
    return grew;
  }

  private saveFigures(): void {
    this.setMeta(FIGURES_KEY, JSON.stringify(this.tracker.figures));
  }

  // ---- messages ----

  enqueue(message: NewMessage): void {
    this.sql(
      `INSERT INTO messages (queue, target, execution, sender, visible_at, body, deliveries)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      message.queue,
      message.target,
      message.execution,
      message.sender,
      message.visibleAt,
      message.body,
      message.deliveries ?? 0,
    );
    if (message.queue === "entity") {
      const input = (JSON.parse(message.body) as EntityRequest).input;
      if (this.tracker.payload("entity operation input", message.target, input)) this.saveFigures();
    }
  }

  /** Targets with messages visible at `now` (activities: not yet started). */
  readyTargets(queue: Queue, now: number): string[] {
    const started = queue === "activity" ? "AND started_at IS NULL" : "";
    const rows = this.sql(
      `SELECT target, MIN(seq) AS first FROM messages WHERE queue = ? AND visible_at <= ? ${started}
         GROUP BY target ORDER BY first`,
    ).all(queue, now) as { target: string }[];
    return rows.map((r) => r.target);
  }

  messages(queue: Queue, target: string, now: number): Message[] {
    return (
      this.sql("SELECT * FROM messages WHERE queue = ? AND target = ? AND visible_at <= ? ORDER BY seq").all(
        queue,
        target,
        now,
      ) as MessageRecord[]
    ).map(toMessage);
  }

  /** Activity work items not started yet (or every one, with `all`). */
  activities(now: number, all = false): Message[] {
    return (
      this.sql(
        `SELECT * FROM messages WHERE queue = 'activity' AND visible_at <= ? ${all ? "" : "AND started_at IS NULL"} ORDER BY seq`,
      ).all(all ? Number.MAX_SAFE_INTEGER : now) as MessageRecord[]
    ).map(toMessage);
  }

  message(seq: number): Message | undefined {
    const r = this.sql("SELECT * FROM messages WHERE seq = ?").get(seq) as MessageRecord | undefined;
    return r ? toMessage(r) : undefined;
  }

  allMessages(): Message[] {
    return (this.sql("SELECT * FROM messages ORDER BY seq").all() as MessageRecord[]).map(toMessage);
  }

  /** The earliest time a message that is not visible yet (a timer) becomes visible. */
  nextVisibleAt(now: number): number | undefined {
    const r = this.sql(
      "SELECT MIN(visible_at) AS at FROM messages WHERE visible_at > ? AND started_at IS NULL",
    ).get(now) as { at: number | null };
    return r.at ?? undefined;
  }

  deleteMessage(seq: number): void {
    this.sql("DELETE FROM messages WHERE seq = ?").run(seq);
  }

  deleteMessagesFor(queue: Queue, target: string): void {
    this.sql("DELETE FROM messages WHERE queue = ? AND target = ?").run(queue, target);
  }

  markStarted(seq: number, at: number | null): void {
    this.sql("UPDATE messages SET started_at = ? WHERE seq = ?").run(at, seq);
  }

  markDelivered(seq: number): void {
    this.sql("UPDATE messages SET deliveries = deliveries + 1 WHERE seq = ?").run(seq);
  }

  // ---- entities ----

  entity(id: string): { exists: boolean; state: string | undefined } {
    const r = this.sql("SELECT state FROM entities WHERE id = ?").get(id) as
      { state: string | null } | undefined;
    return r ? { exists: true, state: r.state ?? undefined } : { exists: false, state: undefined };
  }

  setEntity(id: string, exists: boolean, state: string | undefined): void {
    if (!exists) this.sql("DELETE FROM entities WHERE id = ?").run(id);
    else
      this.sql(
        "INSERT INTO entities (id, state) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET state = excluded.state",
      ).run(id, state ?? null);
    if (exists && this.tracker.payload("entity state", id, state)) this.saveFigures();
  }

  entityIds(): string[] {
    return (this.sql("SELECT id FROM entities ORDER BY id").all() as { id: string }[]).map((r) => r.id);
  }

  // ---- meta and the interrupted log ----

  meta(key: string): string | undefined {
    const r = this.sql("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined;
    return r?.value;
  }

  setMeta(key: string, value: string): void {
    this.sql(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    ).run(key, value);
  }

  addInterrupted(units: readonly InterruptedUnit[]): void {
    for (const unit of units) this.sql("INSERT INTO interrupted (body) VALUES (?)").run(JSON.stringify(unit));
    this.sql(
      "DELETE FROM interrupted WHERE seq NOT IN (SELECT seq FROM interrupted ORDER BY seq DESC LIMIT ?)",
    ).run(MAX_INTERRUPTED_KEPT);
  }

  interrupted(): InterruptedUnit[] {
    return (this.sql("SELECT body FROM interrupted ORDER BY seq").all() as { body: string }[]).map(
      (r) => JSON.parse(r.body) as InterruptedUnit,
    );
  }

  integrityCheck(): string {
    return String(this.db.pragma("integrity_check", { simple: true }));
  }

  /** Entities, instances, in-flight and interrupted units, as plain values. */
  snapshot(): LocalState {
    const entities: Record<string, unknown> = {};
    for (const r of this.sql("SELECT id, state FROM entities").all() as {
      id: string;
      state: string | null;
    }[])
      entities[r.id] = parse(r.state);
    const instances: Record<string, LocalInstance> = {};
    for (const row of this.instances()) instances[row.id] = toLocalInstance(row);
    const inFlight: Record<string, InFlightUnit> = {};
    for (const m of this.activities(0, true)) {
      if (m.startedAt === null) continue;
      const unit = unitOf(JSON.parse(m.body) as ActivityWork);
      if (unit) inFlight[String(m.seq)] = { unit, startedAt: m.startedAt };
    }
    const interrupted = this.interrupted();
    return { version: 2, entities, instances, inFlight, ...(interrupted.length > 0 ? { interrupted } : {}) };
  }
}

export function toLocalInstance(row: InstanceRow): LocalInstance {
  return {
    instanceId: row.id,
    name: row.name,
    runtimeStatus: row.status,
    input: parse(row.input),
    ...(row.output !== null ? { output: parse(row.output) } : {}),
    ...(row.customStatus !== null ? { customStatus: parse(row.customStatus) } : {}),
    createdTime: new Date(row.created).toISOString(),
    lastUpdatedTime: new Date(row.updated).toISOString(),
  };
}

/** The work unit an ingest activity's input carries, if any. */
export function unitOf(work: ActivityWork): WorkUnit | undefined {
  const input = JSON.parse(work.input) as { unit?: WorkUnit } | null;
  return input && typeof input === "object" && input.unit && typeof input.unit.kind === "string"
    ? input.unit
    : undefined;
}

/** A snapshot of a data directory's store, read by a process that does not run its host. */
export function readStoreSnapshot(dataDir: string): LocalState {
  const store = new DurableStore(dataDir);
  try {
    return store.snapshot();
  } finally {
    store.close();
  }
}
