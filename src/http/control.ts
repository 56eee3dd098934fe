import Ajv from "ajv";
import type { ErrorObject, JSONSchemaType } from "ajv";
import addFormats from "ajv-formats";
import type { DurableOrchestrationStatus } from "durable-functions";
import * as df from "durable-functions";
import type { Config } from "../config";
import { BACKFILL_INSTANCE_PREFIX, FUNCTIONS, SUPERVISOR_INSTANCE_ID } from "../orchestrators/names";
import type { BackfillInput } from "../orchestrators/backfill";
import type { SupervisorInput } from "../orchestrators/supervisor";
import type { CheckpointState, CycleSettings } from "../planning/types";
import { initialCheckpoint } from "../planning/checkpoint";
import { cycleSettingsFrom } from "../runtime/cycleSettings";
import { cursorView, summaryLines } from "../runtime/statusSummary";
import type { Logger } from "../shared/logger";
import { isOwnerCursor, ownerOf } from "../ingest/siemOwner";

/**
 * The control surface (start, status, terminate, backfill, checkpoint reset) as plain functions over a
 * narrow Durable client, so the Functions app and the local host serve the very same logic. Inputs are
 * validated once here with ajv; a bad field gets a 400 that names it.
 */

/** The part of DurableClient the control surface uses (the local host implements it in-process). */
export interface ControlClient {
  startNew(name: string, options: { instanceId: string; input: unknown }): Promise<string>;
  getStatus(instanceId: string): Promise<DurableOrchestrationStatus>;
  getStatusBy(filter: {
    runtimeStatus?: df.OrchestrationRuntimeStatus[];
  }): Promise<DurableOrchestrationStatus[]>;
  terminate(instanceId: string, reason: string): Promise<void>;
  readEntityState<T>(entityId: df.EntityId): Promise<{ entityExists: boolean; entityState?: T }>;
  signalEntity(entityId: df.EntityId, operationName?: string, operationContent?: unknown): Promise<void>;
  /** Management links of an instance (status, terminate…), as Durable's check-status response has. */
  managementLinks(instanceId: string): Record<string, string>;
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

/** A terminate reason with this prefix is an operator's stop: the watchdog leaves it stopped. */
export const OPERATOR_STOP_PREFIX = "operator stop: ";

const RUNNING: readonly string[] = ["Running", "Pending", "ContinuedAsNew", "Suspended"];

const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv);

interface TerminateBody {
  reason: string;
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
  properties: { reason: { type: "string", minLength: 3, maxLength: 500 } },
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
        links: deps.client.managementLinks(SUPERVISOR_INSTANCE_ID),
      },
    };
  }
  const input: SupervisorInput = { cycle: nextCycle(status) };
  await deps.client.startNew(FUNCTIONS.supervisor, { instanceId: SUPERVISOR_INSTANCE_ID, input });
  deps.logger.info("supervisor started", { by: deps.caller ?? "unknown" });
  return {
    status: 202,
    body: {
      started: true,
      instanceId: SUPERVISOR_INSTANCE_ID,
      links: deps.client.managementLinks(SUPERVISOR_INSTANCE_ID),
    },
  };
}

/** POST /api/ingestion/terminate — reason required; remembered as an operator's stop. */
export async function terminateIngestion(deps: ControlDeps, body: unknown): Promise<ControlResponse> {
  if (!validateTerminate(body)) return badRequest(describeAjvErrors(validateTerminate.errors));
  const status = await statusOrUndefined(deps.client, SUPERVISOR_INSTANCE_ID);
  if (!isRunning(status)) {
    return {
      status: 409,
      body: { error: "the supervisor is not running", runtimeStatus: status?.runtimeStatus ?? "NotFound" },
    };
  }
  const reason = `${OPERATOR_STOP_PREFIX}${body.reason} (by ${deps.caller ?? "unknown"})`;
  await deps.client.terminate(SUPERVISOR_INSTANCE_ID, reason);
  deps.logger.warn("supervisor terminated by operator", { reason });
  return { status: 202, body: { terminated: true, instanceId: SUPERVISOR_INSTANCE_ID, reason } };
}

