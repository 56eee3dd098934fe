import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { Embedded } from "../../scripts/local/embedded";
import { startEmbedded } from "../../scripts/local/embedded";
import { feedById } from "../../src/feeds";
import { DEAD_LETTER_TABLE } from "../../src/ingest/streams";
import type { LocalHost } from "../../src/localhost/localHost";
import { TOKEN_FILE } from "../../src/localhost/localHost";
import { FUNCTIONS, SUPERVISOR_INSTANCE_ID } from "../../src/orchestrators/names";
import type { CycleReport } from "../../src/orchestrators/supervisor";
import { cycleSettingsFrom } from "../../src/runtime/cycleSettings";
import type { CheckpointState } from "../../src/planning/types";
import { manualClock } from "../../simulator/index";
import type { FeedKey } from "../../simulator/index";
import { compareIds, expectedEventIds, readTables } from "./helpers";

/** Monday 2024-11-18 12:07 UTC, as the other simulator tests. */
const NOW = Date.UTC(2024, 10, 18, 12, 7, 0);
const DAY = 86_400_000;
const SLOT = 15 * 60_000;
const FEEDS =
  "siem-cg,siem-ci,dlp,ttp-url,ttp-attachment,ttp-impersonation,audit,message-release,archive-search,threat-intel-customer,awareness-watchlist";

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function embedded(dataDir: string): Promise<Embedded> {
  return startEmbedded({
    dataDir,
    seed: 7,
    simClock: manualClock(NOW),
    simulator: { eventsPerDay: 150 },
    settings: {
      MIMECAST_FEEDS: FEEDS,
      MIMECAST_START_DATE: new Date(NOW - 2 * DAY).toISOString(),
      // Late events arrive up to 2 h after their time in the simulator: the lag covers them.
      MIMECAST_LAG_SECONDS: "7200",
      MIMECAST_LOG_LEVEL: "error",
    },
  });
}

async function checkpoints(host: LocalHost): Promise<Map<string, CheckpointState>> {
  const out = new Map<string, CheckpointState>();
  for (const cursor of cycleSettingsFrom(host.runtime.config).cursors) {
    const read = await host.readEntityState<CheckpointState>({
      name: FUNCTIONS.checkpoint,
      key: cursor.key,
    });
    if (read.entityState) out.set(cursor.key, read.entityState);
  }
  return out;
}

/** Sink contents vs the simulator's ground truth, per feed: none missing, none twice. */
async function verify(e: Embedded, dataDir: string, lastCycleStart: number): Promise<{ checked: number }> {
  const tables = readTables(join(dataDir, "tables"));
  const states = await checkpoints(e.host);
  const cursors = cycleSettingsFrom(e.host.runtime.config).cursors;
  let checked = 0;
  for (const feedId of FEEDS.split(",")) {
    const feed = feedById(feedId)!;
    const rows = (tables.get(feed.defaultTable) ?? []).filter(
      (r) => String(r["EventId"]).startsWith(`${feedId}:`) || feed.source !== "threat-intel",
    );
    const ids = rows.map((r) => String(r["EventId"]));
    if (feed.source === "snapshot") {
      assert.equal(new Set(ids).size, ids.length, `${feedId}: one row per record and snapshot`);
      assert.ok(ids.length > 0, `${feedId}: a snapshot was written`);
      continue;
    }
    const expected: string[] = [];
    for (const cursor of cursors.filter((c) => c.feedId === feedId)) {
      const state = states.get(cursor.key);
      assert.ok(state, `${cursor.key} has a checkpoint`);
      if (cursor.kind === "time-window") {
        assert.ok(
          state.watermark !== undefined && state.watermark > NOW - DAY,
          `${cursor.key} caught up (watermark ${String(state.watermark)})`,
        );
        expected.push(...expectedEventIds(e.sim, feedId, { from: NOW - 2 * DAY, to: state.watermark }));
      } else {
        assert.equal(state.lastRun?.outcome, "completed", `${cursor.key} caught up`);
        expected.push(
          ...expectedEventIdsOfType(
            e,
            feedId as FeedKey,
            cursor.type ?? "",
            Math.floor((NOW - 2 * DAY) / DAY) * DAY,
            Math.floor(lastCycleStart / SLOT) * SLOT,
          ),
        );
      }
    }
    // Rows past the watermark (a live window above a gap) are allowed; everything below it must be there once.
    const comparison = compareIds(expected, ids);
    assert.deepEqual(comparison.missing, [], `${feedId}: none missing`);
    assert.deepEqual(comparison.duplicated, [], `${feedId}: none twice`);
    assert.ok(expected.length > 0, `${feedId}: the check covered events`);
    checked += expected.length;
  }
  assert.equal((tables.get(DEAD_LETTER_TABLE) ?? []).length, 0, "no dead letters from clean data");
  return { checked };
}

