import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, beforeEach, describe, it } from "node:test";
import Database from "better-sqlite3";
import type { AtLeastOnce } from "../../src/localhost/engine";
import { DurableEngine } from "../../src/localhost/engine";
import { EventType } from "../../src/localhost/history";
import type { HistoryEvent } from "../../src/localhost/history";
import { durableFunctions } from "../../src/localhost/registrations";
import { largestPayload } from "../../src/localhost/storeFigures";
import { DurableStore, STORE_FILE, StoreLockedError } from "../../src/localhost/store";
import { FakeClock } from "../../src/shared/clock";
import { silentLogger } from "../../src/shared/logger";
import type * as EngineApp from "./fixtures/engineApp";

const APP = join(__dirname, "fixtures", "engineApp.js");
const functions = durableFunctions(APP);
// The instance the captured handlers close over (a plain import would load a second copy).
const { knobs } = require(APP) as typeof EngineApp;
const NOW = Date.parse("2024-11-18T12:00:00Z");
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Rig {
  engine: DurableEngine;
  store: DurableStore;
  clock: FakeClock;
  /** Runs an orchestration to the point where nothing can run, and returns its row. */
  run(
    name: string,
    input?: unknown,
    id?: string,
  ): Promise<NonNullable<ReturnType<DurableEngine["instance"]>>>;
  close(): Promise<void>;
}

function rig(atLeastOnce?: AtLeastOnce, clientInputName?: string): Rig {
  const dataDir = mkdtempSync(join(tmpdir(), "engine-"));
  dirs.push(dataDir);
  const store = new DurableStore(dataDir);
  const clock = new FakeClock(NOW);
  const engine = new DurableEngine({
    store,
    functions,
    clock,
    logger: silentLogger,
    seed: 7,
    ...(atLeastOnce ? { atLeastOnce } : {}),
    ...(clientInputName !== undefined ? { clientInputName } : {}),
  });
  return {
    engine,
    store,
    clock,
    run: async (name, input, id = name) => {
      engine.startNew(name, id, input);
      engine.start();
      await engine.idle();
      return engine.instance(id)!;
    },
    close: async () => {
      await engine.stop();
      store.close();
    },
  };
}

const ofType = (history: readonly HistoryEvent[], type: EventType): HistoryEvent[] =>
  history.filter((e) => e.EventType === type);
const output = (row: { output: string | null }): unknown =>
  row.output === null ? undefined : JSON.parse(row.output);

beforeEach(() => {
  knobs.driftTo = "stepA";
  knobs.echoed = [];
  knobs.failures = 0;
  knobs.gate = Promise.resolve();
  knobs.onGateEntered = () => undefined;
});

