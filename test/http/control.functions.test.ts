import assert from "node:assert/strict";
import path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { HttpRequest, InvocationContext } from "@azure/functions";
import type { HttpResponseInit } from "@azure/functions";
import { FUNCTIONS, SUPERVISOR_INSTANCE_ID } from "../../src/orchestrators/names";
import { setSharedRuntime } from "../../src/runtime/runtime";
import { captureRegistrations } from "../helpers/registrations";
import type { Registration } from "../helpers/registrations";
import { startFakeDurableExtension } from "./fakeDurableExtension";

const ENTRY = path.resolve(__dirname, "../../src/index.js");
const ENV = {
  MIMECAST_CLIENT_ID: "client-id-1",
  MIMECAST_CLIENT_SECRET: "super-secret-value-123",
  MIMECAST_FEEDS: "dlp,audit,siem-cg",
  MIMECAST_START_DATE: "2024-11-01T00:00:00Z",
};

type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

describe("control HTTP functions through the real durable client (fake extension on 127.0.0.1)", () => {
  let extension: Awaited<ReturnType<typeof startFakeDurableExtension>>;
  let registrations: Registration[];
  const saved = { ...process.env };

  before(async () => {
    extension = await startFakeDurableExtension();
    Object.assign(process.env, ENV);
    setSharedRuntime(undefined);
    registrations = captureRegistrations(ENTRY);
  });
  after(async () => {
    process.env = saved;
    setSharedRuntime(undefined);
    await extension.close();
  });
  beforeEach(() => {
    extension.instances.clear();
    extension.signals.length = 0;
    extension.events.length = 0;
    extension.entities.clear();
  });

  async function call(
    name: string,
    method: "GET" | "POST",
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const registration = registrations.find((r) => r.name === name);
    assert.ok(registration, `${name} is registered`);
    const input = (registration.options["extraInputs"] as unknown[])[0] as never;
    const context = new InvocationContext({
      functionName: name,
      options: { trigger: { type: "httpTrigger", name: "req" }, extraInputs: [input] },
    });
    context.extraInputs.set(input, extension.clientData);
    const request = new HttpRequest({
      url: `http://localhost:7071/api/${name}`,
      method,
      ...(body !== undefined
        ? { body: { string: typeof body === "string" ? body : JSON.stringify(body) } }
        : {}),
    });
    const response = await (registration.options["handler"] as Handler)(request, context);
    return { status: response.status ?? 200, json: (response.jsonBody ?? {}) as Record<string, unknown> };
  }

  it("registers every control route with function-key auth", () => {
    const routes = registrations
      .filter((r) => r.kind === "http" && r.name.startsWith("ingestion"))
      .map((r) => [r.options["route"], r.options["methods"], r.options["authLevel"]]);
    assert.deepEqual(routes, [
      ["ingestion/start", ["POST"], "function"],
      ["ingestion/status", ["GET"], "function"],
      ["ingestion/terminate", ["POST"], "function"],
      ["ingestion/backfill", ["POST"], "function"],
      ["ingestion/reset", ["POST"], "function"],
    ]);
    const watchdog = registrations.find((r) => r.name === "ingestionWatchdog");
    assert.equal(watchdog?.kind, "timer");
    assert.equal(watchdog?.options["schedule"], "0 */5 * * * *");
  });

  it("start is idempotent: starts the singleton supervisor once, then reports it running", async () => {
    const first = await call("ingestionStart", "POST");
    assert.equal(first.status, 202);
    assert.equal(first.json["instanceId"], SUPERVISOR_INSTANCE_ID);
    const second = await call("ingestionStart", "POST");
    assert.equal(second.status, 200);
    assert.equal(second.json["started"], false);
    assert.equal(
      extension.seen.filter((s) => s.startsWith(`POST /durabletask/orchestrators/${FUNCTIONS.supervisor}`))
        .length,
      1,
    );
  });

  it("status lists runtime status and every cursor of the enabled feeds", async () => {
    await call("ingestionStart", "POST");
    extension.entities.set(`${FUNCTIONS.checkpoint}/dlp`, {
      key: "dlp",
      watermark: Date.UTC(2024, 10, 10),
      covered: [],
      open: [],
      totals: { fetched: 9, ingested: 9, deadLettered: 1, ambiguous: 0, pages: 1, resent: 0 },
      consecutiveFailures: 0,
      resets: [],
      lastError: { message: "Sentinel 503", at: Date.UTC(2024, 10, 10) },
    });
    const status = await call("ingestionStatus", "GET");
    assert.equal(status.status, 200);
    assert.equal(status.json["runtimeStatus"], "Running");
    const cursors = status.json["cursors"] as Record<string, unknown>[];
    assert.deepEqual(cursors.map((c) => c["cursor"]).slice(0, 3), [
      "siem-cg~receipt",
      "siem-cg~process",
      "siem-cg~delivery",
    ]);
    const dlp = cursors.find((c) => c["cursor"] === "dlp")!;
    assert.equal(dlp["watermark"], "2024-11-10T00:00:00.000Z");
    assert.equal(dlp["eventsTotal"], 9);
    assert.equal(dlp["deadLettered"], 1);
    assert.equal(dlp["lastError"], "Sentinel 503");
    assert.ok(typeof dlp["backlogWindows"] === "number" && dlp["backlogWindows"] > 0);
  });

  it("terminate needs a reason; by default it is a graceful stop (flag + wake-up event), force terminates", async () => {
    await call("ingestionStart", "POST");
    const missing = await call("ingestionTerminate", "POST", {});
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.json["problems"], ["reason: must have required property 'reason'"]);
    const graceful = await call("ingestionTerminate", "POST", { reason: "maintenance & DCR change" });
    assert.equal(graceful.status, 202);
    assert.equal(graceful.json["graceful"], true);
    const stop = extension.signals.find((s) => s.entity === `${FUNCTIONS.control}/supervisor`);
    assert.equal(stop?.op, "stop");
    assert.equal((stop?.input as { reason: string }).reason, "maintenance & DCR change");
    assert.deepEqual(
      extension.events.map((e) => [e.instanceId, e.name]),
      [[SUPERVISOR_INSTANCE_ID, "operatorStop"]],
    );
    assert.equal(
      extension.instances.get(SUPERVISOR_INSTANCE_ID)?.runtimeStatus,
      "Running",
      "the supervisor ends itself after recording its units",
    );
    const forced = await call("ingestionTerminate", "POST", { reason: "stuck", force: true });
    assert.equal(forced.status, 202);
    const instance = extension.instances.get(SUPERVISOR_INSTANCE_ID);
    assert.equal(instance?.runtimeStatus, "Terminated");
    assert.match(String(instance?.output), /^operator stop: stuck \(by function key\)/);
    const status = await call("ingestionStatus", "GET");
    assert.equal(status.json["stoppedByOperator"], true);
  });

  it("bad input answers 400 naming the field; a body that is not JSON too", async () => {
    const backfill = await call("ingestionBackfill", "POST", {
      feeds: ["dlp"],
      from: "yesterday",
      to: "2024-11-05T00:00:00Z",
      extra: 1,
    });
    assert.equal(backfill.status, 400);
    assert.deepEqual(backfill.json["problems"], [
      "extra: is not a known field",
      'from: must match format "date-time"',
    ]);
    const notJson = await call("ingestionBackfill", "POST", "{nope");
    assert.equal(notJson.status, 400);
    const reset = await call("ingestionReset", "POST", { cursor: "nope", reason: "testing it" });
    assert.equal(reset.status, 400);
    assert.match(
      String((reset.json["problems"] as string[])[0]),
      /^cursor: "nope" is not a cursor of an enabled feed/,
    );
  });

  it("backfill starts its own instance; a range live ingestion covered needs confirmReingest", async () => {
    const body = {
      feeds: ["dlp"],
      from: new Date(Date.now() - 20 * 86_400_000).toISOString(),
      to: new Date(Date.now() - 10 * 86_400_000).toISOString(),
    };
    const refused = await call("ingestionBackfill", "POST", body);
    assert.equal(refused.status, 400);
    assert.match(String((refused.json["problems"] as string[])[0]), /^confirmReingest:/);
    const started = await call("ingestionBackfill", "POST", { ...body, confirmReingest: true });
    assert.equal(started.status, 202);
    assert.match(String(started.json["instanceId"]), /^mimecast-backfill-/);
    const siem = await call("ingestionBackfill", "POST", {
      ...body,
      feeds: ["siem-cg"],
      confirmReingest: true,
    });
    assert.match(String((siem.json["problems"] as string[])[0]), /siem-cg.*cannot be rewound/);
  });

  it("reset signals the cursor's entity with who and why", async () => {
    const reset = await call("ingestionReset", "POST", {
      cursor: "dlp",
      reason: "re-ingest after DCR fix",
      watermark: "2024-11-05T00:00:00Z",
    });
    assert.equal(reset.status, 202);
    assert.equal(extension.signals.length, 1);
    assert.equal(extension.signals[0]?.entity, `${FUNCTIONS.checkpoint}/dlp`);
    assert.equal(extension.signals[0]?.op, "reset");
    const input = extension.signals[0]?.input as { reason: string; by: string; watermark: number };
    assert.equal(input.reason, "re-ingest after DCR fix");
    assert.equal(input.watermark, Date.UTC(2024, 10, 5));
  });

  async function tick(): Promise<void> {
    const registration = registrations.find((r) => r.name === "ingestionWatchdog");
    assert.ok(registration);
    const input = (registration.options["extraInputs"] as unknown[])[0] as never;
    const context = new InvocationContext({
      functionName: "ingestionWatchdog",
      options: { trigger: { type: "timerTrigger", name: "timer" }, extraInputs: [input] },
    });
    context.extraInputs.set(input, extension.clientData);
    await (registration.options["handler"] as (t: unknown, c: InvocationContext) => Promise<void>)(
      { isPastDue: false },
      context,
    );
  }

  it("the watchdog starts a missing or failed supervisor, but leaves an operator's stop alone", async () => {
    await tick();
    assert.equal(
      extension.instances.get(SUPERVISOR_INSTANCE_ID)?.runtimeStatus,
      "Running",
      "started when missing",
    );
    extension.instances.get(SUPERVISOR_INSTANCE_ID)!.runtimeStatus = "Failed";
    await tick();
    assert.equal(
      extension.instances.get(SUPERVISOR_INSTANCE_ID)?.runtimeStatus,
      "Running",
      "restarted after a failure",
    );
    await call("ingestionTerminate", "POST", { reason: "planned maintenance" });
    // The supervisor reads the stop, finishes its units and ends with the operator's reason.
    Object.assign(extension.instances.get(SUPERVISOR_INSTANCE_ID)!, {
      runtimeStatus: "Completed",
      output: "operator stop: planned maintenance (by function key)",
    });
    await tick();
    assert.equal(
      extension.instances.get(SUPERVISOR_INSTANCE_ID)?.runtimeStatus,
      "Completed",
      "an operator's stop is kept",
    );
    extension.instances.get(SUPERVISOR_INSTANCE_ID)!.output = "host shutdown";
    await tick();
    assert.equal(
      extension.instances.get(SUPERVISOR_INSTANCE_ID)?.runtimeStatus,
      "Running",
      "other terminations are restarted",
    );
  });
});
