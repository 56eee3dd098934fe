import Ajv from "ajv";
import type { ErrorObject, JSONSchemaType } from "ajv";
import addFormats from "ajv-formats";
import type { DurableOrchestrationStatus } from "durable-functions";
import * as df from "durable-functions";
import type { Config } from "../config";
import { routeOf } from "../config/dcrRoutes";
import { feedById } from "../feeds";
import { BACKFILL_INSTANCE_PREFIX, FUNCTIONS, SUPERVISOR_INSTANCE_ID } from "../orchestrators/names";
import type { ControlState, TrackedBackfill } from "../entities/control";
import { MAX_TRACKED_BACKFILLS } from "../entities/control";
import { backfillCursorKey } from "../orchestrators/backfill";
import type { BackfillInput } from "../orchestrators/backfill";
import { CONTROL_ENTITY_KEY, STOP_EVENT } from "../orchestrators/names";
import { OPERATOR_STOP_PREFIX } from "../orchestrators/supervisor";
import type { SupervisorInput } from "../orchestrators/supervisor";
import type { CheckpointState, CycleSettings } from "../planning/types";
import { initialCheckpoint } from "../planning/checkpoint";
import { cycleSettingsFrom } from "../runtime/cycleSettings";
import { cursorView, summaryLines } from "../runtime/statusSummary";
import type { Logger } from "../shared/logger";
import { isOwnerCursor, ownerOf } from "../ingest/siemOwner";
import type { SiemPathView } from "../planning/siemPath";
import { globalRedactor } from "../shared/logger";

/**
 * The control surface (start, status, terminate, backfill, checkpoint reset) as plain functions over a
 * narrow Durable client, so the Functions app and the local host serve the very same logic. Inputs are
 * validated once here with ajv; a bad field gets a 400 that names it.
 */

/**
 * The part of DurableClient the control surface uses (the local host implements it in-process). It
 * never hands out management links: those carry the extension's system key, which a function-key
 * holder must not get.
 */
export interface ControlClient {
  startNew(name: string, options: { instanceId: string; input: unknown }): Promise<string>;
  getStatus(instanceId: string): Promise<DurableOrchestrationStatus>;
  terminate(instanceId: string, reason: string): Promise<void>;
  readEntityState<T>(entityId: df.EntityId): Promise<{ entityExists: boolean; entityState?: T }>;
  signalEntity(entityId: df.EntityId, operationName?: string, operationContent?: unknown): Promise<void>;
  /** Wakes a sleeping supervisor for a graceful stop; without it a stop is a hard terminate. */
  raiseEvent?(instanceId: string, eventName: string, eventData: unknown): Promise<void>;
  /** Deletes a finished instance's history (backfill retention); without it nothing is purged. */
  purgeInstanceHistory?(instanceId: string): Promise<unknown>;
}

export interface ControlDeps {
  client: ControlClient;
  config: Config;
  now: () => number;
  logger: Logger;
  /** Who is calling (function key name, local user): recorded with terminations and resets. */
  caller?: string;
}

export interface ControlResponse {
  status: number;
  body: Record<string, unknown>;
}

/** A terminate reason (or a stopped supervisor's output) with this prefix is an operator's stop. */
export { OPERATOR_STOP_PREFIX };

const RUNNING: readonly string[] = ["Running", "Pending", "ContinuedAsNew", "Suspended"];
const FINISHED: readonly string[] = ["Completed", "Failed", "Terminated", "Canceled"];

/** Finished backfills are kept this long (status shows them), then purged with their cursors. */
export const BACKFILL_RETENTION_MS = 7 * 86_400_000;

const controlEntityId = (): df.EntityId => new df.EntityId(FUNCTIONS.control, CONTROL_ENTITY_KEY);

const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv);

interface TerminateBody {
  reason: string;
  /** Terminate at once (Durable discards in-flight results; their progress checkpoints remain). */
  force?: boolean;
}
interface BackfillBody {
  feeds: string[];
  from: string;
  to: string;
  confirmReingest?: boolean;
}
interface ResetBody {
  cursor: string;
  reason: string;
  watermark?: string;
}

const validateTerminate = ajv.compile<TerminateBody>({
  type: "object",
  properties: {
    reason: { type: "string", minLength: 3, maxLength: 500 },
    force: { type: "boolean", nullable: true },
  },
  required: ["reason"],
  additionalProperties: false,
} satisfies JSONSchemaType<TerminateBody>);

