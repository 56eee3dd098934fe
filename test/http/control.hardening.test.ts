import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DurableOrchestrationStatus, EntityId } from "durable-functions";
import { loadConfig } from "../../src/config";
import { applyControlOperation } from "../../src/entities/control";
import type { ControlState } from "../../src/entities/control";
import type { ControlClient, ControlDeps } from "../../src/http/control";
import {
  BACKFILL_RETENTION_MS,
  ingestionStatus,
  parseTime,
  purgeFinishedBackfills,
  resetCheckpointRequest,
  startBackfill,
  startIngestion,
  watchdog,
} from "../../src/http/control";
import { callerIdentity } from "../../src/http/durableControl";
import { SUPERVISOR_INSTANCE_ID } from "../../src/orchestrators/names";
import { globalRedactor, silentLogger } from "../../src/shared/logger";

const NOW = Date.UTC(2024, 10, 18, 12, 0, 0);
const D = 86_400_000;
const config = loadConfig(
  {
    MIMECAST_CLIENT_ID: "client-id-1",
    MIMECAST_CLIENT_SECRET: "super-secret-value-123",
    MIMECAST_FEEDS: "dlp,audit,siem-cg",
    MIMECAST_START_DATE: "2024-11-01T00:00:00Z",
  },
  NOW,
);

/** A task hub in memory: instances, entity states (control reducer applied), and every call made. */
function hub() {
  const instances = new Map<
    string,
    { runtimeStatus: string; output?: unknown; lastUpdatedTime: Date; customStatus?: unknown }
  >();
  const entities = new Map<string, unknown>();
  const calls: string[] = [];
  let raceNextStart = false;
  const key = (e: EntityId): string => `${e.name}/${e.key}`;
  const client: Required<ControlClient> = {
    startNew: (name, options) => {
      calls.push(`startNew ${options.instanceId}`);
      const existing = instances.get(options.instanceId);
      if (raceNextStart) {
        // Someone else started it a moment ago: Durable refuses the second start.
        raceNextStart = false;
        instances.set(options.instanceId, { runtimeStatus: "Running", lastUpdatedTime: new Date(NOW) });
        return Promise.reject(
          new Error("An instance with ID 'x' already exists. (internal detail: key=abc)"),
        );
      }
      if (existing && ["Running", "Pending"].includes(existing.runtimeStatus)) {
        return Promise.reject(new Error("already exists"));
      }
      instances.set(options.instanceId, { runtimeStatus: "Running", lastUpdatedTime: new Date(NOW) });
      return Promise.resolve(name);
    },
    getStatus: (id) => {
      calls.push(`getStatus ${id}`);
      const instance = instances.get(id);
      if (!instance) return Promise.reject(new Error("HTTP 404"));
      return Promise.resolve({ instanceId: id, ...instance } as unknown as DurableOrchestrationStatus);
    },
    terminate: (id, reason) => {
      instances.set(id, { runtimeStatus: "Terminated", output: reason, lastUpdatedTime: new Date(NOW) });
      return Promise.resolve();
    },
    readEntityState: <T>(e: EntityId) => {
      const state = entities.get(key(e)) as T | undefined;
      return Promise.resolve(
        state === undefined ? { entityExists: false } : { entityExists: true, entityState: state },
      );
    },
    signalEntity: (e, op, content) => {
      calls.push(`signal ${key(e)} ${op}`);
      if (e.name === "mimecastControl") {
        const { state } = applyControlOperation(
          entities.get(key(e)) as ControlState | undefined,
          op ?? "",
          content,
        );
        entities.set(key(e), state);
      }
      return Promise.resolve();
    },
    raiseEvent: () => Promise.resolve(),
    purgeInstanceHistory: (id) => {
      calls.push(`purge ${id}`);
      instances.delete(id);
      return Promise.resolve();
    },
  };
  const deps: ControlDeps = { client, config, now: () => NOW, logger: silentLogger, caller: "function key" };
  return { instances, entities, calls, client, deps, race: () => (raceNextStart = true) };
}

const backfillBody = (from: number, to: number, feeds = ["dlp"]) => ({
  feeds,
  from: new Date(from).toISOString(),
  to: new Date(to).toISOString(),
  confirmReingest: true,
});