describe("local Durable engine (registered handlers through the SDK, history replayed every episode)", () => {
  it("JSON round-trips every payload: inputs, activity results, entity state and custom status", async () => {
    const r = rig();
    try {
      const input = { at: new Date(NOW), dropped: undefined, nested: { n: 1 } };
      const row = await r.run("roundTrip", input);
      input.nested.n = 2; // the instance holds its own copy
      assert.equal(row.status, "Completed");
      const iso = new Date(NOW).toISOString();
      assert.deepEqual(
        knobs.echoed,
        [{ at: iso, nested: { n: 1 } }],
        "the activity got JSON, not the object",
      );
      const echoed = { echoed: { at: iso, nested: { n: 1 } }, when: new Date(0).toISOString() };
      assert.deepEqual(output(row), { out: echoed, stored: echoed });
      assert.deepEqual(JSON.parse(r.store.entity("@box@k").state ?? "null"), echoed);
      assert.deepEqual(JSON.parse(row.customStatus ?? "null"), {
        at: new Date(0).toISOString(),
        input: { at: iso, nested: { n: 1 } },
      });
    } finally {
      await r.close();
    }
  });

  it("fails an instance whose replay schedules a different activity at a sequence number than its history has", async () => {
    const r = rig();
    try {
      const row = await r.run("drifting");
      assert.equal(row.status, "Failed");
      const message = String(output(row));
      assert.match(message, /^Non-Deterministic workflow detected:/);
      assert.match(message, /sequence number 0 named 'stepA'.*'stepB'/);
      assert.equal(
        ofType(row.history, EventType.TaskScheduled).length,
        1,
        "nothing scheduled after the mismatch",
      );
      assert.deepEqual(knobs.echoed, []);
    } finally {
      await r.close();
    }
  });

  it("retries as DTFx does: a durable timer after every failed attempt (the last too), with backoff", async () => {
    const r = rig();
    try {
      const row = await r.run("retrying");
      assert.equal(row.status, "Completed");
      assert.equal(output(row), "gave up");
      assert.equal(knobs.failures, 3);
      const history = row.history;
      assert.deepEqual(
        history
          .filter((e) => [EventType.TaskScheduled, EventType.TimerCreated].includes(e.EventType))
          .map((e) => [e.EventType, e.EventId]),
        [
          [EventType.TaskScheduled, 0],
          [EventType.TimerCreated, 1],
          [EventType.TaskScheduled, 2],
          [EventType.TimerCreated, 3],
          [EventType.TaskScheduled, 4],
          [EventType.TimerCreated, 5],
        ],
      );
      const delays = ofType(history, EventType.TimerCreated).map(
        (t) => Date.parse(t.FireAt!) - Date.parse(t.Timestamp),
      );
      assert.deepEqual(delays, [1_000, 2_000, 4_000]);
    } finally {
      await r.close();
    }
  });

  it("fails an instance whose custom status exceeds 16 KB of UTF-16, as the extension does", async () => {
    const r = rig();
    try {
      const row = await r.run("bigStatus");
      assert.equal(row.status, "Failed");
      assert.match(String(output(row)), /must not exceed 16 KB/);
      assert.deepEqual(knobs.echoed, [], "the episode's actions were not sent");
    } finally {
      await r.close();
    }
  });

  it("discards the result of an activity still running when its instance is terminated", async () => {
    const r = rig();
    try {
      let open = (): void => undefined;
      knobs.gate = new Promise((resolve) => (open = resolve));
      const entered = new Promise<void>((resolve) => (knobs.onGateEntered = resolve));
      r.engine.startNew("waiting", "w", undefined);
      r.engine.start();
      await entered;
      r.engine.terminate("w", "operator");
      open();
      await r.engine.idle();
      const row = r.engine.instance("w")!;
      assert.equal(row.status, "Terminated");
      assert.equal(ofType(row.history, EventType.TaskCompleted).length, 0);
      assert.equal(r.store.entity("@box@k").exists, false, "the signal after the activity was never sent");
      assert.deepEqual(r.store.allMessages(), [], "nothing left queued");
    } finally {
      await r.close();
    }
  });

  it("awaits a WhenAll as the shim does: the SDK fails fast, the next action waits for every child", async () => {
    const r = rig();
    try {
      let open = (): void => undefined;
      knobs.gate = new Promise((resolve) => (open = resolve));
      const entered = new Promise<void>((resolve) => (knobs.onGateEntered = resolve));
      r.engine.startNew("failFast", "f", undefined);
      r.engine.start();
      await entered;
      // `failing` has failed and the SDK moved on to "echo", but the shim still awaits `gated`.
      for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
      const waiting = r.engine.instance("f")!;
      assert.equal(ofType(waiting.history, EventType.TaskFailed).length, 1);
      assert.equal(ofType(waiting.history, EventType.TaskScheduled).length, 2, "echo not scheduled yet");
      open();
      await r.engine.idle();
      const row = r.engine.instance("f")!;
      assert.equal(row.status, "Completed");
      assert.deepEqual(knobs.echoed, ["after all"]);
    } finally {
      await r.close();
    }
  });

  it("delivers entity messages in per-sender order only: two senders' signals interleave", async () => {
    const r = rig();
    try {
      r.engine.startNew("signaller", "s1", 12);
      r.engine.startNew("signaller", "s2", 12);
      r.engine.start();
      await r.engine.idle();
      const entries = JSON.parse(r.store.entity("@log@k").state ?? "[]") as string[];
      assert.equal(entries.length, 24);
      for (const sender of ["s1", "s2"]) {
        const mine = entries.filter((e) => e.startsWith(`${sender}:`));
        assert.deepEqual(
          mine,
          [...Array(12).keys()].map((i) => `${sender}:${i}`),
          `${sender}'s order holds`,
        );
      }
      const switches = entries.filter(
        (e, i) => i > 0 && e.slice(0, 2) !== entries[i - 1]!.slice(0, 2),
      ).length;
      assert.ok(switches > 1, `senders interleaved (${switches} switches), not one after the other`);
    } finally {
      await r.close();
    }
  });

  it("raises external events: a raised event wakes the wait (buffered if it came first); the wait takes no sequence number", async () => {
    const r = rig();
    try {
      r.engine.startNew("stoppable", "s", undefined);
      r.engine.raiseEvent("s", "stop", { why: "operator" }); // before the orchestration waits: buffered
      r.engine.start();
      await r.engine.idle();
      const row = r.engine.instance("s")!;
      assert.equal(row.status, "Completed");
      assert.deepEqual(output(row), { stopped: true, data: { why: "operator" }, after: "after" });
      assert.throws(() => r.engine.raiseEvent("s", "stop", {}), /Completed/, "a finished instance refuses");

      const unstopped = await r.run("stoppable", undefined, "t");
      assert.deepEqual(output(unstopped), { stopped: false, after: "after" });
      // echo 0, timer 1, echo 2: the wait between them took no number.
      const scheduled = ofType(unstopped.history, EventType.TaskScheduled).map((e) => e.EventId);
      assert.deepEqual(scheduled, [0, 2]);
    } finally {
      await r.close();
    }
  });

  it("gives an activity registered with a durable client input the engine's entity client; others get none", async () => {
    const r = rig(undefined, "testChannel");
    try {
      const row = await r.run("channelling");
      assert.deepEqual(output(row), { seen: "boxed", plainHasNone: true });
      // The activity's signal is an entity message the engine delivered.
      assert.deepEqual(JSON.parse(r.store.entity("@log@k").state ?? "null"), ["from-activity"]);
    } finally {
      await r.close();
    }
  });

  it("honours entityExists: an entity that destructs is gone from the store", async () => {
    const r = rig();
    try {
      await r.run("roundTrip", { n: 1 });
      assert.equal(r.store.entity("@box@k").exists, true);
      r.engine.signalEntity("@box@k", "destroy", undefined);
      await r.engine.idle();
      assert.equal(r.store.entity("@box@k").exists, false);
      assert.deepEqual(r.store.entityIds(), []);
    } finally {
      await r.close();
    }
  });

  it("at-least-once: runs every activity twice, delivers every entity message twice, resends an episode's messages after a crash", async () => {
    const twice = rig({ duplicateActivities: true, duplicateMessages: true });
    try {
      const row = await twice.run("signaller", 3, "s");
      assert.equal(row.status, "Completed");
      assert.deepEqual(knobs.echoed, [3, 3], "the activity ran twice");
      const entries = JSON.parse(twice.store.entity("@log@k").state ?? "[]") as string[];
      assert.deepEqual([...entries].sort(), ["s:0", "s:0", "s:1", "s:1", "s:2", "s:2"]);
      assert.equal(
        ofType(row.history, EventType.TaskCompleted).length,
        1,
        "one completion reaches the history",
      );
    } finally {
      await twice.close();
    }
    knobs.echoed = [];
    const crashing = rig({ crashBetweenSendAndCommit: true });
    try {
      const row = await crashing.run("signaller", 2, "c");
      assert.equal(row.status, "Completed");
      assert.equal(output(row), 2);
      assert.deepEqual(knobs.echoed, [2, 2], "the work item was sent twice, so it ran twice");
      const entries = JSON.parse(crashing.store.entity("@log@k").state ?? "[]") as string[];
      assert.deepEqual([...entries].sort(), ["c:0", "c:0", "c:1", "c:1"], "signals were sent twice");
      assert.equal(ofType(row.history, EventType.TaskScheduled).length, 1, "history committed once");
    } finally {
      await crashing.close();
    }
  });

  it("names activity executions per engine: an earlier engine's on the same store are gone, its own are not", async () => {
    // The store is exclusively locked, so an engine that runs is the only live one on its directory.
    const dataDir = mkdtempSync(join(tmpdir(), "engine-exec-"));
    dirs.push(dataDir);
    const open = (): { engine: DurableEngine; store: DurableStore } => {
      const store = new DurableStore(dataDir);
      const engine = new DurableEngine({ store, functions, clock: new FakeClock(NOW), logger: silentLogger });
      return { engine, store };
    };
    const first = open();
    const earlier = first.engine.entityClient.newExecutorId();
    assert.equal(first.engine.entityClient.isExecutorGone(earlier), false, "its own execution lives");
    first.store.close(); // the process dies
    const second = open();
    try {
      const client = second.engine.entityClient;
      const own = client.newExecutorId();
      assert.notEqual(own, earlier);
      assert.equal(client.isExecutorGone(own), false);
      assert.equal(client.isExecutorGone(earlier), true, "the killed process's execution is gone");
      assert.equal(client.isExecutorGone("0b8f-unprefixed"), true, "so is one an older version named");
    } finally {
      await second.engine.stop();
      second.store.close();
    }
  });

  it("measures the largest generation's history, also one that continued as new, and the largest payload", async () => {
    const r = rig();
    try {
      // Generations of 2, 1 and 0 activity calls: the first is the largest and is gone from the store.
      const row = await r.run("generations", { calls: 2, step: -1, last: 0 });
      assert.equal(row.status, "Completed");
      const figures = r.store.figures();
      // Per call: TaskScheduled, OrchestratorCompleted, OrchestratorStarted, TaskCompleted; per
      // generation: OrchestratorStarted, ExecutionStarted, ExecutionCompleted.
      assert.equal(figures.mostEvents, 3 + 4 * 2);
      assert.equal(figures.largestHistory?.events, 3 + 4 * 2);
      assert.notEqual(figures.largestHistory?.execution, row.execution, "an earlier generation's");
      assert.equal(row.history.length, 3, "the last generation made no call");
      // pad's result, "y" × 5,000 as a JSON string: the largest value anything carried.
      assert.equal(figures.payloads["activity input"]?.bytes, 100 + 2, "pad's input, a JSON string");
      assert.deepEqual(largestPayload(figures), {
        kind: "activity output",
        owner: "generations",
        bytes: 5_002,
      });
    } finally {
      await r.close();
    }
  });

  it("measures what the store file holds: history bytes as SQLite counts them, kept across a reopen", async () => {
    const r = rig();
    const dataDir = r.store.dataDir;
    // Generations of 0, 1 and 2 calls: the last one, still in the store, is the largest.
    await r.run("generations", { calls: 0, step: 1, last: 2 });
    const figures = r.store.figures();
    await r.close();
    const db = new Database(join(dataDir, STORE_FILE), { readonly: true });
    try {
      const stored = db
        .prepare(
          "SELECT execution, json_array_length(history) AS events, length(CAST(history AS BLOB)) AS bytes FROM instances WHERE id = ?",
        )
        .get("generations") as { execution: string; events: number; bytes: number };
      assert.deepEqual(figures.largestHistory, { instanceId: "generations", ...stored });
      assert.equal(stored.events, 3 + 4 * 2);
    } finally {
      db.close();
    }
    const reopened = new DurableStore(dataDir);
    try {
      assert.deepEqual(reopened.figures(), figures);
    } finally {
      reopened.close();
    }
  });

  it("refuses a second store on a data directory another host holds, with a clear message", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "engine-lock-"));
    dirs.push(dataDir);
    const first = new DurableStore(dataDir);
    try {
      assert.throws(
        () => new DurableStore(dataDir),
        (error: unknown) => {
          assert.ok(error instanceof StoreLockedError);
          assert.match(error.message, /already running on .*engine-lock-/);
          return true;
        },
      );
    } finally {
      first.close();
    }
    new DurableStore(dataDir).close(); // released with its holder
  });
});