const validateBackfill = ajv.compile<BackfillBody>({
  type: "object",
  properties: {
    feeds: { type: "array", items: { type: "string" }, minItems: 1, maxItems: 20, uniqueItems: true },
    from: { type: "string", format: "date-time" },
    to: { type: "string", format: "date-time" },
    confirmReingest: { type: "boolean", nullable: true },
  },
  required: ["feeds", "from", "to"],
  additionalProperties: false,
} satisfies JSONSchemaType<BackfillBody>);

const validateReset = ajv.compile<ResetBody>({
  type: "object",
  properties: {
    cursor: { type: "string", minLength: 1, maxLength: 200 },
    reason: { type: "string", minLength: 3, maxLength: 500 },
    watermark: { type: "string", format: "date-time", nullable: true },
  },
  required: ["cursor", "reason"],
  additionalProperties: false,
} satisfies JSONSchemaType<ResetBody>);

export function describeAjvErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const field =
      e.keyword === "required"
        ? String((e.params as { missingProperty?: string }).missingProperty)
        : e.keyword === "additionalProperties"
          ? String((e.params as { additionalProperty?: string }).additionalProperty)
          : e.instancePath.replace(/^\//, "").replace(/\//g, ".") || "(body)";
    const what = e.keyword === "additionalProperties" ? "is not a known field" : (e.message ?? "is invalid");
    return `${field}: ${what}`;
  });
}

function badRequest(problems: string[]): ControlResponse {
  return { status: 400, body: { error: "invalid request", problems } };
}

async function statusOrUndefined(
  client: ControlClient,
  instanceId: string,
): Promise<DurableOrchestrationStatus | undefined> {
  try {
    return await client.getStatus(instanceId);
  } catch (error) {
    // durable-functions v3 throws on 404 (no such instance).
    if (error instanceof Error && /404/.test(error.message)) return undefined;
    throw error;
  }
}

export function isRunning(status: DurableOrchestrationStatus | undefined): boolean {
  return status !== undefined && RUNNING.includes(String(status.runtimeStatus));
}

/** POST /api/ingestion/start — idempotent: starts the supervisor only if it is not running. */
export async function startIngestion(deps: ControlDeps): Promise<ControlResponse> {
  const status = await statusOrUndefined(deps.client, SUPERVISOR_INSTANCE_ID);
  if (isRunning(status)) {
    return {
      status: 200,
      body: {
        started: false,
        message: "the supervisor is already running",
        instanceId: SUPERVISOR_INSTANCE_ID,
        runtimeStatus: status?.runtimeStatus,
      },
    };
  }
  const outcome = await startSupervisor(deps, status);
  if (outcome === "raced") {
    return {
      status: 409,
      body: {
        started: false,
        error:
          "the supervisor is being started or stopped by someone else right now; ask for status and retry",
        instanceId: SUPERVISOR_INSTANCE_ID,
      },
    };
  }
  deps.logger.info("supervisor started", {
    by: deps.caller ?? "unknown",
    concurrently: outcome === "running",
  });
  return { status: 202, body: { started: true, instanceId: SUPERVISOR_INSTANCE_ID } };
}

/**
 * Starts the supervisor. A start racing another (the watchdog, a second operator) fails inside
 * Durable while the instance changes state: that is "running" when the other start won, "raced" when
 * the instance is still between states — never an error for the caller.
 */
async function startSupervisor(
  deps: ControlDeps,
  previous: DurableOrchestrationStatus | undefined,
): Promise<"started" | "running" | "raced"> {
  const input: SupervisorInput = { cycle: nextCycle(previous), since: deps.now() };
  try {
    await deps.client.startNew(FUNCTIONS.supervisor, { instanceId: SUPERVISOR_INSTANCE_ID, input });
    return "started";
  } catch (error) {
    deps.logger.warn("supervisor start raced", { error: errorText(error) });
    const after = await statusOrUndefined(deps.client, SUPERVISOR_INSTANCE_ID).catch(() => undefined);
    return isRunning(after) ? "running" : "raced";
  }
}