describe("control surface hardening", () => {
  it("a start racing the watchdog answers 202 or 409, never an error", async () => {
    const h = hub();
    h.race();
    const raced = await startIngestion(h.deps);
    assert.equal(raced.status, 202, "the other start won: the supervisor runs");
    assert.ok(!JSON.stringify(raced.body).includes("internal detail"));
    h.race();
    h.instances.clear();
    const outcome = await watchdog({ ...h.deps, caller: "watchdog" });
    assert.equal(outcome, "running");
  });

  it("no response carries management links or a system key", async () => {
    const h = hub();
    const bodies = [
      await startIngestion(h.deps),
      await startIngestion(h.deps),
      await startBackfill(h.deps, backfillBody(NOW - 10 * D, NOW - 9 * D)),
      await ingestionStatus(h.deps),
    ].map((r) => JSON.stringify(r.body));
    for (const body of bodies) {
      assert.ok(!/links|code=|statusQueryGetUri|sendEventPostUri/.test(body), body);
    }
  });

  it("status reads the supervisor and the tracked backfills by id, never a scan", async () => {
    const h = hub();
    await startBackfill(h.deps, backfillBody(NOW - 10 * D, NOW - 9 * D));
    h.calls.length = 0;
    const status = await ingestionStatus(h.deps);
    const backfills = status.body["backfills"] as { instanceId: string; runtimeStatus: string }[];
    assert.equal(backfills.length, 1);
    assert.equal(backfills[0]?.runtimeStatus, "Running");
    assert.deepEqual(
      h.calls.filter((c) => c.startsWith("getStatus")),
      [`getStatus ${SUPERVISOR_INSTANCE_ID}`, `getStatus ${backfills[0]?.instanceId}`],
    );
  });

  it("overlapping and identical backfills are refused with 409 naming the running one", async () => {
    const h = hub();
    const first = await startBackfill(h.deps, backfillBody(NOW - 10 * D, NOW - 8 * D));
    assert.equal(first.status, 202);
    const identical = await startBackfill(h.deps, backfillBody(NOW - 10 * D, NOW - 8 * D));
    assert.equal(identical.status, 409);
    const overlapping = await startBackfill(h.deps, backfillBody(NOW - 9 * D, NOW - 7 * D, ["dlp", "audit"]));
    assert.equal(overlapping.status, 409);
    assert.match(String(overlapping.body["error"]), /^feeds, from, to: overlap backfill mimecast-backfill-/);
    const otherFeed = await startBackfill(h.deps, backfillBody(NOW - 9 * D, NOW - 7 * D, ["audit"]));
    assert.equal(otherFeed.status, 202, "another feed over the same range is fine");
    const after = await startBackfill(h.deps, backfillBody(NOW - 8 * D, NOW - 7 * D));
    assert.equal(after.status, 202, "touching ranges do not overlap");
  });

  it("dates that do not exist and a future reset watermark are refused with 400 naming the field", async () => {
    const h = hub();
    const leap = await startBackfill(h.deps, {
      feeds: ["dlp"],
      from: "2024-11-01T23:59:60Z",
      to: "2024-11-05T00:00:00Z",
    });
    assert.equal(leap.status, 400);
    assert.match(JSON.stringify(leap.body["problems"]), /from: .* is not a time that exists/);
    const rolled = await startBackfill(h.deps, {
      feeds: ["dlp"],
      from: "2024-11-01T00:00:00Z",
      to: "2024-02-30T00:00:00Z",
    });
    assert.equal(rolled.status, 400);
    assert.match(JSON.stringify(rolled.body["problems"]), /"to: /);
    const future = await resetCheckpointRequest(h.deps, {
      cursor: "dlp",
      reason: "testing",
      watermark: "2999-01-01T00:00:00Z",
    });
    assert.equal(future.status, 400);
    assert.deepEqual(future.body["problems"], ["watermark: must not be in the future"]);
    assert.equal(h.calls.filter((c) => c.includes("reset")).length, 0, "nothing was signalled");
  });

  it("parseTime accepts real RFC 3339 times in any offset and rejects rolled-over ones", () => {
    assert.equal(parseTime("2024-11-01T10:00:00+05:30"), Date.UTC(2024, 10, 1, 4, 30));
    assert.equal(parseTime("2024-02-29T00:00:00Z"), Date.UTC(2024, 1, 29));
    assert.equal(parseTime("2024-02-30T00:00:00+05:30"), undefined);
    assert.equal(parseTime("2024-11-01T24:00:00Z"), undefined);
    assert.equal(parseTime("2024-11-01T23:59:60Z"), undefined);
  });

  it("finished backfills are purged after the retention period with their cursors; running ones are kept", async () => {
    const h = hub();
    await startBackfill(h.deps, backfillBody(NOW - 10 * D, NOW - 9 * D));
    await startBackfill(h.deps, backfillBody(NOW - 20 * D, NOW - 19 * D, ["audit"]));
    const [done, running] = [...h.instances.keys()];
    Object.assign(h.instances.get(done!)!, {
      runtimeStatus: "Completed",
      lastUpdatedTime: new Date(NOW - 2 * D),
    });
    assert.deepEqual(await purgeFinishedBackfills(h.deps), [], "within retention");
    const later = { ...h.deps, now: () => NOW + BACKFILL_RETENTION_MS };
    assert.deepEqual(await purgeFinishedBackfills(later), [done]);
    assert.ok(h.calls.includes(`purge ${done}`));
    assert.ok(
      h.calls.some((c) => c.startsWith("signal mimecastCheckpoint/backfill~") && c.endsWith(" delete")),
    );
    const tracked = (h.entities.get("mimecastControl/supervisor") as ControlState).backfills.map(
      (b) => b.instanceId,
    );
    assert.deepEqual(tracked, [running]);
  });

  it("lastError in status never shows a registered secret", async () => {
    const h = hub();
    const secret = 'tok-"quoted\\-9f8e7d6c5b';
    globalRedactor.register(secret);
    h.entities.set("mimecastCheckpoint/dlp", {
      key: "dlp",
      covered: [],
      open: [],
      totals: { fetched: 0, ingested: 0, deadLettered: 0, ambiguous: 0, pages: 0, resent: 0 },
      consecutiveFailures: 1,
      resets: [],
      lastError: { message: `token endpoint echoed ${secret}`, at: NOW },
    });
    const status = await ingestionStatus(h.deps);
    assert.ok(!JSON.stringify(status.body).includes("9f8e7d6c5b"));
  });

  it("the audit identity comes from Easy Auth only when the platform says it is on", () => {
    const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name] ?? null });
    const claimed = headers({
      "x-ms-client-principal-name": "mallory@evil",
      "x-ms-client-principal-id": "1",
    });
    assert.equal(callerIdentity(claimed, {}), "function key", "a function-key holder cannot claim a name");
    assert.equal(callerIdentity(claimed, { WEBSITE_AUTH_ENABLED: "True" }), "mallory@evil (1)");
    assert.equal(
      callerIdentity(headers({ "x-ms-client-principal-name": "a" }), { WEBSITE_AUTH_ENABLED: "true" }),
      "function key",
      "no principal id: not an Easy Auth principal",
    );
  });
});