function expectedEventIdsOfType(
  e: Embedded,
  feed: FeedKey,
  type: string,
  from: number,
  to: number,
): string[] {
  const mapper = feedById(feed)!;
  const ids: string[] = [];
  for (const event of e.sim.groundTruth(feed, { type, from, to, basis: "publish" }))
    ids.push(mapper.eventId(event.record));
  return ids;
}

describe("local host end to end against the simulator (simulated clock)", () => {
  it("several cycles over two days of history across the feeds: the sink equals the ground truth", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "ms-e2e-"));
    dirs.push(dataDir);
    const e = await embedded(dataDir);
    try {
      await e.host.startNew(FUNCTIONS.supervisor, {
        instanceId: SUPERVISOR_INSTANCE_ID,
        input: { cycle: 0, maxCycles: 6 },
      });
      await e.host.idle();
      const status = await e.host.getStatus(SUPERVISOR_INSTANCE_ID);
      assert.equal(String(status.runtimeStatus), "Completed");
      const report = status.output as CycleReport;
      assert.equal(report.cycle, 5);
      const { checked } = await verify(e, dataDir, report.startedAt);
      assert.ok(checked > 1000, `compared ${checked} events`);
      const health = readTables(join(dataDir, "tables")).get("MimecastConnectorHealth_CL") ?? [];
      assert.ok(health.length >= report.cursors.length * 6, "one health row per cursor per cycle");
    } finally {
      await e.close();
    }
  });

  it("a clean stop mid-run and a new host on the same state file resume exactly: none missing, none twice", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "ms-e2e-restart-"));
    dirs.push(dataDir);
    const first = await embedded(dataDir);
    let units = 0;
    const stopAfter = 25;
    const original = first.host.activities[FUNCTIONS.ingestUnit]!;
    first.host.activities[FUNCTIONS.ingestUnit] = async (input) => {
      const result = await original(input);
      units += 1;
      if (units === stopAfter) void first.host.stop();
      return result;
    };
    await first.host.startNew(FUNCTIONS.supervisor, {
      instanceId: SUPERVISOR_INSTANCE_ID,
      input: { cycle: 0, maxCycles: 6 },
    });
    await first.host.idle();
    assert.equal(
      String((await first.host.getStatus(SUPERVISOR_INSTANCE_ID)).runtimeStatus),
      "Running",
      "stopped mid-run, not finished",
    );
    await first.close();

    const second = await embedded(dataDir);
    try {
      assert.deepEqual(second.host.resumeInterrupted(), [SUPERVISOR_INSTANCE_ID]);
      await second.host.idle();
      const status = await second.host.getStatus(SUPERVISOR_INSTANCE_ID);
      assert.equal(String(status.runtimeStatus), "Completed");
      await verify(second, dataDir, (status.output as CycleReport).startedAt);
    } finally {
      await second.close();
    }
  });

  it("serves the control routes on 127.0.0.1: start is idempotent, status lists the cursors, bad input is a 400", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "ms-e2e-http-"));
    dirs.push(dataDir);
    const e = await embedded(dataDir);
    try {
      const url = await e.host.listen(0);
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const auth = { "x-functions-key": e.host.token };
      const post = (path: string, body: unknown) =>
        fetch(`${url}${path}`, {
          method: "POST",
          body: JSON.stringify(body),
          headers: { "content-type": "application/json", ...auth },
        });
      const terminate = await post("/api/ingestion/terminate", {});
      assert.equal(terminate.status, 400);
      const started = await post("/api/ingestion/start", {});
      assert.equal(started.status, 202);
      const again = await post("/api/ingestion/start", {});
      assert.equal(again.status, 200);
      const stopped = await post("/api/ingestion/terminate", { reason: "test over" });
      assert.equal(stopped.status, 202);
      assert.equal(((await stopped.json()) as { graceful?: boolean }).graceful, true);
      await e.host.idle();
      const status = (await (await fetch(`${url}/api/ingestion/status`, { headers: auth })).json()) as {
        runtimeStatus: string;
        stoppedByOperator: boolean;
        cursors: unknown[];
      };
      // A graceful stop: the operatorStop event woke the supervisor, which recorded its units and ended.
      assert.equal(status.runtimeStatus, "Completed");
      assert.equal(status.stoppedByOperator, true);
      assert.equal(status.cursors.length, cycleSettingsFrom(e.host.runtime.config).cursors.length);
    } finally {
      await e.close();
    }
  });

  it("refuses control requests without this run's token, from a foreign Host or Origin, or with a non-JSON body", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "ms-e2e-guard-"));
    dirs.push(dataDir);
    const e = await embedded(dataDir);
    try {
      const url = new URL(await e.host.listen(0));
      assert.equal(
        readFileSync(join(dataDir, TOKEN_FILE), "utf8").trim(),
        e.host.token,
        "token kept in the data dir",
      );
      const send = (options: {
        method?: string;
        path: string;
        headers?: Record<string, string>;
        body?: string;
      }) =>
        new Promise<number>((resolve, reject) => {
          const request = httpRequest(
            {
              host: url.hostname,
              port: url.port,
              method: options.method ?? "GET",
              path: options.path,
              headers: options.headers,
            },
            (response) => {
              response.resume();
              resolve(response.statusCode ?? 0);
            },
          );
          request.on("error", reject);
          request.end(options.body);
        });
      const token = { "x-functions-key": e.host.token };
      const reset = JSON.stringify({ cursor: "dlp", reason: "test" });
      assert.equal(await send({ path: "/api/ingestion/status" }), 401, "no token");
      assert.equal(
        await send({ path: "/api/ingestion/status", headers: { "x-functions-key": "guess" } }),
        401,
      );
      assert.equal(await send({ path: "/api/ingestion/status", headers: token }), 200);
      assert.equal(
        await send({ path: `/api/ingestion/status?code=${e.host.token}` }),
        200,
        "?code= like Azure",
      );
      assert.equal(
        await send({
          path: "/api/ingestion/status",
          headers: { ...token, host: `attacker.example:${url.port}` },
        }),
        421,
        "DNS rebinding: a foreign Host",
      );
      assert.equal(
        await send({
          method: "POST",
          path: "/api/ingestion/reset",
          headers: { ...token, origin: "https://attacker.example", "content-type": "application/json" },
          body: reset,
        }),
        403,
        "cross-site POST",
      );
      assert.equal(
        await send({
          method: "POST",
          path: "/api/ingestion/reset",
          headers: { ...token, "content-type": "text/plain" },
          body: reset,
        }),
        415,
        "a text/plain body (no CORS preflight) is refused",
      );
      assert.equal(
        await send({
          method: "POST",
          path: "/api/ingestion/reset",
          headers: { ...token, origin: url.origin, "content-type": "application/json" },
          body: reset,
        }),
        202,
        "same-origin JSON with the token goes through",
      );
    } finally {
      await e.close();
    }
  });
});