/**
 * POST /api/ingestion/terminate — reason required; remembered as an operator's stop. Graceful: the
 * stop flag is set and the supervisor woken; it starts no new unit, records the units in flight and
 * ends. `force: true` terminates at once (in-flight units keep their per-segment progress).
 */
export async function terminateIngestion(deps: ControlDeps, body: unknown): Promise<ControlResponse> {
  if (!validateTerminate(body)) return badRequest(describeAjvErrors(validateTerminate.errors));
  const status = await statusOrUndefined(deps.client, SUPERVISOR_INSTANCE_ID);
  if (!isRunning(status)) {
    return {
      status: 409,
      body: { error: "the supervisor is not running", runtimeStatus: status?.runtimeStatus ?? "NotFound" },
    };
  }
  const by = deps.caller ?? "unknown";
  const stop = { at: deps.now(), by, reason: body.reason };
  await deps.client.signalEntity(controlEntityId(), "stop", stop);
  const reason = `${OPERATOR_STOP_PREFIX}${body.reason} (by ${by})`;
  const raise = deps.client.raiseEvent?.bind(deps.client);
  if (body.force === true || !raise) {
    await deps.client.terminate(SUPERVISOR_INSTANCE_ID, reason);
    deps.logger.warn("supervisor terminated by operator", { reason });
    return {
      status: 202,
      body: { terminated: true, graceful: false, instanceId: SUPERVISOR_INSTANCE_ID, reason },
    };
  }
  try {
    await raise(SUPERVISOR_INSTANCE_ID, STOP_EVENT, stop);
  } catch (error) {
    // The flag alone stops it at its next batch or wake-up.
    deps.logger.warn("stop event not delivered", { error: errorText(error) });
  }
  deps.logger.warn("supervisor stopping on operator request", { reason });
  return {
    status: 202,
    body: {
      stopping: true,
      graceful: true,
      instanceId: SUPERVISOR_INSTANCE_ID,
      reason,
      message: "no new unit starts; units in flight are recorded, then the supervisor ends",
    },
  };
}

/** POST /api/ingestion/backfill — a separate instance per request. */
export async function startBackfill(deps: ControlDeps, body: unknown): Promise<ControlResponse> {
  if (!validateBackfill(body)) return badRequest(describeAjvErrors(validateBackfill.errors));
  const settings = cycleSettingsFrom(deps.config);
  const from = parseTime(body.from);
  const to = parseTime(body.to);
  const now = deps.now();
  const problems: string[] = [];
  if (from === undefined) problems.push(`from: "${body.from}" is not a time that exists`);
  if (to === undefined) problems.push(`to: "${body.to}" is not a time that exists`);
  if (from === undefined || to === undefined) return badRequest(problems);
  if (to <= from) problems.push("to: must be after from");
  if (to > now) problems.push("to: must not be in the future (live ingestion covers recent data)");
  for (const feedId of body.feeds) {
    const cursor = settings.cursors.find((c) => c.feedId === feedId);
    if (!cursor) problems.push(`feeds: "${feedId}" is not an enabled feed`);
    else if (cursor.kind !== "time-window") {
      problems.push(`feeds: "${feedId}" has no time windows (its Mimecast cursor cannot be rewound)`);
    } else if (from < now - cursor.retentionDays * 86_400_000) {
      problems.push(`from: ${feedId} keeps only ${cursor.retentionDays} days of history`);
    }
  }
  if (to > deps.config.ingestion.startTimeMs && body.confirmReingest !== true) {
    problems.push(
      "confirmReingest: the range overlaps what live ingestion already covers; set it to true to re-ingest (rows keep their EventId)",
    );
  }
  if (problems.length > 0) return badRequest(problems);
  const tracked = await trackedBackfills(deps.client);
  const running = await withStatus(deps.client, tracked);
  const overlapping = running.find(
    ({ backfill, status }) =>
      isRunning(status) &&
      backfill.from < to &&
      from < backfill.to &&
      backfill.feeds.some((f) => body.feeds.includes(f)),
  );
  if (overlapping) {
    return {
      status: 409,
      body: {
        error: `feeds, from, to: overlap backfill ${overlapping.backfill.instanceId}, which is still running (${overlapping.backfill.feeds.join(", ")} ${iso(overlapping.backfill.from)}..${iso(overlapping.backfill.to)})`,
        instanceId: overlapping.backfill.instanceId,
      },
    };
  }
  if (tracked.length >= MAX_TRACKED_BACKFILLS) {
    return {
      status: 409,
      body: {
        error: `${tracked.length} backfills are kept; finished ones are purged after ${BACKFILL_RETENTION_MS / 86_400_000} days`,
      },
    };
  }
  const requestId = `${formatStamp(now)}-${hash(`${body.feeds.join(",")}|${from}|${to}`)}`;
  const instanceId = `${BACKFILL_INSTANCE_PREFIX}${requestId}`;
  const input: BackfillInput = { requestId, feeds: body.feeds, from, to };
  try {
    await deps.client.startNew(FUNCTIONS.backfill, { instanceId, input });
  } catch (error) {
    // The same request twice in one second maps to the same instance, which already exists.
    deps.logger.warn("backfill start refused", { instanceId, error: errorText(error) });
    return {
      status: 409,
      body: { error: `backfill ${instanceId} exists already (an identical request)`, instanceId },
    };
  }
  const entry: TrackedBackfill = { instanceId, at: now, feeds: body.feeds, from, to };
  await deps.client.signalEntity(controlEntityId(), "trackBackfill", entry);
  deps.logger.info("backfill started", { instanceId, feeds: body.feeds, from: body.from, to: body.to });
  return { status: 202, body: { started: true, instanceId } };
}

