import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { EventType } from "../../src/localhost/history";
import type { HistoryEvent } from "../../src/localhost/history";
import { openKeys } from "../../src/localhost/shim";
import type { ActivityWork, EntityRequest } from "../../src/localhost/store";
import { DurableStore } from "../../src/localhost/store";
import { FUNCTIONS, SUPERVISOR_INSTANCE_ID } from "../../src/orchestrators/names";
import { silentLogger } from "../../src/shared/logger";
import { Rng } from "../../simulator/core/random";
import { manualClock } from "../../simulator/index";
import { startEmbedded } from "../../scripts/local/embedded";

const NOW = Date.parse("2024-11-18T12:07:00Z");
const CHILD = join(__dirname, "fixtures", "killChild.js");

/**
 * What a consistent store means: every running instance can make progress. Whatever its history waits
 * on (a task, a timer, an entity response) has a message on the way that will answer it, and a running
 * instance with no history has its start message. Plus SQLite's own integrity check.
 */
function inconsistencies(store: DurableStore): string[] {
  const problems: string[] = [];
  if (store.integrityCheck() !== "ok") problems.push(`integrity_check: ${store.integrityCheck()}`);
  const messages = store.allMessages();
  for (const instance of store.instances(["Running"])) {
    const mine = messages.filter((m) => m.queue === "orchestration" && m.target === instance.id);
    const current = mine.filter((m) => m.execution === instance.execution);
    const events = current.map((m) => JSON.parse(m.body) as HistoryEvent);
    if (instance.history.length === 0) {
      if (!events.some((e) => e.EventType === EventType.ExecutionStarted))
        problems.push(`${instance.id}: running with no history and no start message`);
      continue;
    }
    const answers = new Set<string>();
    for (const e of events) {
      if (e.EventType === EventType.TaskCompleted || e.EventType === EventType.TaskFailed)
        answers.add(`task:${e.TaskScheduledId}`);
      if (e.EventType === EventType.TimerFired) answers.add(`timer:${e.TimerId}`);
      if (e.EventType === EventType.EventRaised) answers.add(`request:${e.Name}`);
    }
    for (const m of messages) {
      if (m.queue === "activity") {
        const work = JSON.parse(m.body) as ActivityWork;
        if (work.instanceId === instance.id && work.execution === instance.execution)
          answers.add(`task:${work.taskId}`);
      } else if (m.queue === "entity") {
        answers.add(`request:${(JSON.parse(m.body) as EntityRequest).requestId}`);
      }
    }
    const open = [...openKeys(instance.history)];
    if (open.length === 0 && current.length === 0)
      problems.push(`${instance.id}: running but waits on nothing and nothing is queued for it`);
    for (const key of open)
      if (!answers.has(key)) problems.push(`${instance.id}: waits on ${key}, which nothing will answer`);
  }
  return problems;
}

describe("local engine store under kill -9", () => {
  it("is consistent after a kill at any instant, and the next host carries on from it", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "engine-kill-"));
    const rng = new Rng(11);
    try {
      for (let kill = 0; kill < 4; kill += 1) {
        const child = spawn(process.execPath, [CHILD], {
          env: { ...process.env, KILL_CHILD: JSON.stringify({ dataDir, start: kill === 0, now: NOW }) },
          stdio: ["ignore", "pipe", "inherit"],
        });
        const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
        await new Promise<void>((resolve, reject) => {
          child.stdout.on("data", (chunk: Buffer) =>
            chunk.toString().includes("ready") ? resolve() : undefined,
          );
          void exited.then((code) => reject(new Error(`child exited (${code}) before it was ready`)));
        });
        await new Promise((resolve) => setTimeout(resolve, 150 + Math.floor(rng.next() * 1200)));
        child.kill("SIGKILL");
        await exited;
        const store = new DurableStore(dataDir);
        try {
          assert.deepEqual(inconsistencies(store), [], `after kill ${kill + 1}`);
          assert.equal(store.instance(SUPERVISOR_INSTANCE_ID)?.status, "Running");
        } finally {
          store.close();
        }
      }
      const next = await startEmbedded({
        dataDir,
        simClock: manualClock(NOW),
        simulator: { eventsPerDay: 400 },
        settings: {
          MIMECAST_FEEDS: "dlp,audit,siem-cg",
          MIMECAST_START_DATE: new Date(NOW - 2 * 86_400_000).toISOString(),
        },
        logger: silentLogger,
      });
      try {
        assert.deepEqual(next.host.resumeInterrupted(), [SUPERVISOR_INSTANCE_ID]);
        await next.host.terminate(SUPERVISOR_INSTANCE_ID, "test over");
        await next.host.idle();
        await next.host.startNew(FUNCTIONS.supervisor, {
          instanceId: SUPERVISOR_INSTANCE_ID,
          input: { cycle: 0, maxCycles: 1 },
        });
        await next.host.idle();
        assert.equal(String((await next.host.getStatus(SUPERVISOR_INSTANCE_ID)).runtimeStatus), "Completed");
      } finally {
        await next.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("a second `npm start` on a data directory in use refuses with a clear message", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "engine-second-"));
    const held = new DurableStore(dataDir);
    try {
      const second = spawnSync(
        process.execPath,
        [join(__dirname, "..", "..", "scripts", "start.js"), "--data-dir", dataDir, "--once", "--quiet"],
        {
          encoding: "utf8",
          timeout: 60_000,
          env: { ...process.env, MIMECAST_CLIENT_ID: "", MIMECAST_APP_ID: "", MIMECAST_BASE_URL: "" },
        },
      );
      assert.equal(second.status, 2, second.stderr);
      assert.match(second.stderr, /another mimecast-sentinel local host is already running on/);
    } finally {
      held.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