/** POST /api/ingestion/backfill — a separate instance per request. */
export async function startBackfill(deps: ControlDeps, body: unknown): Promise<ControlResponse> {
  if (!validateBackfill(body)) return badRequest(describeAjvErrors(validateBackfill.errors));
  const settings = cycleSettingsFrom(deps.config);
  const from = Date.parse(body.from);
  const to = Date.parse(body.to);
  const now = deps.now();
  const problems: string[] = [];
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
  const requestId = `${formatStamp(now)}-${hash(`${body.feeds.join(",")}|${from}|${to}`)}`;
  const instanceId = `${BACKFILL_INSTANCE_PREFIX}${requestId}`;
  const input: BackfillInput = { requestId, feeds: body.feeds, from, to };
  await deps.client.startNew(FUNCTIONS.backfill, { instanceId, input });
  deps.logger.info("backfill started", { instanceId, feeds: body.feeds, from: body.from, to: body.to });
  return { status: 202, body: { started: true, instanceId, links: deps.client.managementLinks(instanceId) } };
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
  const input = {
    at: deps.now(),
    by: deps.caller ?? "unknown",
    reason: body.reason,
    ...(body.watermark !== undefined ? { watermark: Date.parse(body.watermark) } : {}),
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
  const backfills = (await deps.client.getStatusBy({})).filter((s) =>
    s.instanceId.startsWith(BACKFILL_INSTANCE_PREFIX),
  );
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
      return {
        cursor: c.key,
        feed: c.feedId,
        kind: c.kind,
        status: view.status,
        watermark: iso(state.watermark),
        lagSeconds: view.lagSeconds,
        position: c.kind === "siem-day" || c.kind === "token-chain" ? summarize(state.cursor) : undefined,
        // SIEM types: which path (batch files or event stream) owns the type now, and why.
        ...(c.kind === "siem-day" ? { path: ownerOf(state.cursor), owner: ownerOf(state.cursor).owner } : {}),
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
        lastError: state.lastError?.message,
        lastErrorAt: iso(state.lastError?.at),
        consecutiveFailures: state.consecutiveFailures,
        skippedSeconds: state.skippedMs !== undefined ? Math.round(state.skippedMs / 1000) : undefined,
        pendingSweeps: state.sweeps?.length,
        lateEventsFound: state.lateFound,
        windowsNotSwept: state.unswept,
        resets: state.resets.length > 0 ? state.resets : undefined,
      };
    }),
    backfills: backfills.map((b) => ({
      instanceId: b.instanceId,
      runtimeStatus: b.runtimeStatus,
      progress: b.customStatus,
      createdTime: b.createdTime,
    })),
    links: deps.client.managementLinks(SUPERVISOR_INSTANCE_ID),
  };
  // One line per cursor first: the overview; the details follow.
  return { status: 200, body: { summary: summaryLines(body.cursors), ...body } };
}

/** The cycle after the last one reported (0 for a new instance): (InstanceId, Cycle) never repeats. */
export function nextCycle(status: DurableOrchestrationStatus | undefined): number {
  const custom = status?.customStatus as { cycle?: unknown } | undefined;
  return typeof custom?.cycle === "number" ? custom.cycle + 1 : 0;
}

export function stoppedByOperator(status: DurableOrchestrationStatus | undefined): boolean {
  return (
    status !== undefined &&
    String(status.runtimeStatus) === "Terminated" &&
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
  await deps.client.startNew(FUNCTIONS.supervisor, {
    instanceId: SUPERVISOR_INSTANCE_ID,
    input: { cycle: nextCycle(status) } satisfies SupervisorInput,
  });
  deps.logger.warn("watchdog started the supervisor", { previous: status?.runtimeStatus ?? "NotFound" });
  return "started";
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