/** POST /api/ingestion/reset — audited reset of one cursor's checkpoint (reason required). */
export async function resetCheckpointRequest(deps: ControlDeps, body: unknown): Promise<ControlResponse> {
  if (!validateReset(body)) return badRequest(describeAjvErrors(validateReset.errors));
  const settings = cycleSettingsFrom(deps.config);
  if (!settings.cursors.some((c) => c.key === body.cursor)) {
    return badRequest([
      `cursor: "${body.cursor}" is not a cursor of an enabled feed (known: ${settings.cursors.map((c) => c.key).join(", ")})`,
    ]);
  }
  const now = deps.now();
  const watermark = body.watermark === undefined ? undefined : parseTime(body.watermark);
  if (body.watermark !== undefined && watermark === undefined) {
    return badRequest([`watermark: "${body.watermark}" is not a time that exists`]);
  }
  if (watermark !== undefined && watermark > now) {
    // A future watermark would freeze the cursor silently until then.
    return badRequest(["watermark: must not be in the future"]);
  }
  const input = {
    at: now,
    by: deps.caller ?? "unknown",
    reason: body.reason,
    ...(watermark !== undefined ? { watermark } : {}),
  };
  await deps.client.signalEntity(new df.EntityId(FUNCTIONS.checkpoint, body.cursor), "reset", input);
  deps.logger.warn("checkpoint reset requested", { cursor: body.cursor, by: input.by, reason: body.reason });
  return { status: 202, body: { reset: true, cursor: body.cursor, by: input.by } };
}

/** GET /api/ingestion/status — runtime status, cycle, next tick, and per cursor the details. */
export async function ingestionStatus(deps: ControlDeps): Promise<ControlResponse> {
  const settings: CycleSettings = cycleSettingsFrom(deps.config);
  const now = deps.now();
  const status = await statusOrUndefined(deps.client, SUPERVISOR_INSTANCE_ID);
  const states = await Promise.all(
    settings.cursors.map(async (c) => {
      const read = await deps.client.readEntityState<CheckpointState>(
        new df.EntityId(FUNCTIONS.checkpoint, c.key),
      );
      return read.entityExists && read.entityState ? read.entityState : initialCheckpoint(c.key);
    }),
  );
  const custom = (status?.customStatus ?? {}) as Record<string, unknown>;
  const lastCycle = new Map<string, number>();
  if (Array.isArray(custom["cursors"])) {
    for (const row of custom["cursors"] as unknown[]) {
      if (Array.isArray(row) && typeof row[0] === "string" && typeof row[3] === "number") {
        lastCycle.set(row[0], row[3]);
      }
    }
  }
  // Only the tracked backfills, by id: never a scan of the task hub.
  const backfills = await withStatus(deps.client, await trackedBackfills(deps.client));
  const body = {
    instanceId: SUPERVISOR_INSTANCE_ID,
    runtimeStatus: status?.runtimeStatus ?? "NotStarted",
    stoppedByOperator: stoppedByOperator(status),
    cycle: custom["cycle"],
    phase: custom["phase"],
    nextTickAt: iso(custom["nextTickAt"]),
    lastUpdatedTime: status?.lastUpdatedTime,
    cursors: settings.cursors.map((c, i) => {
      const state = states[i] ?? initialCheckpoint(c.key);
      const view = cursorView(c, state, settings, now);
      const feed = feedById(c.feedId);
      return {
        cursor: c.key,
        feed: c.feedId,
        kind: c.kind,
        // The table the feed writes and the immutable id of the DCR its stream is sent to (none: local files).
        ...(feed ? routeOf(deps.config.sink, feed.id, feed.defaultTable) : {}),
        status: view.status,
        watermark: iso(state.watermark),
        lagSeconds: view.lagSeconds,
        position: c.kind === "siem-day" || c.kind === "token-chain" ? summarize(state.cursor) : undefined,
        // SIEM types: which path (batch files or event stream) owns the type now, and why.
        ...(c.kind === "siem-day" ? siemPathFields(state.cursor) : {}),
        lastSnapshotAt: iso(state.lastSnapshotAt),
        backlogWindows: view.backlogWindows,
        openWindows: state.open.length,
        eventsLastCycle: lastCycle.get(c.key),
        eventsTotal: state.totals.ingested,
        deadLettered: state.totals.deadLettered,
        ambiguous: state.totals.ambiguous,
        resent: state.totals.resent,
        rateLimitedUntil: iso(state.rateLimitedUntil),
        lastSuccessAt: iso(state.lastSuccessAt),
        lastError: state.lastError ? globalRedactor.redact(state.lastError.message) : undefined,
        lastErrorAt: iso(state.lastError?.at),
        consecutiveFailures: state.consecutiveFailures,
        skippedSeconds: state.skippedMs !== undefined ? Math.round(state.skippedMs / 1000) : undefined,
        pendingSweeps: state.sweeps?.length,
        lateEventsFound: state.lateFound,
        windowsNotSwept: state.unswept,
        resets: state.resets.length > 0 ? state.resets : undefined,
      };
    }),
    backfills: backfills.map(({ backfill, status: b }) => ({
      instanceId: backfill.instanceId,
      runtimeStatus: b?.runtimeStatus ?? "NotFound",
      progress: b?.customStatus,
      createdTime: b?.createdTime,
      lastUpdatedTime: b?.lastUpdatedTime,
    })),
  };
  // One line per cursor first: the overview; the details follow.
  return { status: 200, body: { summary: summaryLines(body.cursors), ...body } };
}

/** A SIEM type's owner (the status page's "owner" column), the reason and since when. */
function siemPathFields(cursor: unknown): {
  owner: SiemPathView["owner"];
  ownerReason: string;
  ownerSince?: string;
} {
  const view = ownerOf(cursor);
  return {
    owner: view.owner,
    ownerReason: globalRedactor.redact(view.why),
    ...(view.since !== undefined ? { ownerSince: new Date(view.since).toISOString() } : {}),
  };
}

/** The cycle after the last one reported (0 for a new instance): (InstanceId, Cycle) never repeats. */
export function nextCycle(status: DurableOrchestrationStatus | undefined): number {
  const custom = status?.customStatus as { cycle?: unknown } | undefined;
  return typeof custom?.cycle === "number" ? custom.cycle + 1 : 0;
}

async function trackedBackfills(client: ControlClient): Promise<TrackedBackfill[]> {
  const read = await client.readEntityState<ControlState>(controlEntityId());
  return read.entityExists && read.entityState ? (read.entityState.backfills ?? []) : [];
}

async function withStatus(
  client: ControlClient,
  backfills: readonly TrackedBackfill[],
): Promise<{ backfill: TrackedBackfill; status: DurableOrchestrationStatus | undefined }[]> {
  return Promise.all(
    backfills.map(async (backfill) => ({
      backfill,
      status: await statusOrUndefined(client, backfill.instanceId),
    })),
  );
}

/**
 * Purges backfills finished more than BACKFILL_RETENTION_MS ago: their instance history, their cursors'
 * checkpoint entities and their tracking entry — so instance and entity counts stay bounded over a
 * long run. Run by the watchdog; returns the purged instance ids.
 */
export async function purgeFinishedBackfills(deps: ControlDeps): Promise<string[]> {
  const now = deps.now();
  const purged: string[] = [];
  for (const { backfill, status } of await withStatus(deps.client, await trackedBackfills(deps.client))) {
    const finishedAt = status?.lastUpdatedTime ? new Date(status.lastUpdatedTime).getTime() : backfill.at;
    const finished = status === undefined || FINISHED.includes(String(status.runtimeStatus));
    if (!finished || finishedAt > now - BACKFILL_RETENTION_MS) continue;
    if (status !== undefined) {
      if (!deps.client.purgeInstanceHistory) continue;
      await deps.client.purgeInstanceHistory(backfill.instanceId);
    }
    const requestId = backfill.instanceId.slice(BACKFILL_INSTANCE_PREFIX.length);
    for (const feed of backfill.feeds) {
      await deps.client.signalEntity(
        new df.EntityId(FUNCTIONS.checkpoint, backfillCursorKey(requestId, feed)),
        "delete",
      );
    }
    await deps.client.signalEntity(controlEntityId(), "untrackBackfill", { instanceId: backfill.instanceId });
    purged.push(backfill.instanceId);
  }
  return purged;
}

/** Terminated by an operator, or ended by the supervisor itself on an operator's graceful stop. */
export function stoppedByOperator(status: DurableOrchestrationStatus | undefined): boolean {
  return (
    status !== undefined &&
    ["Terminated", "Completed"].includes(String(status.runtimeStatus)) &&
    typeof status.output === "string" &&
    status.output.startsWith(OPERATOR_STOP_PREFIX)
  );
}

/**
 * The watchdog's decision: start the supervisor when it is missing, failed, completed, or terminated
 * by anything but an operator. Returns what it did, for the log.
 */
export async function watchdog(deps: ControlDeps): Promise<"running" | "operator-stopped" | "started"> {
  const status = await statusOrUndefined(deps.client, SUPERVISOR_INSTANCE_ID);
  if (isRunning(status)) return "running";
  if (stoppedByOperator(status)) return "operator-stopped";
  const outcome = await startSupervisor(deps, status);
  if (outcome !== "started") return "running";
  deps.logger.warn("watchdog started the supervisor", { previous: status?.runtimeStatus ?? "NotFound" });
  return "started";
}

/**
 * Epoch ms of an RFC 3339 time, or undefined for one that does not exist: `23:59:60Z` (Date.parse
 * gives NaN), `2024-02-30` or `24:00:00` (Date.parse rolls them over into another day).
 */
export function parseTime(text: string): number | undefined {
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) return undefined;
  const parts = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}):\d{2}/.exec(text);
  const offset = /(?:([+-])(\d{2}):(\d{2})|[Zz])$/.exec(text);
  if (!parts || !offset) return ms;
  const sign = offset[1] === "-" ? -1 : 1;
  const offsetMs = offset[1] === undefined ? 0 : sign * (Number(offset[2]) * 60 + Number(offset[3])) * 60_000;
  const wall = new Date(ms + offsetMs).toISOString();
  return wall.slice(0, 10) === parts[1] && wall.slice(11, 13) === parts[2] ? ms : undefined;
}

function errorText(error: unknown): string {
  return globalRedactor.redact(error instanceof Error ? error.message : String(error));
}

function iso(value: unknown): string | undefined {
  return typeof value === "number" && Number.isFinite(value) ? new Date(value).toISOString() : undefined;
}

/** Cursor positions are opaque tokens; show their shape, not the token. */
function summarize(cursor: unknown): Record<string, unknown> | undefined {
  if (typeof cursor !== "object" || cursor === null) return undefined;
  if (isOwnerCursor(cursor)) return summarize(cursor.batch.resume);
  const c = cursor as Record<string, unknown>;
  return {
    hasCursor: typeof c["cursor"] === "string" || typeof c["token"] === "string",
    ...(typeof c["fileIndex"] === "number" ? { fileIndex: c["fileIndex"] } : {}),
    ...(typeof c["line"] === "number" ? { line: c["line"] } : {}),
  };
}

function formatStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\..*$/, "");
}

/** Short, stable id part (FNV-1a) so the same request twice in a second maps to one instance. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}
